// The process table's layout (src/cli/format.ts): widths, alignment, cutting to a width, colors around
// the padded cell, missing cells, and the rows of a definition that runs several instances.
import { afterEach, describe, expect, it } from 'vitest';
import { makeTable, processTable } from '../../src/cli/format.js';
import type { ProcessView } from '../../src/daemon/ops/view.js';

function view(over: Partial<ProcessView>): ProcessView {
  return {
    id: 1, name: 'web', definition: 'web', instance: 0, instances: 1, pid: 4242, status: 'running', cpu: 1.25, memory: 3 * 1024 * 1024,
    uptimeMs: 65_000, restarts: 0, restart: 'on-failure', group: null, command: 'node server.js', cwd: '/srv', port: null, portMode: null,
    scale: null, health: null, reason: null, lastExit: null, nextRestartAt: null, stdoutLog: '/l/o', stderrLog: '/l/e', createdAt: 0, ...over,
  };
}

const saved = { NO_COLOR: process.env.NO_COLOR, FORCE_COLOR: process.env.FORCE_COLOR };
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
});

describe('makeTable', () => {
  it('pads each column to its widest cell, right-aligns the columns asked, and prints missing cells empty', () => {
    const t = makeTable(['ID', 'NAME'], [0]);
    t.push([7, 'api'], [123, null], [4]);
    expect(t.toString()).toBe([
      '+-----+------+',
      '|  ID | NAME |',
      '+-----+------+',
      '|   7 | api  |',
      '| 123 |      |',
      '|   4 |      |',
      '+-----+------+',
    ].join('\n'));
  });

  it('cuts the shrinkable column (never below 10) so the table fits the width, marking the cut with ...', () => {
    const t = makeTable(['A', 'COMMAND'], { shrink: 1, width: 20 });
    t.push(['x', 'a-very-long-command --with --flags']);
    const lines = t.toString().split('\n');
    expect(lines[3]).toBe('| x | a-very-lo... |');
    expect(lines.every((l) => l.length === 20)).toBe(true);
    const narrow = makeTable(['A', 'COMMAND'], { shrink: 1, width: 5 });
    narrow.push(['x', 'a-very-long-command']);
    expect(narrow.toString().split('\n')[3]).toBe('| x | a-very-... |');
  });

  it('puts a color around the padded cell, so the layout is the same with and without it', () => {
    const t = makeTable(['S', 'N'], { color: (column, raw) => (column === 0 && raw === 'up' ? 'green' : null) });
    t.push(['up', 1], ['down', 2]);
    const lines = t.toString().split('\n');
    expect(lines[1]).toBe('| S    | N |');
    expect(lines[3]).toBe('| \x1b[32mup  \x1b[0m | 1 |');
    expect(lines[4]).toBe('| down | 2 |');
  });
});

describe('processTable', () => {
  it('shows a definition with several instances as a summary row with its instances under it, in order', () => {
    process.env.NO_COLOR = '1';
    const list = [
      view({ id: 1, name: 'web:0', definition: 'web', instances: 2, instance: 0, cpu: 1, memory: 1024 * 1024 }),
      view({ id: 2, name: 'worker', definition: 'worker', command: 'python worker.py', restarts: 3, restart: 'always' }),
      view({ id: 3, name: 'web:1', definition: 'web', instances: 2, instance: 1, cpu: 2, memory: 1024 * 1024, status: 'backoff', pid: null, uptimeMs: null }),
    ];
    const rows = processTable(list).split('\n').slice(3, -1).map((l) => l.split('|').map((c) => c.trim()).slice(1, -1));
    expect(rows.map((r) => r[1])).toEqual(['web (2)', 'web:0', 'web:1', 'worker']);
    expect(rows[0]).toEqual(['-', 'web (2)', '-', '1/2 running', '3.0%', '2.0 MB', '-', 'on-failure', '-', 'node server.js']);
    expect(rows[2]).toEqual(['3', 'web:1', '-', 'backoff', '2.0%', '1.0 MB', '-', 'on-failure', '-', 'node server.js']);
    expect(rows[3]).toEqual(['2', 'worker', '4242', 'running', '1.3%', '3.0 MB', '1m 5s', 'always (3)', '-', 'python worker.py']);
  });
});
