import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { LogRotator } from '../../src/logs/rotate.js';
import { listRotated, logPaths } from '../../src/logs/paths.js';
import { followLogs, type FollowedLine } from '../../src/logs/follow.js';
import { cleanup, expectSequence, makeTempDir, numbersOf, spawnLogging, until, waitExit } from './helpers.js';

afterEach(cleanup);

/** Collects followed lines until `stop` says so (or the deadline passes), then aborts. */
async function collect(
  iterable: AsyncIterable<FollowedLine>,
  controller: AbortController,
  stop: (lines: FollowedLine[]) => boolean,
  onLine?: (line: FollowedLine, count: number) => Promise<void>,
): Promise<FollowedLine[]> {
  const lines: FollowedLine[] = [];
  const deadline = setTimeout(() => controller.abort(), 30_000);
  try {
    for await (const line of iterable) {
      lines.push(line);
      if (onLine) await onLine(line, lines.length);
      if (stop(lines)) controller.abort();
    }
  } finally {
    clearTimeout(deadline);
  }
  return lines;
}

describe('followLogs', () => {
  it('yields every new line once, in order, while the file is rotated under it', async () => {
    const dir = makeTempDir();
    const files = logPaths(dir, 'f');
    fs.writeFileSync(files.stdout, 'old line before follow\n');
    const rotator = new LogRotator({ intervalMs: 10 });
    rotator.watch('f', [files.stdout, files.stderr], { maxBytes: 16 * 1024, keep: 10_000 });
    const controller = new AbortController();
    const iterable = followLogs(dir, 'f', { stream: 'stdout', signal: controller.signal, pollMs: 20 });
    const child = spawnLogging(dir, 'f', 'numbered.mjs', ['20000', '100', '2']);
    const lines = await collect(iterable, controller, (ls) => ls[ls.length - 1].line.startsWith('out 0019999'));
    await waitExit(child);
    await rotator.close();
    expect(listRotated(files.stdout).length).toBeGreaterThan(10);
    expect(lines.every((l) => l.stream === 'stdout' && typeof l.time === 'number')).toBe(true);
    expectSequence(numbersOf(lines.map((l) => l.line).join('\n')), 0, 20_000);
  });

  it('catches up from rotated (and gzipped) files when the reader falls behind', async () => {
    const dir = makeTempDir();
    const files = logPaths(dir, 'lag');
    const rotator = new LogRotator({ intervalMs: 10 });
    rotator.watch('lag', [files.stdout, files.stderr], { maxBytes: 16 * 1024, keep: 10_000, compress: true });
    const controller = new AbortController();
    const iterable = followLogs(dir, 'lag', { stream: 'both', signal: controller.signal, pollMs: 20 });
    const child = spawnLogging(dir, 'lag', 'numbered.mjs', ['20000', '200', '1', 'both']);
    const lines = await collect(
      iterable,
      controller,
      (ls) => ls.length === 40_000,
      async (_line, count) => {
        // stall the reader once so the writer and the rotator run far ahead of it
        if (count === 1) await waitExit(child);
      },
    );
    await rotator.close();
    expect(listRotated(files.stdout).some((r) => r.gz)).toBe(true);
    expectSequence(numbersOf(lines.filter((l) => l.stream === 'stdout').map((l) => l.line).join('\n')), 0, 20_000);
    expectSequence(numbersOf(lines.filter((l) => l.stream === 'stderr').map((l) => l.line).join('\n'), 'err'), 0, 20_000);
  });

  it('goes on after a clear with the lines written to the emptied file', async () => {
    const dir = makeTempDir();
    const files = logPaths(dir, 'c');
    const rotator = new LogRotator({ intervalMs: 20 });
    rotator.watch('c', [files.stdout, files.stderr], { maxBytes: 1 << 20, keep: 3 });
    const controller = new AbortController();
    const iterable = followLogs(dir, 'c', { stream: 'stdout', signal: controller.signal, pollMs: 20 });
    const child = spawnLogging(dir, 'c', 'trickle.mjs', ['3', '300']);
    let cleared = false;
    const lines = await collect(
      iterable,
      controller,
      (ls) => ls[ls.length - 1].line === 'line 299',
      async (_line, count) => {
        if (count === 50) {
          await rotator.clear('c');
          cleared = true;
        }
      },
    );
    await waitExit(child);
    await rotator.close();
    expect(cleared).toBe(true);
    const got = numbersOf(lines.map((l) => l.line).join('\n'), 'line');
    // never a line twice or out of order
    for (let i = 1; i < got.length; i++) expect(got[i]).toBeGreaterThan(got[i - 1]);
    // everything the emptied file holds was followed, to the end
    const inFile = numbersOf(fs.readFileSync(files.stdout, 'utf8'), 'line');
    expect(inFile[0]).toBeGreaterThan(49);
    expect(got.slice(got.length - inFile.length)).toEqual(inFile);
  });

  it('ends when the signal aborts, also with nothing to read', async () => {
    const dir = makeTempDir();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const lines: FollowedLine[] = [];
    for await (const line of followLogs(dir, 'quiet', { signal: controller.signal, pollMs: 10_000 })) lines.push(line);
    expect(lines).toEqual([]);
    expect(controller.signal.aborted).toBe(true);
  });

  it('wakes on file events without waiting for the poll interval', async () => {
    const dir = makeTempDir();
    const files = logPaths(dir, 'w');
    fs.writeFileSync(files.stdout, '');
    const controller = new AbortController();
    const iterable = followLogs(dir, 'w', { stream: 'stdout', signal: controller.signal, pollMs: 60_000 });
    const writer = setTimeout(() => fs.appendFileSync(files.stdout, 'hello\n'), 100);
    const lines = await collect(iterable, controller, (ls) => ls.length === 1);
    clearTimeout(writer);
    expect(lines.map((l) => l.line)).toEqual(['hello']);
  });
});

describe('followLogs helpers', () => {
  it('until() gives up with a message', async () => {
    await expect(until(() => false, 'nothing', 50)).rejects.toThrow('timed out waiting for nothing');
  });
});
