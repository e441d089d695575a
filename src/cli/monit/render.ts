// The monitor's screen as a pure function: state → exactly `height` lines, none wider than `width` columns.
// Colors are SGR escapes only (never cursor moves), and none at all when color is off (NO_COLOR).
import { formatBytes, formatCpu, formatUptime } from './format.js';
import { rowKey, visibleHostErrors, visibleRows, type MonitState, type Row } from './state.js';
import { displayWidth, fit, sanitize, truncate } from './text.js';

export const MIN_WIDTH = 40;
export const MIN_HEIGHT = 8;

interface Column { title: string; width: number; right: boolean; drop: number; cell: (r: Row) => string }

// `drop`: the order in which columns give way on a narrow terminal (highest first)
const COLUMNS: Column[] = [
  { title: 'STATE', width: 8, right: false, drop: 0, cell: (r) => r.status },
  { title: 'PID', width: 7, right: true, drop: 6, cell: (r) => (r.pid === null ? '-' : String(r.pid)) },
  { title: 'CPU', width: 6, right: true, drop: 3, cell: (r) => formatCpu(r.cpu) },
  { title: 'MEM', width: 6, right: true, drop: 2, cell: (r) => formatBytes(r.memory) },
  { title: 'RESTARTS', width: 8, right: true, drop: 1, cell: (r) => String(r.restarts) },
  { title: 'HEALTH', width: 9, right: false, drop: 5, cell: (r) => r.health ?? '-' },
  { title: 'UPTIME', width: 7, right: true, drop: 4, cell: (r) => formatUptime(r.uptimeMs) },
];
// monit --hosts: which host a row runs on; it gives way only after every other column but STATE
const HOST_COLUMN: Column = { title: 'HOST', width: 10, right: false, drop: 0.5, cell: (r) => r.host ?? 'local' };
const MARK = 2;
const MIN_NAME = 12;

/** The columns that fit `width` next to a name column of at least MIN_NAME, and the name column's width. */
export function layoutColumns(width: number, hosts = false): { columns: Column[]; nameWidth: number } {
  let columns = hosts ? [HOST_COLUMN, ...COLUMNS] : COLUMNS;
  const used = (cols: Column[]) => MARK + cols.reduce((n, c) => n + 1 + c.width, 0);
  while (columns.length > 1 && width - used(columns) < MIN_NAME) {
    const worst = columns.reduce((a, b) => (b.drop > a.drop ? b : a));
    columns = columns.filter((c) => c !== worst);
  }
  return { columns, nameWidth: Math.max(1, width - used(columns)) };
}

const SGR = {
  bold: ['\x1b[1m', '\x1b[22m'],
  dim: ['\x1b[2m', '\x1b[22m'],
  inverse: ['\x1b[7m', '\x1b[27m'],
  red: ['\x1b[31m', '\x1b[39m'],
  green: ['\x1b[32m', '\x1b[39m'],
  yellow: ['\x1b[33m', '\x1b[39m'],
  cyan: ['\x1b[36m', '\x1b[39m'],
} as const;
type Style = keyof typeof SGR;

function paint(s: MonitState, text: string, style: Style | null): string {
  return s.color && style ? SGR[style][0] + text + SGR[style][1] : text;
}

const STATE_STYLE: Record<string, Style> = {
  running: 'green', starting: 'yellow', stopping: 'yellow', backoff: 'yellow', exited: 'red', failed: 'red', stopped: 'dim',
};

/** How many table rows and log lines the height leaves, after the header, column titles, log title and footer. */
export function paneSizes(height: number): { table: number; log: number } {
  const body = Math.max(2, height - 4);
  const table = Math.max(1, Math.floor(body / 2));
  return { table, log: body - table };
}

export function render(s: MonitState): string[] {
  const W = s.width;
  const H = s.height;
  if (W < MIN_WIDTH || H < MIN_HEIGHT) {
    const lines = [truncate(`Terminal too small (${W}x${H}); make it at least ${MIN_WIDTH}x${MIN_HEIGHT}, or press q to quit`, W)];
    while (lines.length < H) lines.push('');
    return lines.slice(0, H);
  }
  const lines: string[] = [header(s)];
  const { table, log } = paneSizes(H);
  if (s.mode === 'help') lines.push(...helpLines(s, table + log + 2));
  else {
    lines.push(...tableLines(s, table));
    lines.push(...logLines(s, log));
  }
  lines.push(footer(s));
  return lines;
}

function header(s: MonitState): string {
  const running = s.rows.filter((r) => r.status === 'running').length;
  const left = ` Sentinel monit  ${s.source}${s.role && s.role !== 'admin' ? ` (${s.role})` : ''}`;
  const hosts = s.hosts ? `${s.hostFilter === null ? `${s.hosts.length} hosts` : `host ${s.hostFilter}`}${s.hostErrors.length ? ` (${s.hostErrors.length} unreachable)` : ''}, ` : '';
  const right = s.problem ? `! ${s.problem}` : `${hosts}${s.rows.length} process${s.rows.length === 1 ? '' : 'es'}, ${running} running${s.filter ? `, filter "${s.filter}"` : ''} `;
  const room = s.width - displayWidth(left) - 1;
  const r = truncate(sanitize(right), Math.max(0, room));
  const text = fit(left, s.width - displayWidth(r)) + r;
  return paint(s, text, s.problem ? 'red' : 'bold');
}

function tableLines(s: MonitState, height: number): string[] {
  const { columns, nameWidth } = layoutColumns(s.width, s.hosts !== null);
  const title = ' '.repeat(MARK) + fit('NAME', nameWidth) + columns.map((c) => ' ' + fit(c.title, c.width, c.right)).join('');
  const out = [paint(s, fit(title, s.width), 'bold')];
  // a host that did not answer: one line with its error, above the rows
  const errors = visibleHostErrors(s).slice(0, Math.max(0, height - 1));
  for (const e of errors) out.push(paint(s, truncate(sanitize(`  ! ${e.host}: unreachable: ${e.error}`), s.width), 'red'));
  height -= errors.length;
  const rows = visibleRows(s);
  if (rows.length === 0 && errors.length === 0) {
    out.push(fit(s.rows.length === 0 ? '  No managed processes. Start one with: sentinel run "COMMAND"' : `  No process matches "${s.filter}" (Esc clears the filter)`, s.width));
  }
  const at = Math.max(0, rows.findIndex((r) => rowKey(r) === s.selected));
  const first = at < height ? 0 : at - height + 1;
  for (const r of rows.slice(first, first + height)) {
    const selected = rowKey(r) === s.selected;
    let line = (selected ? '> ' : '  ') + paint(s, fit(sanitize(r.name), nameWidth), selected ? 'bold' : null);
    for (const c of columns) {
      const cell = fit(c.cell(r), c.width, c.right);
      line += ' ' + (c.title === 'STATE' ? paint(s, cell, STATE_STYLE[r.status] ?? null) : c.title === 'HEALTH' && r.health === 'unhealthy' ? paint(s, cell, 'red') : cell);
    }
    out.push(selected ? paint(s, line, 'inverse') : line);
  }
  while (out.length < height + errors.length + 1) out.push('');
  return out.slice(0, height + errors.length + 1);
}

function logLines(s: MonitState, height: number): string[] {
  const name = s.logName ?? s.selected;
  const label = name ? `── logs: ${sanitize(name)} ` : '── logs ';
  const out = [paint(s, truncate(label + '─'.repeat(Math.max(0, s.width - displayWidth(label))), s.width), 'cyan')];
  if (!name) {
    out.push('  Select a process to follow its logs');
  } else {
    for (const l of s.logs.slice(-height)) {
      const text = truncate(sanitize(l.line), s.width);
      out.push(l.stream === 'stderr' ? paint(s, text, 'red') : l.stream === 'note' ? paint(s, text, 'dim') : text);
    }
  }
  while (out.length < height + 1) out.push('');
  return out.slice(0, height + 1);
}

function footer(s: MonitState): string {
  let text: string;
  let style: Style | null = 'inverse';
  if (s.mode === 'filter') text = ` Filter: ${s.filter}_   (Enter keeps it, Esc clears it)`;
  else if (s.mode === 'confirm') {
    text = ` Stop ${s.selected}? y stops it, any other key cancels`;
    style = 'yellow';
  } else if (s.message) {
    text = ` ${s.message.text}`;
    style = s.message.error ? 'red' : 'green';
  } else text = ' ↑↓/jk select  r restart  s stop  t start  / filter  ? help  q quit';
  return paint(s, fit(sanitize(text), s.width), style);
}

export const HELP: ReadonlyArray<[string, string]> = [
  ['↑ ↓  k j', 'select a process (its logs follow in the lower pane)'],
  ['PgUp PgDn Home End g G', 'move by a page, to the first or the last'],
  ['r', 'restart the selected process'],
  ['s', 'stop the selected process (asks y to confirm)'],
  ['t', 'start the selected process'],
  ['/', 'filter by name (Enter keeps the filter, Esc clears it)'],
  ['H', 'with --hosts: show one host, the next, ... then all again'],
  ['Esc', 'clear the filter or a message'],
  ['Ctrl-L', 'redraw the whole screen'],
  ['?', 'this help (any key closes it)'],
  ['q  Ctrl-C', 'quit'],
];

function helpLines(s: MonitState, height: number): string[] {
  const out = [paint(s, fit(' Keys', s.width), 'bold'), ''];
  for (const [k, what] of HELP) out.push(truncate(`  ${fit(k, 20)} ${what}`, s.width));
  out.push('', truncate('  The table refreshes every second; the lower pane follows the selected process\'s logs.', s.width));
  while (out.length < height) out.push('');
  return out.slice(0, height);
}
