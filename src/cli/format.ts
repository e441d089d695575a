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

function restartText(p: Pick<ProcessView, 'restart' | 'restarts'>): string {
  if (p.restart === 'never') return p.restarts > 0 ? `- (${p.restarts})` : '-';
  return p.restarts > 0 ? `${p.restart} (${p.restarts})` : p.restart;
}

/** A definition that runs several instances: one summary row, then its instances indented under it. */
function definitionRow(members: ProcessView[]): Array<string | number> {
  const first = members[0];
  const up = members.filter((m) => m.status === 'running').length;
  const sum = (xs: Array<number | null>) => (xs.every((x) => x === null) ? null : xs.reduce<number>((a, x) => a + (x ?? 0), 0));
  return [
    '-', `${first.definition} (${members.length})`, '-', `${up}/${members.length} running`, formatCpu(sum(members.map((m) => m.cpu))),
    formatMem(sum(members.map((m) => m.memory))), '-', restartText({ restart: first.restart, restarts: members.reduce((a, m) => a + m.restarts, 0) }),
    first.group ?? '-', shorten(first.command, 40),
  ];
}

export function processTable(list: ProcessView[]): string {
  const t = makeTable(['ID', 'NAME', 'PID', 'STATUS', 'CPU', 'MEM', 'UPTIME', 'RESTART', 'GROUP', 'COMMAND'], [0, 2, 4, 5, 6]);
  const shown = new Set<string>();
  for (const p of list) {
    if (shown.has(p.definition)) continue;
    const members = p.instances > 1 ? list.filter((m) => m.definition === p.definition) : [p];
    if (members.length > 1) {
      shown.add(p.definition);
      t.push(definitionRow(members));
    }
    for (const m of members) {
      t.push([
        m.id, members.length > 1 ? `  ${m.name}` : m.name, m.pid ?? '-', statusText(m), formatCpu(m.cpu), formatMem(m.memory),
        m.uptimeMs === null ? '-' : formatDuration(m.uptimeMs), restartText(m), m.group ?? '-', shorten(m.command, 40),
      ]);
    }
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

/** "web (id: 1, pid: 42)", or for a definition of several instances "web: 3 instances (web:0 pid 42, ...)". */
export function whatActedOn(r: { process: ProcessView; instances?: ProcessView[] }, withPid = true): string {
  const all = r.instances ?? [r.process];
  if (all.length <= 1) return `${r.process.name} (id: ${r.process.id}${withPid ? `, pid: ${r.process.pid}` : ''})`;
  return `${r.process.definition}: ${all.length} instances (${all.map((m) => (withPid ? `${m.name} pid ${m.pid ?? '-'}` : m.name)).join(', ')})`;
}
