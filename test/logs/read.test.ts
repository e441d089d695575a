import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { LogRotator } from '../../src/logs/rotate.js';
import { listRotated, logPaths, rotatedPath } from '../../src/logs/paths.js';
import { lastLines, tailLines } from '../../src/logs/read.js';
import { MAX_LINE_BYTES } from '../../src/logs/read-backward.js';
import { cleanup, makeTempDir } from './helpers.js';

afterEach(cleanup);

describe('tailLines', () => {
  it('joins a line that straddles a rotated file and the current one, and gives the last N', async () => {
    const dir = makeTempDir();
    const files = logPaths(dir, 'a');
    fs.writeFileSync(rotatedPath(files.stdout, 2, false), 'one\ntwo\nthr');
    fs.writeFileSync(rotatedPath(files.stdout, 1, false), 'ee\nfour\nfi');
    fs.writeFileSync(files.stdout, 've\nsix\n');
    const all = await tailLines(dir, 'a', { lines: 100, stream: 'stdout' });
    expect(all.map((l) => l.line)).toEqual(['one', 'two', 'three', 'four', 'five', 'six']);
    const last = await tailLines(dir, 'a', { lines: 2, stream: 'stdout' });
    expect(last).toEqual([
      { stream: 'stdout', line: 'five' },
      { stream: 'stdout', line: 'six' },
    ]);
  });

  it('shows a last line that has no newline yet, and nothing for missing files', async () => {
    const dir = makeTempDir();
    fs.writeFileSync(logPaths(dir, 'a').stderr, 'done\nhalf');
    expect((await tailLines(dir, 'a', { lines: 5, stream: 'stderr' })).map((l) => l.line)).toEqual(['done', 'half']);
    expect(await tailLines(dir, 'nothing-here', { lines: 5 })).toEqual([]);
    expect(await tailLines(dir, 'a', { lines: 0 })).toEqual([]);
  });

  it('answers --since and --timestamps from the index, and merges both streams in time order', async () => {
    const dir = makeTempDir();
    const files = logPaths(dir, 'svc');
    let now = 10_000;
    const rotator = new LogRotator({ intervalMs: 60_000, now: () => now });
    rotator.watch('svc', [files.stdout, files.stderr], { maxBytes: 4096, keep: 50 });
    for (let round = 0; round < 4; round++) {
      now = 10_000 + round * 1_000;
      fs.appendFileSync(files.stdout, `out ${round}a\nout ${round}b ${'p'.repeat(3000)}\n`);
      fs.appendFileSync(files.stderr, `err ${round}\n`);
      await rotator.tick(); // samples at `now`, rotating stdout along the way
    }
    await rotator.close();
    expect(listRotated(files.stdout).length).toBeGreaterThan(0);

    const since = await tailLines(dir, 'svc', { lines: 100, stream: 'stdout', since: 12_000, timestamps: true });
    expect(since.map((l) => [l.line.slice(0, 6), l.time])).toEqual([
      ['out 2a', 12_000],
      ['out 2b', 12_000],
      ['out 3a', 13_000],
      ['out 3b', 13_000],
    ]);
    const both = await tailLines(dir, 'svc', { lines: 6, stream: 'both' });
    // within one check interval stdout comes first
    expect(both.map((l) => `${l.stream}:${l.line.slice(0, 6)}`)).toEqual([
      'stdout:out 2a',
      'stdout:out 2b',
      'stderr:err 2',
      'stdout:out 3a',
      'stdout:out 3b',
      'stderr:err 3',
    ]);
    expect(both.every((l) => l.time === undefined)).toBe(true);
  });

  it('stamps lines written after the last sample with the file time', async () => {
    const dir = makeTempDir();
    const files = logPaths(dir, 'm');
    fs.writeFileSync(files.stdout, 'fresh\n');
    const [line] = await tailLines(dir, 'm', { lines: 1, stream: 'stdout', timestamps: true });
    expect(line.time).toBe(fs.statSync(files.stdout).mtimeMs);
  });

  it('cuts a line longer than the limit instead of holding it whole', async () => {
    const dir = makeTempDir();
    const files = logPaths(dir, 'big');
    fs.writeFileSync(files.stdout, `first\n${'z'.repeat(MAX_LINE_BYTES + 1000)}\nlast\n`);
    const lines = await tailLines(dir, 'big', { lines: 3, stream: 'stdout' });
    expect(lines.map((l) => l.line.length)).toEqual([5, MAX_LINE_BYTES, 4]);
  });
});

describe('lastLines', () => {
  it('gives the last lines of one file for a crash report', async () => {
    const file = `${makeTempDir()}/x.stderr.log`;
    fs.writeFileSync(file, Array.from({ length: 5000 }, (_, i) => `e${i}`).join('\n') + '\n');
    expect(await lastLines(file, 3)).toEqual(['e4997', 'e4998', 'e4999']);
    expect(await lastLines(`${file}.missing`, 3)).toEqual([]);
  });

  it('with an offset, gives only the lines written after it (this run), all of a file shorter than it', async () => {
    const file = `${makeTempDir()}/y.stderr.log`;
    fs.writeFileSync(file, 'old1\nold2\n');
    const from = fs.statSync(file).size;
    expect(await lastLines(file, 10, from)).toEqual([]);
    fs.appendFileSync(file, 'new1\nnew2\n');
    expect(await lastLines(file, 10, from)).toEqual(['new1', 'new2']);
    expect(await lastLines(file, 1, from)).toEqual(['new2']);
    fs.writeFileSync(file, 'after-clear\n');
    expect(await lastLines(file, 10, from)).toEqual(['after-clear']);
  });
});
