import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { tailAll } from '../../src/logs/read-all.js';
import { followAll } from '../../src/logs/follow-all.js';
import { indexPath, logPaths } from '../../src/logs/paths.js';
import { cleanup, makeTempDir } from './helpers.js';

afterEach(cleanup);

/** A log file and its index: `records` are [time, offset] pairs. */
function writeLog(file: string, text: string, records: Array<[number, number]>): void {
  fs.writeFileSync(file, text);
  fs.writeFileSync(indexPath(file), `# sentinel-log-index v1 epoch=ab12\nbase 0\n${records.map(([t, o]) => `${t} ${o}\n`).join('')}`);
}

describe('tailAll', () => {
  it('merges every source and both streams by the times the indexes give, each line with its name', async () => {
    const dir = makeTempDir();
    const a = logPaths(dir, 'a');
    const b = logPaths(dir, 'b:1');
    writeLog(a.stdout, 'a1\na2\n', [[1000, 3], [3000, 6]]);
    writeLog(a.stderr, 'e1\n', [[2000, 3]]);
    writeLog(b.stdout, 'b1\n', [[1500, 3]]);
    const sources = [{ key: 'a', name: 'a' }, { key: 'b:1', name: 'b:1' }];
    const lines = await tailAll(dir, sources, { lines: 10 });
    expect(lines).toEqual([
      { name: 'a', stream: 'stdout', line: 'a1' },
      { name: 'b:1', stream: 'stdout', line: 'b1' },
      { name: 'a', stream: 'stderr', line: 'e1' },
      { name: 'a', stream: 'stdout', line: 'a2' },
    ]);
    expect((await tailAll(dir, sources, { lines: 2, timestamps: true })).map((l) => [l.line, l.time])).toEqual([['e1', 2000], ['a2', 3000]]);
    expect((await tailAll(dir, sources, { lines: 10, stream: 'stderr' })).map((l) => l.line)).toEqual(['e1']);
    expect(await tailAll(dir, [{ key: 'none', name: 'none' }], { lines: 10 })).toEqual([]);
  });
});

describe('followAll', () => {
  it('follows sources from their end, and a source that appears later from what it wrote after the follow began', async () => {
    const dir = makeTempDir();
    const old = logPaths(dir, 'old');
    writeLog(old.stdout, 'before\n', [[1, 7]]);
    // a later process reusing a name whose logs are still there: its old lines were indexed long ago
    const reused = logPaths(dir, 'reused');
    writeLog(reused.stdout, 'old run\n', [[1, 8]]);
    const sources = [{ key: 'old', name: 'old' }];
    const abort = new AbortController();
    const seen: string[] = [];
    const follow = followAll(dir, () => sources, { signal: abort.signal, pollMs: 10 });
    const reading = (async () => {
      for await (const l of follow) {
        seen.push(`${l.name} ${l.line}`);
        if (seen.length === 2) abort.abort();
      }
    })();
    fs.appendFileSync(old.stdout, 'after\n');
    sources.push({ key: 'reused', name: 'reused' });
    fs.appendFileSync(reused.stdout, 'new run\n');
    await reading;
    expect(seen.sort()).toEqual(['old after', 'reused new run']);
  });
});
