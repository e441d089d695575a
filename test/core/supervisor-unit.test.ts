// The lifecycle without forking: a fake spawner (under the real host) and a fake clock drive the supervisor's transitions.
import { openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Supervisor, type LogPort } from '../../src/core/supervisor.js';
import { FakeClock } from '../../src/core/fake-clock.js';
import { systemClock } from '../../src/core/clock.js';
import type { ChildHandle, Spawner } from '../../src/core/spawn.js';
import { createRealHost } from '../../src/core/real-host.js';
import { RESTART_RATE } from '../../src/core/restart-policy.js';
import { DEFAULT_RESTART_POLICY, DEFAULTS, emptySections, type ProcessSpec } from '../../src/core/spec.js';
import { openDb } from '../../src/store/db.js';
import { ProcessRepo } from '../../src/store/processes.js';

class FakeChild implements ChildHandle {
  startTime = 1;
  private cb?: (code: number | null, signal: string | null) => void;
  constructor(public pid: number) {}
  onExit(cb: (code: number | null, signal: string | null) => void) { this.cb = cb; }
  exit(code: number | null, signal: string | null = null) { this.cb?.(code, signal); }
}

function setup() {
  const clock = new FakeClock();
  const children: FakeChild[] = [];
  // pids far above pid_max so nothing real is ever signalled
  const spawner: Spawner = { spawn: () => { const c = new FakeChild(90_000_000 + children.length); children.push(c); return c; } };
  const logs: LogPort = {
    open: () => ({ stdout: openSync('/dev/null', 'a'), stderr: openSync('/dev/null', 'a') }),
    watch: () => undefined, unwatch: () => undefined, lastLines: async () => ['boom'],
  };
  const repo = new ProcessRepo(openDb(':memory:'));
  const sup = new Supervisor({ repo, clock, host: createRealHost(spawner), logs });
  const spec = (over: Partial<ProcessSpec> = {}): ProcessSpec => ({
    name: 'p', command: 'true', args: [], shell: true, cwd: '/', env: { PATH: '/usr/bin:/bin' }, group: null,
    restart: { ...DEFAULT_RESTART_POLICY }, stopSignal: 'SIGTERM', stopTimeoutMs: 1000, startWaitMs: 500, port: null,
    logMaxBytes: DEFAULTS.logMaxBytes, logKeep: 5, ...emptySections(), ...over,
  });
  return { clock, children, sup, repo, spec };
}

describe('supervisor lifecycle (fake clock)', () => {
  it('goes starting -> running after the start wait, and records every change as an event', async () => {
    const { sup, clock, repo, spec } = setup();
    const rec = sup.create(spec(), 'test');
    const started = sup.start(rec, 'test');
    expect(rec.state).toBe('starting');
    clock.advance(500);
    await started;
    expect(rec.state).toBe('running');
    const evs = repo.events({ name: 'p' }).map((e) => `${e.oldState ?? ''}>${e.newState ?? e.kind}`);
    expect(evs).toEqual(['>created', 'stopped>starting', 'starting>running']);
  });

  it('promotes the starts that stayed up together, each when its own start wait is over', async () => {
    const { sup, clock, spec } = setup();
    const [a, b, c] = sup.createMany([spec({ name: 'a' }), spec({ name: 'b' }), spec({ name: 'c', startWaitMs: 900 })], 'test');
    const started = [a, b, c].map((r) => sup.start(r, 'test'));
    clock.advance(500);
    await Promise.all(started.slice(0, 2));
    expect([a.state, b.state, c.state]).toEqual(['running', 'running', 'starting']);
    clock.advance(400);
    await started[2];
    expect(c.state).toBe('running');
  });

  it('creates many definitions at once, or none when a name is taken', () => {
    const { sup, spec } = setup();
    sup.create(spec({ name: 'b' }), 'test');
    expect(() => sup.createMany([spec({ name: 'a' }), spec({ name: 'b' })], 'test')).toThrow('a process named "b" already exists');
    expect(sup.list().map((r) => r.name)).toEqual(['b']);
    const made = sup.createMany([spec({ name: 'a' }), spec({ name: 'w', instances: 2 })], 'test');
    expect(made.map((r) => r.name)).toEqual(['a', 'w']);
    expect(sup.instancesOf('w').map((r) => r.instance)).toEqual([0, 1]);
    expect(sup.find('w', 1)?.name).toBe('w');
  });

  it('reports a crash during start as crashed immediately, with stderr', async () => {
    const { sup, children, spec } = setup();
    const rec = sup.create(spec(), 'test');
    const started = sup.start(rec, 'test');
    children[0].exit(3);
    await expect(started).rejects.toThrow('process "p" crashed immediately (exit code 3 after 0ms)\nlast stderr lines:\n  boom');
    expect(rec.state).toBe('exited');
    expect(rec.lastExit).toMatchObject({ exitCode: 3, stoppedByUs: false });
  });

  it('restarts at once with --restart and counts restarts', async () => {
    const { sup, children, clock, spec } = setup();
    const rec = sup.create(spec({ restart: { ...DEFAULT_RESTART_POLICY, mode: 'always', delayMs: 0 } }), 'test');
    const started = sup.start(rec, 'test');
    clock.advance(500);
    await started;
    children[0].exit(1);
    expect(rec.state).toBe('starting');
    expect(children).toHaveLength(2);
    expect(rec.restarts).toBe(1);
    clock.advance(500);
    expect(rec.state).toBe('running');
  });

  it('waits in backoff with exponential delays and gives up as failed', async () => {
    const { sup, children, clock, spec, repo } = setup();
    const rec = sup.create(spec({
      startWaitMs: 0,
      restart: { ...DEFAULT_RESTART_POLICY, mode: 'always', backoff: 'exponential', delayMs: 1000, backoffMaxMs: 8000, jitter: 0, maxRestarts: 3, windowMs: 600_000, minUptimeMs: 60_000 },
    }), 'test');
    await sup.start(rec, 'test');
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      children[children.length - 1].exit(1);
      expect(rec.state).toBe('backoff');
      delays.push(rec.nextRestartAt! - clock.now());
      clock.advance(rec.nextRestartAt! - clock.now());
      expect(rec.state).toBe('running');
    }
    expect(delays).toEqual([1000, 2000, 4000]);
    children[children.length - 1].exit(1);
    expect(rec.state).toBe('failed');
    expect(rec.reason).toContain('giving up');
    const last = repo.events({ name: 'p' }).pop()!;
    expect(last).toMatchObject({ oldState: 'running', newState: 'failed', exitCode: 1 });
  });

  it('refuses an illegal transition and a duplicate name', async () => {
    const { sup, clock, spec } = setup();
    const rec = sup.create(spec(), 'test');
    expect(() => sup.create(spec(), 'test')).toThrow('a process named "p" already exists');
    const started = sup.start(rec, 'test');
    clock.advance(500);
    await started;
    await expect(sup.start(rec, 'test')).rejects.toThrow('process "p" is already running');
  });

  it('a stop from backoff cancels the pending restart', async () => {
    const { sup, children, clock, spec } = setup();
    const rec = sup.create(spec({ startWaitMs: 0, restart: { ...DEFAULT_RESTART_POLICY, mode: 'always', delayMs: 5000 } }), 'test');
    await sup.start(rec, 'test');
    children[0].exit(1);
    expect(rec.state).toBe('backoff');
    await sup.stop(rec, 'test');
    expect(rec.state).toBe('stopped');
    clock.advance(10_000);
    expect(children).toHaveLength(1);
    expect(rec.state).toBe('stopped');
  });
});

describe('recovery', () => {
  it('does not adopt a PID whose start time differs (recycled PID) and never signals it', () => {
    const { repo, spec, clock } = setup();
    const rec = repo.insert(spec({ name: 'old' }), clock.now(), { time: 0, processId: null, processName: 'old', kind: 'created', oldState: null, newState: null, pid: null, exitCode: null, signal: null, reason: null, actor: 'test' });
    // the record claims this very test process, but with another start time
    repo.update(rec.id, { state: 'running', pid: process.pid, pidStartTime: 1, wantRunning: true });
    const sup = new Supervisor({ repo, clock, host: createRealHost({ spawn: () => { throw new Error('must not spawn'); } }), logs: { open: () => ({ stdout: 0, stderr: 0 }), watch: () => undefined, unwatch: () => undefined, lastLines: async () => [] } });
    const result = sup.recover(false);
    expect(result.adopted).toEqual([]);
    expect(result.lost).toEqual(['old']);
    expect(result.resumed).toEqual([]);
    expect(sup.resolve('old')).toMatchObject({ state: 'exited', pid: null, reason: 'ended while the daemon was down (exit status unknown)' });
  });

  it('after a machine reboot resumes every process that was wanted running', () => {
    const { repo, spec, clock } = setup();
    const rec = repo.insert(spec({ name: 'svc' }), clock.now(), { time: 0, processId: null, processName: 'svc', kind: 'created', oldState: null, newState: null, pid: null, exitCode: null, signal: null, reason: null, actor: 'test' });
    repo.update(rec.id, { state: 'running', pid: 90_000_001, pidStartTime: 5, wantRunning: true });
    const sup = new Supervisor({ repo, clock, host: createRealHost({ spawn: () => { throw new Error('no'); } }), logs: { open: () => ({ stdout: 0, stderr: 0 }), watch: () => undefined, unwatch: () => undefined, lastLines: async () => [] } });
    expect(sup.recover(true).resumed.map((r) => r.name)).toEqual(['svc']);
  });
});

describe('a stop interrupted by a daemon restart', () => {
  it('is carried on by the next daemon: the re-adopted process is stopped, not left stopping', async () => {
    const { spawn } = await import('node:child_process');
    const { readStartTime, isAlive } = await import('../../src/core/proc.js');
    const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
    try {
      const { repo, spec, clock } = setup();
      const rec = repo.insert(spec({ name: 'half' }), clock.now(), { time: 0, processId: null, processName: 'half', kind: 'created', oldState: null, newState: null, pid: null, exitCode: null, signal: null, reason: null, actor: 'test' });
      repo.update(rec.id, { state: 'stopping', pid: child.pid!, pidStartTime: readStartTime(child.pid!), wantRunning: false });
      // a real process: the stop watches for its end on the real clock
      const sup = new Supervisor({ repo, clock: systemClock, host: createRealHost({ spawn: () => { throw new Error('must not spawn'); } }), logs: { open: () => ({ stdout: 0, stderr: 0 }), watch: () => undefined, unwatch: () => undefined, lastLines: async () => [] } });
      expect(sup.recover(false).adopted).toEqual(['half']);
      const deadline = Date.now() + 10_000;
      while (sup.resolve('half').state !== 'stopped' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(sup.resolve('half')).toMatchObject({ state: 'stopped', pid: null });
      expect(isAlive(child.pid!)).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a crash during the start wait that its policy restarts resolves the start; the record shows the crash and the next attempt', async () => {
    const { sup, children, clock, spec } = setup();
    const rec = sup.create(spec({ restart: { ...DEFAULT_RESTART_POLICY, mode: 'always' } }), 'test');
    const started = sup.start(rec, 'test');
    clock.advance(107);
    children[0].exit(1);
    await expect(started).resolves.toBe(rec);
    expect(rec.state).toBe('backoff');
    expect(rec.lastExit).toMatchObject({ exitCode: 1, durationMs: 107 });
    const delay = rec.nextRestartAt! - rec.lastExit!.endedAt;
    expect(delay).toBeGreaterThanOrEqual(80);
    expect(delay).toBeLessThanOrEqual(120);
  });

  it('a crash during the start wait still rejects when the policy gives up', async () => {
    const { sup, children, spec } = setup();
    const rec = sup.create(spec({ restart: { ...DEFAULT_RESTART_POLICY, mode: 'always', maxRestarts: 1 } }), 'test');
    rec.restartHistory = { restartTimes: [0], consecutive: 1 };
    const started = sup.start(rec, 'test');
    children[0].exit(2);
    await expect(started).rejects.toThrow('crashed immediately (exit code 2');
    expect(rec.state).toBe('failed');
  });

  it('holds a zero-delay crash loop to the restart rate: a burst at once, then a floor between restarts', async () => {
    const { sup, children, clock, spec } = setup();
    const rec = sup.create(spec({ startWaitMs: 0, restart: { ...DEFAULT_RESTART_POLICY, mode: 'always', delayMs: 0, maxRestarts: 0 } }), 'test');
    await sup.start(rec, 'test');
    const immediate: boolean[] = [];
    const held: number[] = [];
    const burst = RESTART_RATE.perProcess.burst;
    for (let i = 0; i < burst + 7; i++) {
      children[children.length - 1].exit(1);
      immediate.push(rec.state !== 'backoff');
      if (rec.state === 'backoff') {
        held.push(rec.nextRestartAt! - clock.now());
        expect(rec.reason).toContain('held back by the restart rate limit');
        clock.advance(rec.nextRestartAt! - clock.now());
      }
    }
    expect(immediate.slice(0, burst)).toEqual(Array(burst).fill(true));
    expect(immediate[burst]).toBe(false);
    expect(Math.min(...held)).toBeGreaterThan(0);
    expect(children).toHaveLength(burst + 8);
  });

  it('holds all processes together to the overall restart rate', async () => {
    const { sup, children, spec } = setup();
    const recs = [];
    for (let i = 0; i < 12; i++) {
      const rec = sup.create(spec({ name: `p${i}`, startWaitMs: 0, restart: { ...DEFAULT_RESTART_POLICY, mode: 'always', delayMs: 0, maxRestarts: 0 } }), 'test');
      await sup.start(rec, 'test');
      recs.push(rec);
    }
    // each crashes 4 times at the same instant (within its own burst): only the overall bucket holds some back
    expect(RESTART_RATE.perProcess.burst).toBeGreaterThanOrEqual(4);
    expect(RESTART_RATE.overall.burst).toBeLessThan(48);
    let backoffs = 0;
    for (let round = 0; round < 4; round++) {
      for (const rec of recs) {
        if (rec.state === 'backoff') continue;
        const child = children.find((c) => c.pid === rec.pid)!;
        child.exit(1);
        if (rec.state === 'backoff') backoffs++;
      }
    }
    expect(backoffs).toBe(48 - RESTART_RATE.overall.burst);
  });

  it('a crash storm writes a few rows per kind of event, the repeats counted on one', async () => {
    const { sup, children, clock, spec, repo } = setup();
    const rec = sup.create(spec({ startWaitMs: 0, restart: { ...DEFAULT_RESTART_POLICY, mode: 'always', delayMs: 0, maxRestarts: 0 } }), 'test');
    await sup.start(rec, 'test');
    for (let i = 0; i < 300; i++) {
      clock.advance(10);
      children[children.length - 1].exit(1);
      if (rec.state === 'backoff') clock.advance(rec.nextRestartAt! - clock.now());
    }
    expect(rec.restarts).toBe(300);
    const evs = repo.events({ name: 'p', limit: 10_000 });
    expect(evs.length).toBeLessThan(60);
    const folded = evs.filter((e) => /times in a row like this/.test(e.reason ?? ''));
    expect(folded.length).toBeGreaterThan(0);
    expect(folded.some((e) => /^exit code 1: restarting, held back by the restart rate limit \(\d+ times in a row like this, over \d+ s; last pid \d+\)$/.test(e.reason ?? ''))).toBe(true);
  });
});

