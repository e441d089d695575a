import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { clearLogs, purgeLogs } from '../../src/logs/clear.js';
import { rotateIfNeeded } from '../../src/logs/rotate.js';
import { listRotated, logPaths } from '../../src/logs/paths.js';
import { readIndex } from '../../src/logs/log-index.js';
import { tailLines } from '../../src/logs/read.js';
import { cleanup, makeTempDir, numbersOf, spawnLogging, until, waitExit } from './helpers.js';

afterEach(cleanup);

describe('clearLogs', () => {
  it('empties the files of a running child, which goes on writing from the start', async () => {
    const dir = makeTempDir();
    const files = logPaths(dir, 'live');
    const child = spawnLogging(dir, 'live', 'trickle.mjs', ['2']);
    await until(() => fs.existsSync(files.stdout) && fs.statSync(files.stdout).size > 5000, 'the child to log');
    await rotateIfNeeded(files.stdout, { maxBytes: 1024, keep: 3 });
    const before = readIndex(files.stdout)!;
    expect(listRotated(files.stdout).length).toBeGreaterThan(0);

    clearLogs(dir, 'live');
    expect(listRotated(files.stdout)).toEqual([]);
    const after = readIndex(files.stdout)!;
    expect(after.base).toBe(0);
    expect(after.epoch).not.toBe(before.epoch);

    await until(() => numbersOf(fs.readFileSync(files.stdout, 'utf8'), 'line').length >= 5, 'new lines after the clear');
    process.kill(child.pid!, 'SIGTERM');
    await waitExit(child);
    // O_APPEND: the child's next write landed at 0, not at its old offset behind a hole of zeros
    const text = fs.readFileSync(files.stdout, 'utf8');
    expect(text.includes('\0')).toBe(false);
    const numbers = numbersOf(text, 'line');
    for (let i = 1; i < numbers.length; i++) expect(numbers[i]).toBe(numbers[i - 1] + 1);
    expect((await tailLines(dir, 'live', { lines: 1000, stream: 'stdout' })).length).toBe(numbers.length);
  });

  it('is harmless for a process that never logged', () => {
    const dir = makeTempDir();
    expect(() => clearLogs(dir, 'ghost')).not.toThrow();
    expect(fs.existsSync(logPaths(dir, 'ghost').stdout)).toBe(false);
  });
});

describe('purgeLogs', () => {
  it('removes every file of the process and nothing of another', async () => {
    const dir = makeTempDir();
    const files = logPaths(dir, 'gone');
    fs.writeFileSync(files.stdout, 'x'.repeat(10_000));
    fs.writeFileSync(files.stderr, 'y\n');
    await rotateIfNeeded(files.stdout, { maxBytes: 4096, keep: 3 });
    fs.writeFileSync(logPaths(dir, 'gone-too').stdout, 'keep me\n');
    purgeLogs(dir, 'gone');
    expect(fs.readdirSync(dir)).toEqual(['gone-too.stdout.log']);
  });
});
