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

/** Colors on a terminal only: NO_COLOR turns them off, FORCE_COLOR on (https://no-color.org). */
export function useColor(stream?: NodeJS.WriteStream): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return stream ? stream.isTTY === true : stdoutIsTTY();
}

const COLORS = { green: 32, yellow: 33, red: 31, dim: 2, bold: 1 } as const;
const COLOR_START = Object.fromEntries(Object.entries(COLORS).map(([name, code]) => [name, `\x1b[${code}m`])) as Record<keyof typeof COLORS, string>;
const COLOR_END = '\x1b[0m';

export function paint(text: string, color: keyof typeof COLORS, on = useColor()): string {
  return on ? `${COLOR_START[color]}${text}${COLOR_END}` : text;
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
  /** The color of a body cell (null: none), put around the padded cell (so colors never upset the layout). */
  color?: (column: number, raw: string) => keyof typeof COLORS | null;
}

/**
 * An ASCII table in the README's shape. Hand-written rather than cli-table3: measured here, cli-table3
 * took about 110 ms to lay out 100 rows (wide-character and color handling we do not need), more than
 * the whole rest of `sentinel list`. Laid out with as few strings made as it can: a cell is kept as given,
 * its padding one of the strings of spaces made once, each line joined once. With 1000 processes the
 * table of `sentinel list` made 2.4 MB of short-lived strings and arrays laid out cell by cell (each
 * young-generation collection 4-16 ms on a 2-core VM); this way 1.6 MB, most of it the cells' own texts.
 */
export function makeTable(head: string[], alignRightOrOptions: number[] | TableOptions = []): Table {
  const o: TableOptions = Array.isArray(alignRightOrOptions) ? { alignRight: alignRightOrOptions } : alignRightOrOptions;
  const columns = head.length;
  const right = head.map((_, i) => o.alignRight?.includes(i) === true);
  const widths = head.map((h) => h.length);
  const rows: string[][] = [];
  return {
    push(...more: unknown[][]) {
      for (const r of more) {
        const cells = new Array<string>(columns);
        for (let i = 0; i < columns; i++) {
          const c = r[i];
          const text = typeof c === 'string' ? c : c === null || c === undefined ? '' : String(c);
          cells[i] = text;
          if (text.length > widths[i]) widths[i] = text.length;
        }
        rows.push(cells);
      }
    },
    toString() {
      const w = widths.slice();
      const limit = o.width ?? (stdoutIsTTY() ? process.stdout.columns : undefined);
      if (limit !== undefined && o.shrink !== undefined) {
        const total = w.reduce((a, x) => a + x + 3, 1);
        if (total > limit) w[o.shrink] = Math.max(10, w[o.shrink] - (total - limit));
      }
      const pads = Array.from({ length: Math.max(...w) + 1 }, (_, n) => ' '.repeat(n));
      const line = '+' + w.map((x) => '-'.repeat(x + 2)).join('+') + '+';
      // one line's pieces, reused: "| ", then per cell its color's start, its padding and text (in the
      // order its alignment gives), and its color's end with " | " (" |" after the last)
      const pieces = new Array<string>(1 + columns * 5);
      pieces[0] = '| ';
      const ends = [' | ', ' |', `${COLOR_END} | `, `${COLOR_END} |`];
      const fmt = (cells: string[], body: boolean): string => {
        for (let i = 0, at = 1; i < columns; i++, at += 5) {
          let raw = cells[i];
          if (raw.length > w[i]) raw = raw.slice(0, Math.max(0, w[i] - 3)) + '...';
          const pad = pads[w[i] - raw.length];
          const color = body && o.color ? o.color(i, raw) : null;
          pieces[at] = color === null ? '' : COLOR_START[color];
          pieces[at + 1] = right[i] ? pad : '';
          pieces[at + 2] = raw;
          pieces[at + 3] = right[i] ? '' : pad;
          pieces[at + 4] = ends[(color === null ? 0 : 2) + (i === columns - 1 ? 1 : 0)];
        }
        return pieces.join('');
      };
      const out = new Array<string>(rows.length + 4);
      out[0] = line;
      out[1] = fmt(head, false);
      out[2] = line;
      for (let r = 0; r < rows.length; r++) out[3 + r] = fmt(rows[r], true);
      out[3 + rows.length] = line;
      return out.join('\n');
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
    color: (column, raw) => (column === 3 && raw !== '' && color && !raw.includes('/') ? statusColor(raw) : null),
  });
  // the instances of each definition that runs several, in the list's order (one pass, not one per definition)
  const byDefinition = new Map<string, ProcessView[]>();
  for (const p of list) {
    if (p.instances <= 1) continue;
    const members = byDefinition.get(p.definition);
    if (members) members.push(p);
    else byDefinition.set(p.definition, [p]);
  }
  const shown = new Set<string>();
  for (const p of list) {
    if (shown.has(p.definition)) continue;
    const members = byDefinition.get(p.definition) ?? [p];
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
