import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { LogRotator } from '../../src/logs/rotate.js';
import { listRotated, logPaths } from '../../src/logs/paths.js';
import { readIndex } from '../../src/logs/log-index.js';
import { fileSizes } from '../../src/core/native.js';
import { tailLines } from '../../src/logs/read.js';
import { cleanup, expectSequence, makeTempDir, numbersOf, readAllRaw, spawnLogging, waitExit } from './helpers.js';

afterEach(cleanup);

describe('LogRotator with a real child writing through O_APPEND fds', () => {
  it('rotates at 64 KiB while 200k lines are written and keeps each line exactly once, in order', async () => {
    const dir = makeTempDir();
    const files = logPaths(dir, 'flood');
    const events: boolean[] = [];
    const rotator = new LogRotator({ intervalMs: 10, onRotate: (e) => events.push(e.lossless) });
    rotator.watch('flood', [files.stdout, files.stderr], { maxBytes: 64 * 1024, keep: 100_000 });
    const child = spawnLogging(dir, 'flood', 'numbered.mjs', ['200000', '500', '1']);
    expect(await waitExit(child)).toBe(0);
    await rotator.tick();
    await rotator.close();

    expect(events.length).toBeGreaterThan(1);
    expect(events.every((lossless) => lossless)).toBe(true);
    expect(listRotated(files.stdout).length).toBeGreaterThan(20);
    expectSequence(numbersOf(readAllRaw(files.stdout).toString()), 0, 200_000);
    // the reader joins the same files (and lines straddling two files) the same way
    const lines = await tailLines(dir, 'flood', { lines: Infinity, stream: 'stdout' });
    expectSequence(numbersOf(lines.map((l) => l.line).join('\n')), 0, 200_000);
    // offsets in the index count every byte ever written
    const index = readIndex(files.stdout);
    expect(index!.base + fs.statSync(files.stdout).size).toBe(readAllRaw(files.stdout).length);
  });

  it('gzips older rotated files while the child writes, and they read back', async () => {
    const dir = makeTempDir();
    const files = logPaths(dir, 'gz');
    const rotator = new LogRotator({ intervalMs: 10 });
    rotator.watch('gz', [files.stdout, files.stderr], { maxBytes: 64 * 1024, keep: 1000, compress: true });
    const child = spawnLogging(dir, 'gz', 'numbered.mjs', ['50000', '500', '1']);
    expect(await waitExit(child)).toBe(0);
    await rotator.tick();
    await rotator.close();
    const rotated = listRotated(files.stdout);
    expect(rotated.filter((r) => r.gz).length).toBeGreaterThan(3);
    expect(rotated.find((r) => r.index === 1)?.gz).toBe(false);
    const lines = await tailLines(dir, 'gz', { lines: Infinity, stream: 'stdout' });
    expectSequence(numbersOf(lines.map((l) => l.line).join('\n')), 0, 50_000);
    const last = await tailLines(dir, 'gz', { lines: 10, stream: 'stdout' });
    expectSequence(numbersOf(last.map((l) => l.line).join('\n')), 49_990, 50_000);
  });

  it('samples (time, bytes written) only when a file grew, and a new rotator continues the offsets', async () => {
    const dir = makeTempDir();
    const files = logPaths(dir, 'idx');
    let now = 1_000;
    const rotator = new LogRotator({ intervalMs: 60_000, now: () => now });
    rotator.watch('idx', [files.stdout, files.stderr], { maxBytes: 4096, keep: 5 });
    fs.appendFileSync(files.stdout, 'a'.repeat(5000) + '\n');
    await rotator.tick();
    now = 2_000;
    await rotator.tick(); // unchanged since the last sample: nothing recorded
    fs.appendFileSync(files.stdout, 'b\n');
    now = 3_000;
    await rotator.tick();
    await rotator.close();
    let index = readIndex(files.stdout)!;
    expect(index.times).toEqual([1_000, 3_000]);
    expect(index.offsets).toEqual([5001, 5003]);
    expect(index.base).toBe(4096);

    // a daemon restart: a new rotator picks up base and the last sample from the index
    const second = new LogRotator({ intervalMs: 60_000, now: () => 4_000 });
    second.watch('idx', [files.stdout], { maxBytes: 4096, keep: 5 });
    await second.tick();
    fs.appendFileSync(files.stdout, 'c\n');
    await second.tick();
    await second.close();
    index = readIndex(files.stdout)!;
    expect(index.times).toEqual([1_000, 3_000, 4_000]);
    expect(index.offsets).toEqual([5001, 5003, 5005]);
  });

  it('stops checking when nothing is watched and reports errors without throwing', async () => {
    const dir = makeTempDir();
    const errors: string[] = [];
    const rotator = new LogRotator({ intervalMs: 10, onError: (_err, file) => errors.push(file) });
    const files = logPaths(dir, 'x');
    fs.writeFileSync(files.stdout, 'x\n');
    fs.mkdirSync(`${files.stdout}.idx`); // an index path that cannot be written
    rotator.watch('x', [files.stdout], { maxBytes: 1 << 20, keep: 1 });
    await rotator.tick();
    expect(errors.length).toBeGreaterThanOrEqual(2); // at watch (unreadable) and at the tick (unwritable)
    expect(new Set(errors)).toEqual(new Set([files.stdout]));
    rotator.unwatch('x');
    await rotator.close();
  });
});

describe('LogRotator sweep while nothing is missed', () => {
  it('the sweep of idle watched files waits twice as long after each sweep that found nothing the watch missed', async () => {
    const dir = makeTempDir();
    const files = logPaths(dir, 'idle');
    fs.writeFileSync(files.stdout, 'one line\n');
    fs.writeFileSync(files.stderr, '');
    // no CPU budget: the back-off alone is under test
    // the sizes the checks ask for, counted per file
    const asked: string[] = [];
    const rotator = new LogRotator({ intervalMs: 20, sweepMs: 100, sweepCpuBudget: 0, sizesOf: (list) => (asked.push(...list), fileSizes(list)) });
    try {
      rotator.watch('idle', [files.stdout, files.stderr], { maxBytes: 1024 * 1024, keep: 3 });
      await new Promise((r) => setTimeout(r, 150));
      const first = asked.filter((f) => f === files.stdout).length;
      await new Promise((r) => setTimeout(r, 2000));
      // every 100 ms that would be about 20 sweeps; doubling (200, 400, 800, then 800 at most) gives 3 or 4
      const later = asked.filter((f) => f === files.stdout).length - first;
      expect(later).toBeGreaterThanOrEqual(2);
      expect(later).toBeLessThanOrEqual(6);
      // a write is still seen (the watch) and sampled into the index
      fs.appendFileSync(files.stdout, 'two\n');
      await new Promise((r) => setTimeout(r, 300));
      expect(readIndex(files.stdout)?.offsets.at(-1)).toBe(13);
    } finally {
      await rotator.close();
    }
  });
});

describe('LogRotator sweep under its CPU budget', () => {
  it('a sweep that cost more than the budget allows at the sweep interval puts the next sweep off', async () => {
    const { vi } = await import('vitest');
    const dir = makeTempDir();
    const files = logPaths(dir, 'costly');
    fs.writeFileSync(files.stdout, 'one line\n');
    fs.writeFileSync(files.stderr, '');
    // every reading of the CPU clock is a second later: each sweep "costs" a second, which at a budget
    // of 0.1 % asks for a wait of 1000 s before the next one
    let cpu = 0;
    // the sizes the checks ask for, counted per file
    const asked: string[] = [];
    const rotator = new LogRotator({ intervalMs: 20, sweepMs: 50, sweepCpuBudget: 0.001, cpuMs: () => (cpu += 1000), sizesOf: (list) => (asked.push(...list), fileSizes(list)) });
    try {
      rotator.watch('costly', [files.stdout, files.stderr], { maxBytes: 1024 * 1024, keep: 3 });
      await rotator.tick();
      // the index the tick wrote wakes the directory's watch: it is polled until a check finds it quiet
      await new Promise((r) => setTimeout(r, 300));
      const first = asked.filter((f) => f === files.stdout).length;
      await new Promise((r) => setTimeout(r, 500));
      // without the budget, sweeps every 50-400 ms would have looked again
      expect(asked.filter((f) => f === files.stdout).length).toBe(first);
      // a write is still seen through the watch, budget or not
      fs.appendFileSync(files.stdout, 'two\n');
      await vi.waitFor(() => expect(readIndex(files.stdout)?.offsets.at(-1)).toBe(13), { timeout: 5000 });
    } finally {
      await rotator.close();
    }
  });
});

describe('LogRotator sizes asked for in one call', () => {
  it('one sweep asks once for every file; after a rotation the files that follow are stat again, and all are sampled at their size then', async () => {
    const dir = makeTempDir();
    const names = ['first', 'big', 'after'];
    const paths = names.map((n) => logPaths(dir, n));
    for (const p of paths) {
      fs.writeFileSync(p.stdout, '');
      fs.writeFileSync(p.stderr, '');
    }
    const calls: string[][] = [];
    const rotated: string[] = [];
    let late = '';
    const sizesOf = (list: readonly string[]) => {
      calls.push([...list]);
      const sizes = fileSizes(list);
      // written after the sizes were taken, before the check reaches the file
      if (late) fs.appendFileSync(paths[2]!.stdout, late);
      return sizes;
    };
    const rotator = new LogRotator({ intervalMs: 60_000, sweepMs: 60_000, sizesOf, onRotate: (e) => rotated.push(e.name) });
    try {
      names.forEach((n, i) => rotator.watch(n, [paths[i]!.stdout, paths[i]!.stderr], { maxBytes: 1000, keep: 3 }));
      await rotator.tick();
      calls.length = 0;
      fs.appendFileSync(paths[0]!.stdout, 'a'.repeat(10));
      // over the limit by more than a block: the rotation moves whole blocks
      fs.appendFileSync(paths[1]!.stdout, 'b'.repeat(10_000));
      fs.appendFileSync(paths[2]!.stdout, 'c'.repeat(20));
      late = 'd'.repeat(5);
      await rotator.tick();
      expect(calls).toHaveLength(1);
      expect(calls[0]).toEqual(paths.flatMap((p) => [p.stdout, p.stderr]));
      expect(rotated).toEqual(['big']);
      expect(readIndex(paths[0]!.stdout)?.offsets.at(-1)).toBe(10);
      // the rotation waited on the disk: the file after it was stat again and its late bytes are counted
      expect(readIndex(paths[2]!.stdout)?.offsets.at(-1)).toBe(25);
      expect(listRotated(paths[1]!.stdout).length).toBeGreaterThan(0);
      expect(readIndex(paths[1]!.stdout)!.base + fs.statSync(paths[1]!.stdout).size).toBe(10_000);
    } finally {
      await rotator.close();
    }
  });
});
