// The supervisor on a simulated OS (FakeHost) and a FakeClock: stops, SIGKILL escalation, adoption,
// recovery after a daemon crash and spawn failures, all without forking a single process.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/fake-clock.js';
import { FakeHost } from '../../src/core/fake-host.js';
import type { ProcessTarget, StopTreeResult } from '../../src/core/host.js';
import { DEFAULT_RESTART_POLICY, DEFAULTS, emptySections, type ProcessSpec, type RestartPolicy } from '../../src/core/spec.js';
import type { ProcessState } from '../../src/core/states.js';
import { Supervisor, type LogPort } from '../../src/core/supervisor.js';
import { openDb } from '../../src/store/db.js';
import { ProcessRepo, type ProcessPatch } from '../../src/store/processes.js';

const logs: LogPort = {
  open: () => ({ stdout: -1, stderr: -1 }),
  watch: () => undefined,
  unwatch: () => undefined,
  lastLines: async () => [],
};

function spec(over: Partial<ProcessSpec> & { restart?: Partial<RestartPolicy> } = {}): ProcessSpec {
  const { restart, ...rest } = over;
  return {
    name: 'svc', command: 'server', args: [], shell: false, cwd: '/srv/app', env: {}, group: null,
    restart: { ...DEFAULT_RESTART_POLICY, ...restart }, stopSignal: 'SIGTERM', stopTimeoutMs: 5000, startWaitMs: 0, port: null,
    logMaxBytes: DEFAULTS.logMaxBytes, logKeep: 5, ...emptySections(), ...rest,
  };
}

function setup(host?: (clock: FakeClock) => FakeHost) {
  const clock = new FakeClock();
  const fake = host ? host(clock) : new FakeHost(clock);
  const repo = new ProcessRepo(openDb(':memory:'));
  const boot = () => new Supervisor({ repo, clock, host: fake, logs, adoptPollMs: 1000 });
  return { clock, host: fake, repo, sup: boot(), boot };
}

/** Lets queued microtasks and promise callbacks run (a signalled fake process dies on one). */
const settle = () => new Promise<void>((r) => setImmediate(r));

/** A row as the previous daemon left it. */
function leftBehind(repo: ProcessRepo, s: ProcessSpec, state: ProcessState, patch: ProcessPatch): void {
  const rec = repo.insert(s, 0, { time: 0, processId: null, processName: s.name, kind: 'created', oldState: null, newState: null, pid: null, exitCode: null, signal: null, reason: null, actor: 'test' });
  repo.update(rec.id, { state, startedAt: 0, startSeq: rec.id, ...patch });
}

function transitions(repo: ProcessRepo, name = 'svc'): string[] {
  return repo.events({ name }).filter((e) => e.kind === 'state').map((e) => `${e.oldState}>${e.newState}`);
}

describe('a start interrupted by a stop', () => {
  it('rejects the waiting start with the reason instead of leaving it pending forever', async () => {
    const { sup } = setup();
    const rec = sup.create(spec({ startWaitMs: 1000 }), 'test');
    const starting = sup.start(rec, 'test');
    const outcome = starting.then(() => 'resolved', (e: Error & { code?: string }) => e.code);
    expect(rec.state).toBe('starting');
    await sup.stop(rec, 'test', { reason: 'stopped by a user' });
    expect(await outcome).toBe('START_INTERRUPTED');
    expect(rec.state).toBe('stopped');
  });
});

describe('stopping through the host', () => {
  it('sends the stop signal to the proven process and records the ending', async () => {
    const { sup, host, repo } = setup();
    const rec = await sup.start(sup.create(spec(), 'test'), 'test');
    expect(rec.state).toBe('running');
    const proc = host.last('svc');
    const { exit } = await sup.stop(rec, 'test');
    expect(host.signals.filter((s) => s.signal !== 'SIGCONT')).toEqual([{ pid: proc.pid, startTime: proc.startTime, signal: 'SIGTERM', how: 'tree', delivered: true }]);
    expect(exit).toMatchObject({ pid: proc.pid, signal: 'SIGTERM', stoppedByUs: true, forceKilled: false });
    expect(rec).toMatchObject({ state: 'stopped', pid: null, wantRunning: false });
    expect(transitions(repo)).toEqual(['stopped>starting', 'starting>running', 'running>stopping', 'stopping>stopped']);
  });

  it('escalates to SIGKILL after the stop timeout when the stop signal is ignored, and says so', async () => {
    const { sup, host, clock, repo } = setup();
    const rec = await sup.start(sup.create(spec({ stopTimeoutMs: 5000 }), 'test'), 'test');
    const proc = host.last('svc').ignore('SIGTERM');
    const stopping = sup.stop(rec, 'test');
    await settle();
    clock.advance(4999);
    await settle();
    expect(rec.state).toBe('stopping');
    expect(host.signalsTo(proc.pid)).toEqual(['SIGTERM', 'SIGCONT']);
    clock.advance(1);
    const { exit } = await stopping;
    expect(host.signalsTo(proc.pid)).toEqual(['SIGTERM', 'SIGCONT', 'SIGKILL']);
    expect(exit).toMatchObject({ signal: 'SIGKILL', stoppedByUs: true, forceKilled: true });
    expect(rec.lastExit).toMatchObject({ forceKilled: true });
    expect(repo.events({ name: 'svc' }).pop()).toMatchObject({ newState: 'stopped', reason: 'killed by SIGKILL after the stop timeout' });
  });

  it('stop --force sends SIGKILL at once and is not counted as an escalation', async () => {
    const { sup, host } = setup();
    const rec = await sup.start(sup.create(spec(), 'test'), 'test');
    const proc = host.last('svc').ignore('SIGTERM');
    const { exit } = await sup.stop(rec, 'test', { force: true });
    expect(host.signalsTo(proc.pid)).toEqual(['SIGKILL']);
    expect(exit).toMatchObject({ signal: 'SIGKILL', forceKilled: false });
  });

  it('when the tree cannot be walked, SIGKILLs the proven process instead of staying stopping', async () => {
    class BrokenTreeHost extends FakeHost {
      override stopTree(_t: ProcessTarget): Promise<StopTreeResult> {
        return Promise.reject(new Error('EMFILE: too many open files'));
      }
    }
    const { sup, host, repo } = setup((clock) => new BrokenTreeHost(clock));
    const rec = await sup.start(sup.create(spec(), 'test'), 'test');
    const proc = host.last('svc');
    const { exit } = await sup.stop(rec, 'test');
    expect(host.signals).toEqual([{ pid: proc.pid, startTime: proc.startTime, signal: 'SIGKILL', how: 'process', delivered: true }]);
    expect(exit).toMatchObject({ signal: 'SIGKILL', forceKilled: true });
    expect(rec.state).toBe('stopped');
    expect(repo.events({ name: 'svc' }).some((e) => e.kind === 'stop-failed' && e.reason?.includes('EMFILE'))).toBe(true);
  });

  it('reaps what an ended process left in its group, and notes it', async () => {
    const { sup, host, repo } = setup();
    const rec = await sup.start(sup.create(spec(), 'test'), 'test');
    const proc = host.last('svc');
    proc.leftovers = 2;
    proc.exit(0);
    expect(rec.state).toBe('exited');
    expect(host.signals).toEqual([{ pid: proc.pid, startTime: proc.startTime, signal: 'SIGTERM', how: 'group', delivered: true }]);
    expect(repo.events({ name: 'svc' }).find((e) => e.kind === 'reaped')?.reason).toContain('2 leftover processes');
  });
});

describe('adoption after a daemon restart', () => {
  it('adopts a live pid whose start time matches, watches it and restarts it by its policy when it ends', async () => {
    const { repo, host, clock, boot } = setup();
    const survivor = host.addProcess(4242, 777);
    leftBehind(repo, spec({ restart: { mode: 'always', delayMs: 0 } }), 'running', { pid: 4242, pidStartTime: 777, wantRunning: true });
    const sup = boot();
    const result = sup.recover(false);
    expect(result).toMatchObject({ adopted: ['svc'], lost: [], resumed: [] });
    const rec = sup.resolve('svc');
    expect(rec).toMatchObject({ state: 'running', pid: 4242 });
    expect(repo.events({ name: 'svc' }).pop()).toMatchObject({ kind: 'adopted', reason: 're-adopted pid 4242 after a daemon restart' });
    clock.advance(3000);
    expect(rec.state).toBe('running');
    expect(host.signals).toEqual([]);
    survivor.exit(null, 'SIGSEGV');
    clock.advance(1000);
    // not our child, so the exit status is unknown; "always" brings it back on a new pid
    expect(rec.lastExit).toMatchObject({ pid: 4242, exitCode: null, stoppedByUs: false });
    expect(rec.state).toBe('running');
    expect(rec.pid).toBe(host.last('svc').pid);
    expect(rec.restarts).toBe(1);
  });

  it('stops an adopted process by polling for its end on the clock', async () => {
    const { repo, host, clock, boot } = setup();
    host.addProcess(4242, 777);
    leftBehind(repo, spec(), 'running', { pid: 4242, pidStartTime: 777, wantRunning: true });
    const sup = boot();
    sup.recover(false);
    const stopping = sup.stop(sup.resolve('svc'), 'test');
    await settle();
    clock.advance(10);
    const { exit } = await stopping;
    expect(host.signalsTo(4242)).toEqual(['SIGTERM', 'SIGCONT']);
    expect(exit).toMatchObject({ pid: 4242, stoppedByUs: true, forceKilled: false });
    expect(sup.resolve('svc').state).toBe('stopped');
  });

  it('never signals a recycled pid (other start time): the process is treated as dead and follows its policy', () => {
    const { repo, host, boot } = setup();
    const stranger = host.addProcess(4242, 999);
    stranger.leftovers = 3;
    leftBehind(repo, spec({ name: 'again', restart: { mode: 'always', delayMs: 0 } }), 'running', { pid: 4242, pidStartTime: 777, wantRunning: true });
    leftBehind(repo, spec({ name: 'once' }), 'running', { pid: 4243, pidStartTime: 778, wantRunning: true });
    host.addProcess(4243, 1);
    const sup = boot();
    const result = sup.recover(false);
    expect(result.adopted).toEqual([]);
    expect(result.lost).toEqual(['again', 'once']);
    expect(result.resumed.map((r) => r.name)).toEqual(['again']);
    expect(host.signals).toEqual([]);
    expect(stranger.alive).toBe(true);
    for (const name of ['again', 'once']) {
      expect(sup.resolve(name)).toMatchObject({ state: 'exited', pid: null, reason: 'ended while the daemon was down (exit status unknown)' });
    }
  });
});

describe('recovery after the daemon was SIGKILLed', () => {
  it('a dead process follows its restart policy; a wanted one that was stopped cleanly comes back; a backoff resumes its timer', async () => {
    const { repo, host, clock, boot } = setup();
    leftBehind(repo, spec({ name: 'crashy', restart: { mode: 'on-failure', delayMs: 0 } }), 'running', { pid: 5000, pidStartTime: 1, wantRunning: true });
    leftBehind(repo, spec({ name: 'plain' }), 'running', { pid: 5001, pidStartTime: 1, wantRunning: true });
    leftBehind(repo, spec({ name: 'wanted' }), 'stopped', { wantRunning: true });
    leftBehind(repo, spec({ name: 'idle' }), 'stopped', { wantRunning: false });
    leftBehind(repo, spec({ name: 'waiting', restart: { mode: 'always', delayMs: 2000, jitter: 0 } }), 'backoff', {
      nextRestartAt: clock.now() + 2000, wantRunning: true,
      lastExit: { pid: 5002, exitCode: 1, signal: null, startedAt: 0, endedAt: 0, durationMs: 0, stoppedByUs: false, forceKilled: false, timedOut: false },
    });
    const sup = boot();
    const result = sup.recover(false);
    expect(result.lost).toEqual(['crashy', 'plain']);
    expect(result.resumed.map((r) => r.name)).toEqual(['crashy', 'wanted']);
    expect(sup.resolve('plain').state).toBe('exited');
    for (const rec of result.resumed) await sup.resume(rec);
    expect(sup.resolve('crashy')).toMatchObject({ state: 'running', pid: host.last('crashy').pid });
    expect(sup.resolve('wanted').state).toBe('running');
    expect(sup.resolve('idle').state).toBe('stopped');
    expect(sup.resolve('waiting').state).toBe('backoff');
    clock.advance(2000);
    expect(sup.resolve('waiting')).toMatchObject({ state: 'running', pid: host.last('waiting').pid });
    expect(host.signals).toEqual([]);
  });

  it('after a machine reboot brings back what was wanted, without reaping or signalling anything', () => {
    const { repo, host, boot } = setup();
    host.addProcess(5000, 1);
    leftBehind(repo, spec({ name: 'svc' }), 'running', { pid: 5000, pidStartTime: 1, wantRunning: true });
    const sup = boot();
    expect(sup.recover(true)).toMatchObject({ adopted: [], lost: ['svc'] });
    expect(sup.resolve('svc').reason).toBe('the machine restarted');
    expect(host.signals).toEqual([]);
  });

  it('a resumed process whose cwd is gone is failed with the reason, not left exited', async () => {
    const { repo, host, boot } = setup();
    leftBehind(repo, spec({ restart: { mode: 'always', delayMs: 0 } }), 'running', { pid: 5000, pidStartTime: 1, wantRunning: true });
    const sup = boot();
    const [rec] = sup.recover(false).resumed;
    host.missingDirs.add('/srv/app');
    await expect(sup.resume(rec)).rejects.toThrow('working directory /srv/app does not exist');
    expect(rec).toMatchObject({ state: 'failed', reason: 'cannot restart: working directory /srv/app does not exist or is not a directory; create it or set the working directory (--cwd, or cwd: in a config file) to an existing one' });
  });
});

describe('spawn failures', () => {
  it('at start: a clear error, the process stays stopped, nothing is spawned', async () => {
    const { sup, host } = setup();
    const rec = sup.create(spec(), 'test');
    host.missingDirs.add('/srv/app');
    await expect(sup.start(rec, 'test')).rejects.toMatchObject({ code: 'CWD_NOT_FOUND', message: expect.stringContaining('working directory /srv/app does not exist') });
    expect(rec.state).toBe('stopped');
    expect(host.processes).toHaveLength(0);
    host.missingDirs.clear();
    host.failNextSpawn('no-pid');
    await expect(sup.start(rec, 'test')).rejects.toMatchObject({ code: 'SPAWN_FAILED', message: expect.stringContaining('could not start "svc"') });
    host.failNextSpawn(new Error('spawn EAGAIN'));
    await expect(sup.start(rec, 'test')).rejects.toThrow('spawn EAGAIN');
    expect(rec.state).toBe('stopped');
    await sup.start(rec, 'test');
    expect(rec.state).toBe('running');
  });

  it('during an automatic restart (--restart always, cwd deleted): failed with the reason, never stuck "exited, restarting"', async () => {
    const { sup, host, repo } = setup();
    const rec = await sup.start(sup.create(spec({ restart: { mode: 'always', delayMs: 0 } }), 'test'), 'test');
    host.missingDirs.add('/srv/app');
    expect(() => host.last('svc').exit(1)).not.toThrow();
    expect(rec).toMatchObject({ state: 'failed', reason: expect.stringMatching(/^cannot restart: working directory \/srv\/app does not exist/) });
    expect(transitions(repo).slice(-2)).toEqual(['running>exited', 'exited>failed']);
    expect(repo.events({ name: 'svc' }).pop()?.reason).toMatch(/^cannot restart: working directory \/srv\/app/);
    expect(repo.list().find((r) => r.id === rec.id)?.state).toBe('failed');
    // once the directory is back, a start works again
    host.missingDirs.clear();
    await sup.start(rec, 'test');
    expect(rec.state).toBe('running');
  });

  it('during a restart after backoff: failed with the reason', async () => {
    const { sup, host, clock } = setup();
    const rec = await sup.start(sup.create(spec({ restart: { mode: 'always', delayMs: 1000, jitter: 0 } }), 'test'), 'test');
    host.last('svc').exit(1);
    expect(rec.state).toBe('backoff');
    host.failNextSpawn(new Error('spawn EAGAIN'));
    expect(() => clock.advance(1000)).not.toThrow();
    expect(rec).toMatchObject({ state: 'failed', reason: 'cannot restart: spawn EAGAIN', nextRestartAt: null });
  });
});

describe('starts made together (startingTogether, as a bulk `up` does)', () => {
  it('spawns them all at the end of the block: each is starting with its pid and stored, a failure rejects its own start only', async () => {
    const { sup, host, repo } = setup();
    const recs = ['a', 'b', 'c', 'd'].map((name) => sup.create(spec({ name }), 'test'));
    host.failNextSpawn(new Error('spawn EAGAIN'));
    const pending: Array<Promise<unknown>> = [];
    sup.startingTogether(() => {
      for (const r of recs) pending.push(sup.start(r, 'test'));
      // a start asked twice inside the block is refused, not spawned twice
      pending.push(sup.start(recs[1], 'test'));
      // nothing is spawned yet: the children come at the end, together
      expect(recs.map((r) => r.state)).toEqual(['stopped', 'stopped', 'stopped', 'stopped']);
    });
    const outcomes = await Promise.allSettled(pending);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
    expect((outcomes[0] as PromiseRejectedResult).reason).toMatchObject({ message: 'spawn EAGAIN' });
    expect((outcomes[4] as PromiseRejectedResult).reason).toMatchObject({ code: 'ALREADY_RUNNING' });
    expect(recs.map((r) => r.state)).toEqual(['stopped', 'running', 'running', 'running']);
    expect(recs.slice(1).every((r) => r.pid !== null && r.pid > 0)).toBe(true);
    // every started child has its record in the store, pid included
    for (const r of recs.slice(1)) expect(repo.list().find((x) => x.id === r.id)).toMatchObject({ state: 'running', pid: r.pid });
    expect(repo.list().find((x) => x.id === recs[0].id)).toMatchObject({ state: 'stopped', pid: null });
  });

  it('a host whose spawnMany throws fails every start of the block with its error, none left waiting', async () => {
    const { sup, host } = setup();
    const recs = ['a', 'b'].map((name) => sup.create(spec({ name }), 'test'));
    Object.assign(host, { spawnMany: () => { throw new Error('spawnMany broke'); } });
    const pending: Array<Promise<unknown>> = [];
    sup.startingTogether(() => recs.forEach((r) => pending.push(sup.start(r, 'test'))));
    const outcomes = await Promise.allSettled(pending);
    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : 'ok'))).toEqual(['spawnMany broke', 'spawnMany broke']);
    expect(recs.map((r) => r.state)).toEqual(['stopped', 'stopped']);
  });
});
