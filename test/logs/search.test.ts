// Log search over real files laid out as the rotator leaves them: gzipped and plain rotated files, the
// current file, and the sidecar time index.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { searchLogs, compilePattern, decodeCursor } from '../../src/logs/search.js';
import { makeTempDir } from './helpers.js';


/** Writes `lines` of a stream as rotated .2.gz, .1 and the current file, with one index time per line. */
function layStream(dir: string, key: string, stream: string, lines: string[], t0: number): void {
  const file = path.join(dir, `${key}.${stream}.log`);
  const bytes = lines.map((l) => Buffer.from(`${l}\n`));
  const third = Math.floor(bytes.length / 3);
  const parts = [bytes.slice(0, third), bytes.slice(third, 2 * third), bytes.slice(2 * third)].map((b) => Buffer.concat(b));
  fs.writeFileSync(`${file}.2.gz`, zlib.gzipSync(parts[0]));
  fs.writeFileSync(`${file}.1`, parts[1]);
  fs.writeFileSync(file, parts[2]);
  let offset = 0;
  let idx = `# sentinel-log-index v1 epoch=abc\nbase ${parts[0].length + parts[1].length}\n`;
  bytes.forEach((b, i) => {
    offset += b.length;
    idx += `${t0 + i * 1000} ${offset}\n`;
  });
  fs.writeFileSync(`${file}.idx`, idx);
}

const T0 = Date.UTC(2026, 10, 30, 12, 0, 0);

function setup(): string {
  const dir = makeTempDir();
  const out = Array.from({ length: 300 }, (_, i) => (i % 10 === 0 ? `ERROR request ${i} failed: timeout` : `info request ${i} ok ✓`));
  layStream(dir, 'web', 'stdout', out, T0);
  layStream(dir, 'web', 'stderr', ['boot', 'warn: disk 91%', 'Error: late'], T0);
  layStream(dir, 'worker', 'stdout', ['job 1 done', 'job 2 ERROR x', 'job 3 done'], T0);
  return dir;
}

const sources = [{ key: 'web', name: 'web' }, { key: 'worker', name: 'worker' }];

describe('searchLogs', () => {
  it('finds every matching line in gzipped, rotated and current files, with its process, stream and time', async () => {
    const dir = setup();
    const r = await searchLogs(dir, sources, { pattern: 'ERROR', limit: 1000, budgetMs: 10_000 });
    expect(r.complete).toBe(true);
    expect(r.nextCursor).toBeNull();
    const web = r.hits.filter((h) => h.name === 'web');
    expect(web.map((h) => h.line)).toEqual(Array.from({ length: 30 }, (_, k) => `ERROR request ${k * 10} failed: timeout`));
    expect(web.every((h) => h.stream === 'stdout')).toBe(true);
    // the time of line i is T0 + i s (from the index)
    expect(web[1].time).toBe(T0 + 10_000);
    expect(r.hits.at(-1)).toEqual({ name: 'worker', stream: 'stdout', time: T0 + 1000, line: 'job 2 ERROR x' });
    expect(r.scannedBytes).toBeGreaterThan(5000);
  });

  it('ignores case on request, and matches per line (^ and $ anchor each line; no match across lines)', async () => {
    const dir = setup();
    const ci = await searchLogs(dir, sources, { pattern: '^error', ignoreCase: true, limit: 1000, budgetMs: 10_000 });
    expect(ci.hits.map((h) => h.line)).toContain('Error: late');
    expect(ci.hits.filter((h) => h.name === 'web' && h.stream === 'stdout')).toHaveLength(30);
    const across = await searchLogs(dir, sources, { pattern: 'timeout\\s+info', limit: 1000, budgetMs: 10_000 });
    expect(across.hits).toEqual([]);
    const anchored = await searchLogs(dir, sources, { pattern: 'ok ✓$', limit: 1000, budgetMs: 10_000 });
    expect(anchored.hits).toHaveLength(270);
  });

  it('pages with a cursor: no hit lost or repeated, across files and processes', async () => {
    const dir = setup();
    const all = (await searchLogs(dir, sources, { pattern: 'ERROR|job', limit: 1000, budgetMs: 10_000 })).hits;
    const paged = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const r = await searchLogs(dir, sources, { pattern: 'ERROR|job', limit: 7, cursor, budgetMs: 10_000 });
      expect(r.hits.length).toBeLessThanOrEqual(7);
      paged.push(...r.hits);
      cursor = r.nextCursor ?? undefined;
      pages++;
    } while (cursor && pages < 100);
    expect(paged).toEqual(all);
    expect(pages).toBe(Math.ceil(all.length / 7));
  });

  it('keeps to since and until, from the index times', async () => {
    const dir = setup();
    const r = await searchLogs(dir, [sources[0]], { pattern: 'ERROR', streams: ['stdout'], since: T0 + 100_000, until: T0 + 200_000, limit: 1000, budgetMs: 10_000 });
    expect(r.hits.map((h) => h.line.split(' ')[2])).toEqual(['100', '110', '120', '130', '140', '150', '160', '170', '180', '190', '200']);
  });

  it('stops a catastrophic pattern with a clear error instead of hanging', async () => {
    const dir = makeTempDir();
    fs.writeFileSync(path.join(dir, 'x.stdout.log'), `${'a'.repeat(40)}!\n`);
    const started = Date.now();
    await expect(searchLogs(dir, [{ key: 'x', name: 'x' }], { pattern: '^(a+)+$', limit: 10, budgetMs: 300 })).rejects.toMatchObject({
      code: 'PATTERN_TOO_SLOW', message: expect.stringMatching(/backtracks catastrophically.*simplify it/),
    });
    expect(Date.now() - started).toBeLessThan(20_000); // not a speed assertion: (a+)+ on 40 a's would run for hours
  });

  it('returns what it found and a cursor when the time budget runs out', async () => {
    const dir = setup();
    let t = 0;
    // a clock that jumps past the budget after the first block
    const r = await searchLogs(dir, sources, { pattern: 'ERROR', limit: 1000, budgetMs: 5000, now: () => (t += 3000) });
    expect(r.complete).toBe(false);
    expect(r.nextCursor).not.toBeNull();
    const rest = await searchLogs(dir, sources, { pattern: 'ERROR', limit: 1000, budgetMs: 10_000, cursor: r.nextCursor! });
    const all = await searchLogs(dir, sources, { pattern: 'ERROR', limit: 1000, budgetMs: 10_000 });
    expect([...r.hits, ...rest.hits]).toEqual(all.hits);
  });

  it('refuses a bad pattern and a foreign cursor, saying how to fix them', () => {
    expect(() => compilePattern('(unclosed')).toThrow(/not a valid regular expression.*fix it/);
    expect(() => decodeCursor('nonsense!')).toThrow(/not one this search returned/);
    // grep -E style escapes that the u flag refuses still work
    expect(compilePattern('a\\-b').line.test('a-b')).toBe(true);
  });
});
