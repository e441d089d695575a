// daemon.log rotates by size: daemon.log.1 … daemon.log.N, the oldest dropped.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, logRotationFromEnv } from '../../src/daemon/logger.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe('daemon log rotation', () => {
  it('reads its limits from the environment, with defaults', () => {
    expect(logRotationFromEnv({})).toEqual({ maxBytes: 10 * 1024 * 1024, keep: 3 });
    expect(logRotationFromEnv({ SENTINEL_DAEMON_LOG_MAX_SIZE: '1M', SENTINEL_DAEMON_LOG_KEEP: '5' })).toEqual({ maxBytes: 1024 * 1024, keep: 5 });
    // where the logger is made a bad value gives the default (the logger must exist to report it)...
    expect(logRotationFromEnv({ SENTINEL_DAEMON_LOG_MAX_SIZE: 'big', SENTINEL_DAEMON_LOG_KEEP: '-1' })).toEqual({ maxBytes: 10 * 1024 * 1024, keep: 3 });
  });

  it('strict, as the daemon checks them at its start, refuses a bad value naming the variable and its default', () => {
    expect(logRotationFromEnv({ SENTINEL_DAEMON_LOG_MAX_SIZE: '2M', SENTINEL_DAEMON_LOG_KEEP: '0' }, true)).toEqual({ maxBytes: 2 * 1024 * 1024, keep: 0 });
    expect(() => logRotationFromEnv({ SENTINEL_DAEMON_LOG_MAX_SIZE: 'big' }, true)).toThrow(/SENTINEL_DAEMON_LOG_MAX_SIZE: expected a size like "512K", "10M" or "1G", got "big"; unset it for the default of 10M/);
    expect(() => logRotationFromEnv({ SENTINEL_DAEMON_LOG_MAX_SIZE: '100' }, true)).toThrow(/SENTINEL_DAEMON_LOG_MAX_SIZE must be at least 1K \(got "100"\)/);
    expect(() => logRotationFromEnv({ SENTINEL_DAEMON_LOG_KEEP: '-1' }, true)).toThrow(/SENTINEL_DAEMON_LOG_KEEP must be a whole number of files, 0 or more \(got "-1"\); unset it for the default of 3/);
    expect(() => logRotationFromEnv({ SENTINEL_DAEMON_LOG_KEEP: 'three' }, true)).toThrow(/SENTINEL_DAEMON_LOG_KEEP/);
  });

  it('keeps daemon.log under the size and only `keep` rotated files', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sn-log-'));
    dirs.push(dir);
    const file = path.join(dir, 'daemon.log');
    const log = createLogger(file, { rotation: { maxBytes: 2048, keep: 2 } });
    for (let i = 0; i < 500; i++) log.info('PROCESS_EXIT', `boom${i % 20}: starting -> exited: exit code 1: restarting`, { n: i });
    expect(statSync(file).size).toBeLessThanOrEqual(2048);
    expect(statSync(`${file}.1`).size).toBeLessThanOrEqual(2048);
    expect(existsSync(`${file}.2`)).toBe(true);
    expect(existsSync(`${file}.3`)).toBe(false);
    // the newest line is in daemon.log, and the lines run on across the files
    const last = readFileSync(file, 'utf8').trim().split('\n').pop()!;
    expect(JSON.parse(last)).toMatchObject({ code: 'PROCESS_EXIT', n: 499 });
    const firstOfCurrent = JSON.parse(readFileSync(file, 'utf8').split('\n')[0]).n as number;
    const lastOfPrevious = JSON.parse(readFileSync(`${file}.1`, 'utf8').trim().split('\n').pop()!).n as number;
    expect(firstOfCurrent).toBe(lastOfPrevious + 1);
  });
});
