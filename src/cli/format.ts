// Human output in the shapes of the Sentinel README: the process table, the status block, ports.
import { describeCgroupLimits } from '../isolation/cgroup-limits.js';
import { formatDuration } from '../core/duration.js';
import type { ProcessView } from '../daemon/ops/view.js';
import type { OpResult } from '../contracts/index.js';
import { stdoutIsTTY } from './stdout.js';

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
/** Colors on a terminal only: NO_COLOR turns them off, FORCE_COLOR on (https://no-color.org). */
export function useColor(stream?: NodeJS.WriteStream): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return stream ? stream.isTTY === true : stdoutIsTTY();
}

const COLORS = { green: 32, yellow: 33, red: 31, dim: 2, bold: 1 } as const;

export function paint(text: string, color: keyof typeof COLORS, on = useColor()): string {
  return on ? `\x1b[${COLORS[color]}m${text}\x1b[0m` : text;
}

export function statusColor(status: string): keyof typeof COLORS {
  if (status.startsWith('running')) return 'green';
  if (status === 'failed' || status === 'exited') return 'red';
  if (status === 'stopped') return 'dim';
  return 'yellow';
}

export interface TableOptions {
  alignRight?: number[];
  /** The column cut to make the table fit `width` (the command, say), never below 10 characters. */
  shrink?: number;
  /** Default: the terminal's width when stdout is one, else no limit. */
  width?: number;
  /** Colors a cell after padding (so colors never upset the layout). */
  paint?: (column: number, padded: string, raw: string) => string;
}

/**
 * An ASCII table in the README's shape. Hand-written rather than cli-table3: measured here, cli-table3
 * took about 110 ms to lay out 100 rows (wide-character and color handling we do not need), more than
 * the whole rest of `sentinel list`.
 */
export function makeTable(head: string[], alignRightOrOptions: number[] | TableOptions = []): Table {
  const o: TableOptions = Array.isArray(alignRightOrOptions) ? { alignRight: alignRightOrOptions } : alignRightOrOptions;
  const alignRight = o.alignRight ?? [];
  const rows: string[][] = [];
  return {
    push(...more: unknown[][]) {
      for (const r of more) rows.push(r.map((c) => String(c ?? '')));
    },
    toString() {
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
      const limit = o.width ?? (stdoutIsTTY() ? process.stdout.columns : undefined);
      if (limit !== undefined && o.shrink !== undefined) {
        const total = widths.reduce((a, w) => a + w + 3, 1);
        if (total > limit) widths[o.shrink] = Math.max(10, widths[o.shrink] - (total - limit));
      }
      const cut = (text: string, w: number) => (text.length <= w ? text : text.slice(0, Math.max(0, w - 3)) + '...');
      const line = '+' + widths.map((w) => '-'.repeat(w + 2)).join('+') + '+';
      const fmt = (cells: string[], body: boolean) =>
        '| ' + widths.map((w, i) => {
          const raw = cut(cells[i] ?? '', w);
          const padded = alignRight.includes(i) ? raw.padStart(w) : raw.padEnd(w);
          return body && o.paint ? o.paint(i, padded, raw) : padded;
        }).join(' | ') + ' |';
      return [line, fmt(head, false), line, ...rows.map((r) => fmt(r, true)), line].join('\n');
    },
  };
}

export function statusText(p: ProcessView): string {
  if (p.health && p.status === 'running') return `${p.status} (${p.health})`;
  return p.status;
}

/** The policy and the restart count; "watch" marks a process restarted on file changes. */
function restartText(p: Pick<ProcessView, 'restart' | 'restarts' | 'watched'>): string {
  const count = p.restarts > 0 ? ` (${p.restarts})` : '';
  if (p.restart === 'never') return p.watched ? `watch${count}` : `-${count}`;
  return `${p.restart}${p.watched ? '+watch' : ''}${count}`;
}

/** " shared :8080 scale 2-4" after a definition's name: how its instances share the port and scale. */
function clusterText(p: ProcessView): string {
  const mode = p.portMode === 'shared' ? ` shared :${p.port}` : p.portMode === 'per-instance' ? ` ports ${p.port}+` : p.portMode === 'proxy' ? ` proxy :${(p.port ?? 1) - 1 - p.instance}` : '';
  return `${mode}${p.scale ? ` scale ${p.scale.min}-${p.scale.max}` : ''}`;
}

/** A definition that runs several instances: one summary row, then its instances indented under it. */
function definitionRow(members: ProcessView[]): Array<string | number> {
  const first = members[0];
  const up = members.filter((m) => m.status === 'running').length;
  const sum = (xs: Array<number | null>) => (xs.every((x) => x === null) ? null : xs.reduce<number>((a, x) => a + (x ?? 0), 0));
  return [
    '-', `${first.definition} (${members.length})${clusterText(first)}`, '-', `${up}/${members.length} running`, formatCpu(sum(members.map((m) => m.cpu))),
    formatMem(sum(members.map((m) => m.memory))), '-', restartText({ restart: first.restart, watched: first.watched, restarts: members.reduce((a, m) => a + m.restarts, 0) }),
    first.group ?? '-', shorten(first.command, 40),
  ];
}

export function processTable(list: ProcessView[]): string {
  const color = useColor();
  const t = makeTable(['ID', 'NAME', 'PID', 'STATUS', 'CPU', 'MEM', 'UPTIME', 'RESTART', 'GROUP', 'COMMAND'], {
    alignRight: [0, 2, 4, 5, 6],
    shrink: 9,
    paint: (column, padded, raw) => (column === 3 && raw !== '' && color && !raw.includes('/') ? paint(padded, statusColor(raw), true) : padded),
  });
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
  const how = e.cause ?? (e.signal ? `killed by ${e.signal}` : `exit code ${e.exitCode ?? 'unknown'}`);
  const who = e.stoppedByUs ? (e.forceKilled ? ', stopped by sentinel (SIGKILL after timeout)' : ', stopped by sentinel') : '';
  return `${how}${who} at ${new Date(e.endedAt).toISOString().replace('T', ' ').slice(0, 19)}`;
}

type StatusAnswer = OpResult<'status'>;

const ms = (v: unknown) => (typeof v === 'number' ? formatDuration(v) : undefined);

/** Every setting that applies to a process, as `status` shows it (nothing that is off). */
export function settingRows(spec: StatusAnswer['spec']): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  const r = spec.restart;
  if (r.mode !== 'never') {
    const parts = [r.mode, r.maxRestarts > 0 ? `at most ${r.maxRestarts} in ${formatDuration(r.windowMs)}` : 'no limit',
      r.backoff === 'exponential' ? `backoff ${formatDuration(r.delayMs)}..${formatDuration(r.backoffMaxMs)}` : r.delayMs > 0 ? `delay ${formatDuration(r.delayMs)}` : 'no delay'];
    if (r.jitter > 0) parts.push(`jitter ${Math.round(r.jitter * 100)}%`);
    if (r.exitCodes.length) parts.push(`only on exit ${r.exitCodes.join(',')}`);
    if (r.noRestartExitCodes.length) parts.push(`never on exit ${r.noRestartExitCodes.join(',')}`);
    rows.push(['Policy', parts.join(', ')]);
  }
  const sc = spec.scale as { min: number; max: number; cpuPercent: number | null; memoryBytes: number | null; upAfterMs: number; downAfterMs: number; cooldownMs: number; policy: { command: string | null; module: string | null; plugin?: { name: string } | null } | null } | null | undefined;
  if (sc) {
    const targets = sc.policy ? [`policy ${sc.policy.plugin ? `plugin ${sc.policy.plugin.name}` : sc.policy.command ?? sc.policy.module}`] : [sc.cpuPercent !== null ? `cpu ${sc.cpuPercent}%` : '', sc.memoryBytes !== null ? `memory ${formatMem(sc.memoryBytes)}` : ''].filter(Boolean);
    rows.push(['Scale', `${sc.min}-${sc.max} instances, ${targets.join(' or ')}; up after ${formatDuration(sc.upAfterMs)}, down after ${formatDuration(sc.downAfterMs)}, cooldown ${formatDuration(sc.cooldownMs)}`]);
  }
  if (spec.wrap) {
    const opts = Object.keys(spec.wrap.options).length ? ` with options ${JSON.stringify(spec.wrap.options)}` : '';
    rows.push(['Wrap', `runtime plugin ${spec.wrap.plugin}${opts} (asked for the argv, env and cwd before each start)`]);
  }
  const w = spec.watch;
  if (w) {
    const what = [`${w.paths.join(', ')}`, w.ignore.length ? `ignoring ${w.ignore.join(', ')}` : '', `delay ${w.delayMs < 1000 ? `${w.delayMs}ms` : formatDuration(w.delayMs)}`].filter(Boolean).join(', ');
    rows.push(['Watch', `${what}${w.error ? ` (not watching: ${w.error})` : w.active ? ` (${w.directories} directories)` : ' (off while stopped)'}`]);
    if (w.lastChange) rows.push(['Changed', `${w.lastChange.reason} at ${new Date(w.lastChange.at).toISOString().replace('T', ' ').slice(0, 19)}`]);
  }
  if (spec.restartCron) rows.push(['Schedule', `restart on "${spec.restartCron.cron}"${spec.restartCron.tz ? ` (${spec.restartCron.tz})` : ''}`]);
  const rd = spec.readiness as Record<string, unknown> | null;
  if (rd) {
    const http = rd.waitHttp as { url: string } | undefined;
    const what = [rd.waitPort !== undefined ? `port ${rd.waitPort === true ? '$PORT' : rd.waitPort}` : '', http ? `http ${http.url}` : '',
      rd.waitLog !== undefined ? `log /${rd.waitLog}/` : '', rd.waitExec !== undefined ? `exec ${rd.waitExec}` : ''].filter(Boolean);
    rows.push(['Readiness', `${what.join(' and ')}${ms(rd.timeoutMs) ? `, within ${ms(rd.timeoutMs)}` : ''}`]);
  }
  const lv = spec.liveness as Record<string, unknown> | null;
  if (lv) rows.push(['Liveness', `${lv.kind} ${lv.target}${ms(lv.intervalMs) ? ` every ${ms(lv.intervalMs)}` : ''}${lv.action === 'notify' ? ', notify' : ''}`]);
  if (spec.limits.maxMemoryBytes !== null) rows.push(['Mem limit', formatMem(spec.limits.maxMemoryBytes)]);
  // hard limits (cgroup): the kernel enforces them; the two above are restart thresholds
  const hard = describeCgroupLimits(spec.limits);
  if (hard) rows.push(['Cgroup', `${hard} (hard limits)`]);
  if (spec.limits.maxCpu) rows.push(['CPU limit', `${spec.limits.maxCpu.percent}%${ms(spec.limits.maxCpu.forMs) ? ` for ${ms(spec.limits.maxCpu.forMs)}` : ''}`]);
  const id = spec.identity;
  if (id.user || id.group) rows.push(['User', `${id.user ?? ''}${id.group ? `:${id.group}` : ''}`]);
  if (id.nice !== null) rows.push(['Nice', String(id.nice)]);
  if (id.ionice !== null) rows.push(['I/O class', id.ionice]);
  rows.push(['Stop', `${spec.stopSignal}, SIGKILL after ${formatDuration(spec.stopTimeoutMs)}`]);
  rows.push(['Logs', `rotate at ${formatMem(spec.logMaxBytes)}, keep ${spec.logKeep}${spec.logCompress ? ', gzip' : ''}${spec.logTimestamps ? ', exact timestamps' : ''}`]);
  if (!spec.notify.enabled) rows.push(['Notify', 'off']);
  else if (spec.notify.webhooks.length) rows.push(['Notify', spec.notify.webhooks.join(', ')]);
  if (spec.configFile) rows.push(['From', spec.configFile]);
  return rows;
}

export function statusBlock(p: ProcessView, spec?: StatusAnswer['spec'], instances: ProcessView[] = []): string {
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
  if (p.port) {
    const how = p.portMode === 'shared' ? ` (one socket shared by ${p.instances} instance${p.instances === 1 ? '' : 's'}, fd 3)` : p.portMode === 'per-instance' ? ` (per instance: base + ${p.instance})` : p.portMode === 'proxy' ? ` (behind the proxy on ${p.port - 1 - p.instance})` : '';
    rows.push(['Port', `${p.port}${how}`]);
  }
  rows.push(['Group', p.group ?? 'none'], ['CWD', p.cwd], ['Command', p.command], ['Stdout', p.stdoutLog], ['Stderr', p.stderrLog]);
  if (spec) rows.push(...settingRows(spec));
  if (instances.length > 1) rows.push(['Instances', instances.map((m) => `${m.name} ${m.status}${m.pid ? ` (pid ${m.pid})` : ''}`).join(', ')]);
  return [`${p.name} (id: ${p.id})`, ...rows.map(([k, v]) => `  ${(k + ':').padEnd(11)}${v}`)].join('\n');
}

/** "web (id: 1, pid: 42)", or for a definition of several instances "web: 3 instances (web:0 pid 42, ...)". */
export function whatActedOn(r: { process: ProcessView; instances?: ProcessView[] }, withPid = true): string {
  const all = r.instances ?? [r.process];
  if (all.length <= 1) return `${r.process.name} (id: ${r.process.id}${withPid ? `, pid: ${r.process.pid}` : ''})`;
  return `${r.process.definition}: ${all.length} instances (${all.map((m) => (withPid ? `${m.name} pid ${m.pid ?? '-'}` : m.name)).join(', ')})`;
}
