// Human output in the shapes of the Sentinel README: the process table, the status block, ports.
import { formatDuration } from '../core/duration.js';
import type { ProcessView } from '../daemon/ops/view.js';

export function formatMem(bytes: number | null): string {
  if (bytes === null) return '-';
  const mb = bytes / (1024 * 1024);
  return mb >= 100 ? `${Math.round(mb)} MB` : `${mb.toFixed(1)} MB`;
}

export function formatCpu(cpu: number | null): string {
  return cpu === null ? '-' : `${cpu.toFixed(1)}%`;
}

export function shorten(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max - 3) + '...';
}

export interface Table {
  push(...rows: unknown[][]): void;
  toString(): string;
}

/**
 * An ASCII table in the README's shape. Hand-written rather than cli-table3: measured here, cli-table3
 * took about 110 ms to lay out 100 rows (wide-character and color handling we do not need), more than
 * the whole rest of `sentinel list`.
 */
export function makeTable(head: string[], alignRight: number[] = []): Table {
  const rows: string[][] = [];
  return {
    push(...more: unknown[][]) {
      for (const r of more) rows.push(r.map((c) => String(c ?? '')));
    },
    toString() {
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
      const line = '+' + widths.map((w) => '-'.repeat(w + 2)).join('+') + '+';
      const fmt = (cells: string[]) =>
        '| ' + widths.map((w, i) => (alignRight.includes(i) ? (cells[i] ?? '').padStart(w) : (cells[i] ?? '').padEnd(w))).join(' | ') + ' |';
      return [line, fmt(head), line, ...rows.map(fmt), line].join('\n');
    },
  };
}

export function statusText(p: ProcessView): string {
  if (p.health && p.status === 'running') return `${p.status} (${p.health})`;
  return p.status;
}

export function processTable(list: ProcessView[]): string {
  const t = makeTable(['ID', 'NAME', 'PID', 'STATUS', 'CPU', 'MEM', 'UPTIME', 'RESTART', 'GROUP', 'COMMAND'], [0, 2, 4, 5, 6]);
  for (const p of list) {
    t.push([
      p.id, p.name, p.pid ?? '-', statusText(p), formatCpu(p.cpu), formatMem(p.memory),
      p.uptimeMs === null ? '-' : formatDuration(p.uptimeMs),
      p.restart === 'never' ? '-' : p.restarts > 0 ? `X (${p.restarts})` : 'X',
      p.group ?? '-', shorten(p.command, 40),
    ]);
  }
  return t.toString();
}

export function describeExitView(e: ProcessView['lastExit']): string {
  if (!e) return '-';
  const how = e.signal ? `killed by ${e.signal}` : `exit code ${e.exitCode ?? 'unknown'}`;
  const who = e.stoppedByUs ? (e.forceKilled ? ', stopped by sentinel (SIGKILL after timeout)' : ', stopped by sentinel') : '';
  return `${how}${who} at ${new Date(e.endedAt).toISOString().replace('T', ' ').slice(0, 19)}`;
}

export function statusBlock(p: ProcessView): string {
  const rows: Array<[string, string]> = [
    ['PID', String(p.pid ?? '-')],
    ['Status', statusText(p)],
    ['CPU', formatCpu(p.cpu)],
    ['Memory', formatMem(p.memory)],
    ['Uptime', p.uptimeMs === null ? '-' : formatDuration(p.uptimeMs)],
    ['Restart', p.restart === 'never' ? 'no' : p.restart],
    ['Restarts', String(p.restarts)],
    ['Last exit', describeExitView(p.lastExit)],
  ];
  if (p.reason) rows.push(['Reason', p.reason]);
  if (p.nextRestartAt) rows.push(['Next try', `in ${formatDuration(Math.max(0, p.nextRestartAt - Date.now()))}`]);
  if (p.port) rows.push(['Port', String(p.port)]);
  rows.push(['Group', p.group ?? 'none'], ['CWD', p.cwd], ['Command', p.command], ['Stdout', p.stdoutLog], ['Stderr', p.stderrLog]);
  return [`${p.name} (id: ${p.id})`, ...rows.map(([k, v]) => `  ${(k + ':').padEnd(11)}${v}`)].join('\n');
}
