import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listRotated, logPaths, openLogFds, rotatedPath } from '../../src/logs/paths.js';
import { SentinelError } from '../../src/core/errors.js';
import { cleanup, makeTempDir } from './helpers.js';

afterEach(cleanup);

describe('log paths', () => {
  it('names the current and rotated files after the process', () => {
    expect(logPaths('/x/logs', 'web')).toEqual({ stdout: '/x/logs/web.stdout.log', stderr: '/x/logs/web.stderr.log' });
    expect(rotatedPath('/x/logs/web.stdout.log', 1, false)).toBe('/x/logs/web.stdout.log.1');
    expect(rotatedPath('/x/logs/web.stdout.log', 3, true)).toBe('/x/logs/web.stdout.log.3.gz');
  });

  it('lists rotated files by index, ignoring other names', () => {
    const dir = makeTempDir();
    const file = path.join(dir, 'a.stdout.log');
    for (const name of ['a.stdout.log.1', 'a.stdout.log.2.gz', 'a.stdout.log.10.gz', 'a.stdout.log.idx', 'ab.stdout.log.1', 'a.stdout.log.x']) {
      fs.writeFileSync(path.join(dir, name), '');
    }
    expect(listRotated(file).map((r) => [r.index, r.gz])).toEqual([
      [1, false],
      [2, true],
      [10, true],
    ]);
  });
});

describe('openLogFds', () => {
  it('creates the directory and opens both files for appending with mode 0640', () => {
    const dir = path.join(makeTempDir(), 'deep', 'logs');
    const fds = openLogFds(dir, 'web');
    const again = openLogFds(dir, 'web');
    try {
      fs.writeSync(fds.stdout, 'one\n');
      fs.writeSync(again.stdout, 'two\n');
      // O_APPEND: the first descriptor's next write lands after the second's, not over it
      fs.writeSync(fds.stdout, 'three\n', 0);
      fs.writeSync(fds.stderr, 'err\n');
    } finally {
      for (const fd of [fds.stdout, fds.stderr, again.stdout, again.stderr]) fs.closeSync(fd);
    }
    const files = logPaths(dir, 'web');
    expect(fs.readFileSync(files.stdout, 'utf8')).toBe('one\ntwo\nthree\n');
    expect(fs.readFileSync(files.stderr, 'utf8')).toBe('err\n');
    expect(fs.statSync(files.stdout).mode & 0o777).toBe(0o640);
  });

  it('says which directory cannot be written and how to fix it', () => {
    // tests run as root, where permissions do not stop writes: a parent that is a file does
    const blocker = path.join(makeTempDir(), 'not-a-dir');
    fs.writeFileSync(blocker, '');
    const logsDir = path.join(blocker, 'logs');
    let caught: unknown;
    try {
      openLogFds(logsDir, 'web');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SentinelError);
    expect((caught as SentinelError).code).toBe('LOG_DIR_NOT_WRITABLE');
    expect((caught as SentinelError).message).toBe(
      `log directory ${logsDir} is not writable (ENOTDIR): make sure it is a directory the daemon's user can write to (check its parents and permissions), or point SENTINEL_HOME elsewhere`,
    );
  });

  it('reports a log file path taken by a directory', () => {
    const dir = makeTempDir();
    fs.mkdirSync(path.join(dir, 'web.stderr.log'));
    expect(() => openLogFds(dir, 'web')).toThrow(`log directory ${dir} is not writable (EISDIR)`);
  });
});
