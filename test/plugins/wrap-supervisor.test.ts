// The supervisor's side of runtime plugins, on a simulated OS: a process with a wrap is spawned as the wrap
// answered; one without never reaches the hook's promise (its spawn stays synchronous); a wrap that fails is
// a failed start under the restart policy; a stop while the wrap is asked means nothing is spawned.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/fake-clock.js';
import { FakeHost } from '../../src/core/fake-host.js';
import { DEFAULT_RESTART_POLICY, DEFAULTS, emptySections, type ProcessSpec, type RestartPolicy } from '../../src/core/spec.js';
import { Supervisor, type LogPort, type SpawnWrap } from '../../src/core/supervisor.js';
import { openDb } from '../../src/store/db.js';
import { ProcessRepo } from '../../src/store/processes.js';
import { SentinelError } from '../../src/core/errors.js';
import { argvOf, wrapHook } from '../../src/plugins/wrap.js';
import type { WrapRequest, WrapResult } from '../../src/plugins/types.js';

const logs: LogPort = { open: () => ({ stdout: -1, stderr: -1 }), watch: () => undefined, unwatch: () => undefined, lastLines: async () => [] };

function spec(over: Partial<ProcessSpec> & { restart?: Partial<RestartPolicy> } = {}): ProcessSpec {
  const { restart, ...rest } = over;
  return {
    name: 'svc', command: 'server', args: ['--port', '1'], shell: false, cwd: '/srv/app', env: { A: '1', S: '${secret:db}' }, group: null,
    restart: { ...DEFAULT_RESTART_POLICY, ...restart }, stopSignal: 'SIGTERM', stopTimeoutMs: 5000, startWaitMs: 0, port: null,
    logMaxBytes: DEFAULTS.logMaxBytes, logKeep: 5, ...emptySections(), ...rest,
  };
}

/** A plugin host's wrap whose answers the test gives (or holds back). */
function fakePlugins() {
  const asked: Array<{ name: string; request: Omit<WrapRequest, 'options'> & { options?: Record<string, unknown> } }> = [];
  const answers: Array<WrapResult | Error | 'hold'> = [];
  let release: ((v: WrapResult) => void) | null = null;
  return {
    asked,
    answers,
    release: (v: WrapResult) => release?.(v),
    wrap(name: string, request: Omit<WrapRequest, 'options'> & { options?: Record<string, unknown> }): Promise<WrapResult> {
      asked.push({ name, request });
      const a = answers.shift() ?? { argv: ['wrapped', ...request.argv] };
      if (a === 'hold') return new Promise((r) => (release = r));
      return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
    },
  };
}

function setup(wrap?: SpawnWrap) {
  const clock = new FakeClock();
  const host = new FakeHost(clock);
  const repo = new ProcessRepo(openDb(':memory:'));
  const sup = new Supervisor({ repo, clock, host, logs, adoptPollMs: 1000 });
  if (wrap) sup.setSpawnWrap(wrap);
  return { clock, host, repo, sup };
}

const settle = () => new Promise<void>((r) => setImmediate(r));

describe('a process with a wrap', () => {
  it('is spawned as the runtime plugin answered, asked with its argv, env (secrets as references), cwd and options', async () => {
    const plugins = fakePlugins();
    plugins.answers.push({ argv: ['env', 'WRAPPED=1', 'server', '--port', '1'], env: { A: '2', S: '${secret:db}', W: 'yes' }, cwd: '/tmp' });
    const { sup, host } = setup(wrapHook(plugins));
    const rec = sup.create(spec({ wrap: { plugin: 'jail', options: { level: 3 } } }), 'test');
    await sup.start(rec, 'test');
    expect(rec.state).toBe('running');
    expect(plugins.asked).toHaveLength(1);
    expect(plugins.asked[0]).toMatchObject({ name: 'jail', request: { process: 'svc', argv: ['server', '--port', '1'], cwd: '/srv/app', options: { level: 3 } } });
    expect(plugins.asked[0].request.env).toMatchObject({ A: '1', S: '${secret:db}' });
    const spawned = host.last('svc').spec!;
    expect([spawned.command, ...spawned.args]).toEqual(['env', 'WRAPPED=1', 'server', '--port', '1']);
    expect(spawned.shell).toBe(false);
    expect(spawned.env).toEqual({ A: '2', S: '${secret:db}', W: 'yes' });
    expect(spawned.cwd).toBe('/tmp');
    // the stored spec is untouched: the next start asks again
    expect(rec.spec.command).toBe('server');
  });

  it('gives a shell command as /bin/sh -c COMMAND', () => {
    expect(argvOf({ command: 'echo hi && sleep 1', args: [], shell: true })).toEqual(['/bin/sh', '-c', 'echo hi && sleep 1']);
    expect(argvOf({ command: 'node', args: ['a.js'], shell: false })).toEqual(['node', 'a.js']);
  });

  it('a process without a wrap never asks (its spawn happens before start() returns)', async () => {
    const plugins = fakePlugins();
    const { sup } = setup(wrapHook(plugins));
    const rec = sup.create(spec(), 'test');
    const started = sup.start(rec, 'test', { wait: false });
    expect(rec.state).not.toBe('stopped'); // synchronous: already spawned
    await started;
    expect(plugins.asked).toEqual([]);
  });
});

describe('a wrap that fails', () => {
  it('fails the start like an immediate crash: the reason in the last exit and an event, restart policy "never" ends it', async () => {
    const plugins = fakePlugins();
    plugins.answers.push(new SentinelError('PLUGIN_FAILED', 'plugin "jail": answered wrap with argv []; argv must be a non-empty list of strings'));
    const { sup, host, repo } = setup(wrapHook(plugins));
    const rec = sup.create(spec({ wrap: { plugin: 'jail', options: {} } }), 'test');
    const err = await sup.start(rec, 'test').then(() => null, (e: SentinelError) => e);
    expect(err?.code).toBe('PLUGIN_FAILED');
    expect(err?.message).toBe('could not start "svc": runtime plugin "jail" gave no command to start: plugin "jail": answered wrap with argv []; argv must be a non-empty list of strings');
    expect(rec.state).toBe('exited');
    expect(rec.lastExit?.cause).toContain('answered wrap with argv []');
    expect(host.processes.length).toBe(0);
    const ev = repo.events({ name: 'svc' }).filter((e) => e.kind === 'state').map((e) => `${e.oldState}>${e.newState}: ${e.reason}`);
    expect(ev.at(-1)).toMatch(/^starting>exited: runtime plugin "jail" gave no command to start: .*answered wrap/);
  });

  it('is backed off and tried again under an on-failure policy, and starts once the plugin answers well', async () => {
    const plugins = fakePlugins();
    plugins.answers.push(new Error('plugin "jail": no answer to wrap within 500 ms'));
    const { sup, host, clock } = setup(wrapHook(plugins));
    const rec = sup.create(spec({ wrap: { plugin: 'jail', options: {} }, restart: { mode: 'on-failure', delayMs: 1000, jitter: 0 } }), 'test');
    await sup.start(rec, 'test'); // like a crash its policy restarts: the caller hears "started"
    expect(rec.state).toBe('backoff');
    expect(rec.reason).toMatch(/restart 1 in 1s/);
    expect(host.processes.length).toBe(0);
    clock.advance(1000);
    await settle();
    await settle();
    expect(plugins.asked.length).toBe(2);
    expect(rec.state).toBe('running');
    expect(host.last('svc').spec!.command).toBe('wrapped');
  });

  it('an answer whose program or cwd does not exist fails the start too', async () => {
    const plugins = fakePlugins();
    plugins.answers.push({ argv: ['x'], cwd: '/gone' });
    const { sup, host } = setup(wrapHook(plugins));
    host.missingDirs.add('/gone');
    const rec = sup.create(spec({ wrap: { plugin: 'jail', options: {} } }), 'test');
    const err = await sup.start(rec, 'test').then(() => null, (e: SentinelError) => e);
    expect(err?.message).toContain('working directory /gone does not exist');
    expect(rec.state).toBe('exited');
    expect(host.processes.length).toBe(0);
  });
});

describe('a wrap still being asked', () => {
  /** A start whose wrap plugin has not answered yet (the answer is held until plugins.release). */
  function startHeld() {
    const plugins = fakePlugins();
    plugins.answers.push('hold');
    const { sup, host } = setup(wrapHook(plugins));
    const rec = sup.create(spec({ wrap: { plugin: 'jail', options: {} } }), 'test');
    const starting = sup.start(rec, 'test').then(() => 'started', (e: SentinelError) => e.code);
    return { plugins, sup, host, rec, starting };
  }

  it('a stop meanwhile means nothing is spawned, and the waiting start hears why', async () => {
    const { plugins, sup, host, rec, starting } = startHeld();
    await settle();
    expect(sup.isWrapping(rec)).toBe(true);
    // a second start is refused while the first waits
    await expect(sup.start(rec, 'test')).rejects.toMatchObject({ code: 'ALREADY_RUNNING' });
    await sup.stop(rec, 'test', { reason: 'stopped by a user' });
    plugins.release({ argv: ['late'] });
    expect(await starting).toBe('START_INTERRUPTED');
    expect(host.processes.length).toBe(0);
    expect(rec.state).toBe('stopped');
    expect(sup.isWrapping(rec)).toBe(false);
  });

  it('a delete meanwhile means nothing is spawned', async () => {
    const { plugins, sup, host, rec, starting } = startHeld();
    await settle();
    await sup.remove(rec, 'test');
    plugins.release({ argv: ['late'] });
    expect(await starting).toBe('START_INTERRUPTED');
    expect(host.processes.length).toBe(0);
  });
});
