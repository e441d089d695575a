// The monitor's screen as a pure function of its state: sizes, truncation, sanitizing, colors, resizes.
import { describe, expect, it } from 'vitest';
import { layoutColumns, MIN_HEIGHT, MIN_WIDTH, paneSizes, render } from '../../../src/cli/monit/render.js';
import { appendLogs, initialState, withRows, type MonitState, type Row } from '../../../src/cli/monit/state.js';
import { displayWidth, sanitize, truncate } from '../../../src/cli/monit/text.js';
import { colorWanted } from '../../../src/cli/monit/main.js';
import { formatBytes, formatUptime } from '../../../src/cli/monit/format.js';

const SGR = /\x1b\[[0-9;]*m/g;
const plain = (line: string) => line.replace(SGR, '');

function row(name: string, extra: Partial<Row> = {}): Row {
  return { name, status: 'running', pid: 1234, cpu: 1.5, memory: 5 * 1024 * 1024, restarts: 0, health: null, uptimeMs: 65_000, ...extra };
}

function state(width: number, height: number, rows: Row[], extra: Partial<MonitState> = {}): MonitState {
  return withRows(initialState({ width, height, color: true, source: 'local /tmp/x', ...extra }), rows);
}

function expectFits(lines: string[], width: number, height: number): void {
  expect(lines).toHaveLength(height);
  for (const l of lines) expect(displayWidth(plain(l))).toBeLessThanOrEqual(width);
}

describe('render', () => {
  it('draws exactly the terminal height, no line wider than the terminal, at many sizes', () => {
    const rows = Array.from({ length: 50 }, (_, i) => row(`proc-${i}-${'x'.repeat(i)}`, { restarts: i * 1000, cpu: i * 3.3 }));
    for (const [w, h] of [[40, 8], [41, 9], [80, 24], [120, 40], [200, 60], [57, 13]]) {
      const lines = render(appendLogs(state(w, h, rows), [{ stream: 'stdout', line: 'y'.repeat(500) }]));
      expectFits(lines, w, h);
    }
  });

  it('shows every column on a wide terminal and drops the least useful ones first on a narrow one', () => {
    const wide = layoutColumns(120).columns.map((c) => c.title);
    expect(wide).toEqual(['STATE', 'PID', 'CPU', 'MEM', 'RESTARTS', 'HEALTH', 'UPTIME']);
    const narrow = layoutColumns(50).columns.map((c) => c.title);
    expect(narrow).toContain('STATE');
    expect(narrow).not.toContain('PID');
    expect(narrow.length).toBeLessThan(wide.length);
    expect(layoutColumns(50).nameWidth).toBeGreaterThanOrEqual(12);
  });

  it('redraws for a new size: the same state at another width re-lays the table', () => {
    const s = state(120, 30, [row('web'), row('worker', { status: 'failed', pid: null })]);
    const before = render(s);
    const after = render({ ...s, width: 60, height: 20 });
    expectFits(after, 60, 20);
    expect(plain(before[1])).toContain('PID');
    expect(plain(after[1])).not.toContain('PID');
    expect(plain(after[2])).toMatch(/^> web\s+running/);
  });

  it('truncates a long name with "…" and keeps the row aligned', () => {
    const lines = render(state(60, 12, [row('a-very-long-process-name-that-cannot-fit-in-the-column'), row('b')]));
    const first = plain(lines[2]);
    expect(first).toContain('…');
    expect(first.indexOf('running')).toBe(plain(lines[3]).indexOf('running'));
  });

  it('colors states and the selection, and draws no escape at all without color (NO_COLOR)', () => {
    const rows = [row('web'), row('bad', { status: 'failed' })];
    const colored = render(state(80, 20, rows)).join('\n');
    expect(colored).toContain('\x1b[32mrunning');
    expect(colored).toContain('\x1b[31mfailed');
    const bare = render(state(80, 20, rows, { color: false }));
    expect(bare.join('\n')).not.toContain('\x1b');
    // the selection still shows without color
    expect(bare[2].startsWith('> web')).toBe(true);
    expect(bare[3].startsWith('  bad')).toBe(true);
  });

  it('colorWanted: NO_COLOR (non-empty), TERM=dumb and --no-color turn colors off', () => {
    expect(colorWanted({}, { TERM: 'xterm' })).toBe(true);
    expect(colorWanted({}, { NO_COLOR: '1', TERM: 'xterm' })).toBe(false);
    expect(colorWanted({}, { NO_COLOR: '', TERM: 'xterm' })).toBe(true);
    expect(colorWanted({}, { TERM: 'dumb' })).toBe(false);
    expect(colorWanted({ color: false }, { TERM: 'xterm' })).toBe(false);
  });

  it('never passes a log line\'s escapes or control bytes to the terminal', () => {
    const evil = 'a\x1b[2J\x1b[10;10Hb\x1b]0;title\x07c\rd\x00e\x1bcf\tg';
    const s = appendLogs(state(80, 20, [row('web')], { color: false }), [{ stream: 'stdout', line: evil }]);
    const text = render(s).join('\n');
    expect(text).not.toContain('\x1b');
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f]/);
    expect(text).toContain('abc?d?ecf       g');
  });

  it('measures wide characters as two columns and truncates them without overflowing', () => {
    expect(displayWidth('日本語')).toBe(6);
    expect(displayWidth('e\u0301')).toBe(1);
    const t = truncate('日本語テキスト', 7);
    expect(displayWidth(t)).toBeLessThanOrEqual(7);
    expect(t.endsWith('…')).toBe(true);
    expect(sanitize('x\ty')).toBe('x       y');
    const lines = render(appendLogs(state(40, 10, [row('名前'.repeat(20))]), [{ stream: 'stdout', line: '漢字'.repeat(100) }]));
    expectFits(lines, 40, 10);
  });

  it('shows the last lines of the followed log in the lower pane, stderr in red', () => {
    let s = state(80, 20, [row('web')]);
    s = appendLogs(s, Array.from({ length: 30 }, (_, i) => ({ stream: i % 2 ? 'stderr' as const : 'stdout' as const, line: `line ${i}` })));
    const lines = render(s);
    const { table, log } = paneSizes(20);
    expect(plain(lines[2 + table])).toMatch(/^── logs: web ─+$/);
    const pane = lines.slice(3 + table, 3 + table + log);
    expect(plain(pane[pane.length - 1])).toBe('line 29');
    expect(pane[pane.length - 1]).toContain('\x1b[31m');
    expect(pane.map(plain)).not.toContain(`line ${29 - log}`);
  });

  it('says when the terminal is too small instead of drawing a broken table', () => {
    const lines = render(state(MIN_WIDTH - 1, MIN_HEIGHT, [row('web')]));
    expectFits(lines, MIN_WIDTH - 1, MIN_HEIGHT);
    expect(lines[0]).toMatch(/^Terminal too small/);
    expectFits(render(state(10, 3, [row('web')])), 10, 3);
  });

  it('says what the header knows: counts, the filter, the role of a token, a lost daemon', () => {
    const s = state(100, 20, [row('web'), row('db', { status: 'stopped' })], { role: 'viewer', source: 'http://127.0.0.1:9797' });
    expect(plain(render(s)[0])).toMatch(/http:\/\/127\.0\.0\.1:9797 \(viewer\).*2 processes, 1 running $/);
    expect(plain(render({ ...s, filter: 'we' })[0])).toContain('filter "we"');
    expect(plain(render({ ...s, problem: 'nothing answers' })[0])).toContain('! nothing answers');
  });

  it('formats cells compactly', () => {
    expect(formatBytes(512)).toBe('512B');
    expect(formatBytes(1536)).toBe('1.5K');
    expect(formatBytes(300 * 1024 * 1024)).toBe('300M');
    expect(formatUptime(59_000)).toBe('59s');
    expect(formatUptime(3_600_000 + 120_000)).toBe('1h02m');
    expect(formatUptime(null)).toBe('-');
  });
});
