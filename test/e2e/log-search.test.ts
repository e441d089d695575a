// sentinel logs --grep against a real daemon: a chatty process rotates its logs with gzip, and the search
// finds every match in the live and rotated files, through the CLI and the logs.search operation.
import { readdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, cli, cliJson, FIXTURES, tempHome, waitFor } from '../helpers.js';

let home: string;
beforeAll(() => { home = tempHome(); });
afterAll(async () => { await cleanupHome(home); });

/** POST /v1/logs/search over the daemon's socket: the REST face of the operation. */
function search(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: path.join(home, 'sentinel.sock'), path: '/v1/logs/search', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

interface Hit { name: string; stream: string; time: number; line: string }
const LINES = 40_000;

describe('logs --grep', () => {
  beforeAll(async () => {
    const r = await cli(home, ['run', '--name', 'chatty', '--log-max-size', '256K', '--log-keep', '200', '--log-compress', '--', process.execPath, path.join(FIXTURES, 'chatty.js'), String(LINES), '1000', '150'], { env: { SENTINEL_LOG_CHECK_MS: '100' } });
    expect(r.code, r.stderr).toBe(0);
    await cli(home, ['run', '--name', 'quiet', '--', 'sh', '-c', 'echo "line 00000007 from quiet"; echo "oops line 00000007" >&2; sleep 300']);
    expect(await waitFor(async () => (await cliJson<{ process: { status: string } }>(home, ['status', 'chatty'])).process.status === 'exited', 60_000, 100)).toBe(true);
    // the rotator compresses on its next ticks
    expect(await waitFor(() => readdirSync(path.join(home, 'logs')).filter((f) => /^chatty\.stdout\.log\.\d+\.gz$/.test(f)).length > 5, 20_000, 100)).toBe(true);
    await new Promise((r) => setTimeout(r, 1000));
  }, 120_000);

  it('finds every match across the gzipped rotated files and the live one, in order, with process, stream and time', async () => {
    const gz = readdirSync(path.join(home, 'logs')).filter((f) => /^chatty\.stdout\.log\.\d+\.gz$/.test(f));
    expect(gz.length).toBeGreaterThan(5);
    // every line whose number ends in 777: 40 of them, spread over every file
    const r = await cliJson<{ hits: Hit[]; truncated: boolean }>(home, ['logs', '--grep', '^line \\d{5}777 ', 'chatty']);
    expect(r.hits.map((h) => Number(h.line.slice(5, 13)))).toEqual(Array.from({ length: LINES / 1000 }, (_, k) => k * 1000 + 777));
    expect(r.hits.every((h) => h.name === 'chatty' && h.stream === 'stdout')).toBe(true);
    const started = Date.now() - 10 * 60_000;
    expect(r.hits.every((h) => h.time > started && h.time <= Date.now())).toBe(true);
    expect(r.truncated).toBe(false);
  });

  it('prints each hit with its time, process and stream; searches every process by default and with "all"', async () => {
    const text = await cli(home, ['logs', '--grep', 'line 00000007\\b']);
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z chatty \[out\] line 00000007 x+$/);
    expect(lines).toContainEqual(expect.stringMatching(/Z quiet \[out\] line 00000007 from quiet$/));
    expect(lines).toContainEqual(expect.stringMatching(/Z quiet \[err\] oops line 00000007$/));
    const all = await cliJson<{ hits: Hit[] }>(home, ['logs', '--grep', 'OOPS', '-i', 'all', '--stream', 'stderr']);
    expect(all.hits).toEqual([expect.objectContaining({ name: 'quiet', stream: 'stderr', line: 'oops line 00000007' })]);
  });

  it('pages through the logs.search operation with a cursor and a cap', async () => {
    const pages: Hit[][] = [];
    let cursor: string | undefined;
    do {
      const r = await search({ pattern: '^line 000[0-2]\\d999 ', names: ['chatty'], limit: 4, cursor });
      expect(r.status).toBe(200);
      pages.push(r.json.hits as Hit[]);
      cursor = (r.json.nextCursor as string | null) ?? undefined;
    } while (cursor && pages.length < 50);
    expect(pages.map((p) => p.length)).toEqual([4, 4, 4, 4, 4, 4, 4, 2]);
    expect(pages.flat().map((h) => Number(h.line.slice(5, 13)))).toEqual(Array.from({ length: 30 }, (_, k) => k * 1000 + 999));
    // --max caps what the CLI collects and says there is more
    const capped = await cli(home, ['logs', '--grep', 'line', 'chatty', '--max', '5']);
    expect(capped.stdout.trim().split('\n')).toHaveLength(5);
    expect(capped.stderr).toMatch(/stopped at --max 5 hits; there are more/);
  });

  it('keeps to --since and --until', async () => {
    const none = await cliJson<{ hits: Hit[] }>(home, ['logs', '--grep', 'line', 'chatty', '--since', '2999-01-01T00:00:00Z']);
    expect(none.hits).toEqual([]);
    const before = await cliJson<{ hits: Hit[] }>(home, ['logs', '--grep', 'line', 'chatty', '--until', '2000-01-01T00:00:00Z']);
    expect(before.hits).toEqual([]);
    const recent = await cliJson<{ hits: Hit[] }>(home, ['logs', '--grep', 'line 00039999', 'chatty', '--since', '1h', '--until', '0s']);
    expect(recent.hits).toHaveLength(1);
  });

  it('refuses bad input with a clear error and a non-zero exit', async () => {
    const bad = await cli(home, ['logs', '--grep', '(unclosed', 'chatty']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/not a valid regular expression/);
    // a catastrophic pattern with no literal every match must hold (a class, not a letter, after the group):
    // the regex runs on the lines of x's and is stopped by its timeout
    const slow = await cli(home, ['logs', '--grep', '(x+)+[yz]', 'chatty', '--timeout', '500ms']);
    expect(slow.code).not.toBe(0);
    expect(slow.stderr).toMatch(/backtracks catastrophically/);
    // the same shape with a literal (y) that no line holds: no line is tested at all, so nothing backtracks
    const prefiltered = await cliJson<{ hits: Hit[] }>(home, ['logs', '--grep', '(x+)+y', 'chatty', '--timeout', '500ms']);
    expect(prefiltered.hits).toEqual([]);
    // the daemon is still answering after a catastrophic pattern
    expect((await cli(home, ['status', 'quiet'])).code).toBe(0);
    const unknown = await cli(home, ['logs', '--grep', 'x', 'nosuch']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/no process named or numbered "nosuch"/);
    const follow = await cli(home, ['logs', '--grep', 'x', '--follow']);
    expect(follow.stderr).toMatch(/does not go with --follow/);
    const until = await cli(home, ['logs', 'chatty', '--until', '1h']);
    expect(until.stderr).toMatch(/--until goes with --grep/);
    const swapped = await cli(home, ['logs', '--grep', 'x', '--since', '1m', '--until', '1h']);
    expect(swapped.stderr).toMatch(/is before since.*swap them/);
    const cursor = await search({ pattern: 'x', cursor: 'garbage' });
    expect(cursor.status).toBe(422);
    expect((cursor.json.error as { message: string }).message).toMatch(/not one this search returned/);
    const over = await search({ pattern: 'x', limit: 100_000 });
    expect(over.status).toBe(422);
    expect(JSON.stringify(over.json)).toMatch(/limit/);
  });
});
