// The kill-tree reads each process's run marker from /proc/PID/environ once and remembers it: what it
// remembers must be the value alone (not the environment it was read from) and must not keep growing
// with every process that ever came and went on the machine (a crash loop, a busy host).
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { knownMarkerCount, RUN_MARKER, stopTree } from '../../src/core/kill-tree.js';
import { readEnvVar, readStartTime, type ProcStat } from '../../src/core/proc.js';
import { forgetGoneMarkers, forgetMarker, rememberMarker, runMarker, spawnedMarkerCount } from '../../src/core/run-marker.js';

const started: ChildProcess[] = [];
afterEach(() => {
  for (const c of started.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function start(env: Record<string, string>, seconds = '30'): ChildProcess {
  const c = spawn('sleep', [seconds], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: 'ignore' });
  started.push(c);
  return c;
}
const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));
const processCount = () => readdirSync('/proc').filter((e) => /^\d+$/.test(e)).length;

describe('readEnvVar', () => {
  it('reads one variable exactly: not a longer name that starts the same, values with = kept whole', async () => {
    const c = start({ XA: 'ends-the-same', A: 'x', AB: 'longer=with=equals', EMPTY: '', [RUN_MARKER]: 'token-1' });
    await new Promise((r) => setTimeout(r, 100));
    // the first variable (no NUL before it) and one whose name ends another's
    expect(readEnvVar(c.pid!, 'PATH')).toBe(process.env.PATH ?? '/usr/bin:/bin');
    expect(readEnvVar(c.pid!, 'XA')).toBe('ends-the-same');
    expect(readEnvVar(c.pid!, 'A')).toBe('x');
    expect(readEnvVar(c.pid!, 'AB')).toBe('longer=with=equals');
    expect(readEnvVar(c.pid!, 'EMPTY')).toBe('');
    expect(readEnvVar(c.pid!, RUN_MARKER)).toBe('token-1');
    expect(readEnvVar(c.pid!, 'MISSING')).toBeNull();
    expect(readEnvVar(c.pid!, 'B')).toBeNull();
    c.kill('SIGKILL');
    await exited(c);
    expect(readEnvVar(c.pid!, 'A')).toBeNull();
  });
});

describe('the run-marker cache', () => {
  it('forgets processes that are gone instead of growing with every process the machine ever ran', async () => {
    // a root that already ended, with a marker: each stop of it reads the marker of every process there is
    const root = start({ [RUN_MARKER]: 'gone-root' }, '0');
    await exited(root);
    const stopGoneRoot = () => stopTree({ pid: root.pid!, startTime: null, marker: 'gone-root' }, { signal: 'SIGTERM', timeoutMs: 1000, force: false, exited: Promise.resolve() });
    // more processes than the cache keeps beyond the live ones (2 x the processes there are + 256)
    const wanted = 3 * processCount() + 300;
    for (let made = 0; made < wanted; made += 100) {
      const batch = Array.from({ length: 100 }, (_, i) => start({ [RUN_MARKER]: `churn-${made + i}` }));
      await new Promise((r) => setTimeout(r, 150));
      // the batch is alive (its start times readable) while the stop reads every marker
      expect(batch.every((c) => readStartTime(c.pid!) !== null)).toBe(true);
      await stopGoneRoot();
      for (const c of batch) c.kill('SIGKILL');
      await Promise.all(batch.map(exited));
    }
    await stopGoneRoot();
    expect(knownMarkerCount()).toBeLessThanOrEqual(2 * processCount() + 256 + 50);
  }, 120_000);
});

describe('the markers remembered from spawns', () => {
  const stat = (pid: number, startTime: number): ProcStat => ({ pid, startTime, state: 'S', ppid: 1, pgid: pid, sid: pid, utime: 0, stime: 0, rssPages: 1 });

  it('are forgotten once their process is gone: one by one, and all the gone ones past the slack', () => {
    // pids far above any real one (pid_max is at most 4194304): their identities are no process's
    const base = 5_000_000;
    rememberMarker({ pid: base, startTime: 7 }, 'one');
    expect(runMarker({ pid: base, startTime: 7 })).toBe('one');
    forgetMarker(base, 7);
    // gone and forgotten: nothing to read it from either
    expect(runMarker({ pid: base, startTime: 7 })).toBeNull();

    const before = spawnedMarkerCount();
    for (let i = 1; i <= 3000; i++) rememberMarker({ pid: base + i, startTime: 7 }, `run-${i}`);
    expect(spawnedMarkerCount()).toBe(before + 3000);
    // a sweep that sees only two of them still there (and 100 other processes)
    const live = [stat(base + 1, 7), stat(base + 2, 7), ...Array.from({ length: 100 }, (_, i) => stat(base + 10_000 + i, 1))];
    forgetGoneMarkers(live);
    expect(spawnedMarkerCount()).toBeLessThanOrEqual(2);
    expect(runMarker({ pid: base + 1, startTime: 7 })).toBe('run-1');
    expect(runMarker({ pid: base + 2, startTime: 7 })).toBe('run-2');
  });
});
