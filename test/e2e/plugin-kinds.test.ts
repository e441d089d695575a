// The scaling, runtime and exporter kinds through a real daemon and real child processes: a scaling plugin
// changes a definition's instance count; a runtime plugin (Python, exec form) wraps a start, seen in the
// child's /proc environ, argv and nice value; an exporter plugin writes files under -o DIR. Each kind's bad
// cases (a plugin that hangs, crashes or answers garbage; an unknown plugin; the wrong kind) are refused or
// isolated: an event, the process's state says why, and the daemon goes on.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, BIN, cleanupHome, cli, cliJson, FIXTURES, readPid, tempHome, waitFor } from '../helpers.js';

interface View { name: string; definition: string; instance: number; pid: number | null; status: string; reason: string | null; restarts: number }
interface Ev { kind: string; reason: string | null; process?: string | null; name?: string | null }
interface Plugin { name: string; pid: number | null; restarts: number; state: string; lastError: string | null }

const SCALER = path.join(FIXTURES, 'plugins/scaler.mjs');
const WRAPPER = path.join(FIXTURES, 'plugins/wrap_env.py');
const EXPORTER = path.join(FIXTURES, 'plugins/exporter.mjs');
const CRASHER = path.join(FIXTURES, 'plugins/crash_on_call.py');
let home: string;
let want: string;
let asked: string;
const pluginPids = new Set<number>();

const members = async (name: string) => (await cliJson<{ processes: View[] }>(home, ['list'])).processes.filter((p) => p.definition === name);
const status = async (n: string) => (await cliJson<{ process: View; spec: Record<string, unknown> }>(home, ['status', n]));
const events = async (name?: string) => (await cliJson<{ events: Ev[] }>(home, ['events', '-n', '1000', ...(name ? [name] : [])])).events;
const plugins = async () => {
  const list = (await cliJson<{ plugins: Plugin[] }>(home, ['plugin', 'list'])).plugins;
  for (const p of list) if (p.pid) pluginPids.add(p.pid);
  return Object.fromEntries(list.map((p) => [p.name, p]));
};
const environ = (pid: number) => Object.fromEntries(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
const niceOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[16]);
const SECRET = 'hunter2-not-for-plugins';
/** `sentinel secret set NAME` with the value on stdin. */
const setSecret = (name: string, value: string) => new Promise<number>((resolve) => {
  const child = spawn(process.execPath, ['--', BIN, 'secret', 'set', name], { env: { ...process.env, SENTINEL_HOME: home }, stdio: ['pipe', 'ignore', 'inherit'] });
  child.on('close', (code) => resolve(code ?? 1));
  child.stdin.end(`${value}\n`);
});
const up = (file: string, body: string) => {
  writeFileSync(path.join(home, file), body);
  return cli(home, ['up', '-f', path.join(home, file)]);
};

beforeAll(() => {
  home = tempHome('sn-pkind-');
  want = path.join(home, 'want.txt');
  asked = path.join(home, 'asked.jsonl');
  writeFileSync(want, '1');
  writeFileSync(path.join(home, 'daemon.yaml'), `plugins:
  - {name: scaler, module: ${SCALER}, options: {file: ${want}, log: ${asked}}}
  - {name: wrapper, command: [python3, ${WRAPPER}], kinds: [runtime], timeout: 1s}
  - {name: exp, module: ${EXPORTER}, options: {label: the test exporter}}
  - {name: exp-escape, module: ${EXPORTER}, options: {mode: escape}}
  - {name: exp-absolute, module: ${EXPORTER}, options: {mode: absolute}}
  - {name: exp-garbage, module: ${EXPORTER}, options: {mode: garbage}}
  - {name: exp-hang, module: ${EXPORTER}, options: {mode: hang}, timeout: 500ms}
  - {name: exp-throw, module: ${EXPORTER}, options: {mode: throw}}
  - {name: scale-crash, command: [python3, ${CRASHER}], kinds: [scaling]}
  - {name: exp-crash, command: [python3, ${CRASHER}], kinds: [exporter]}
`);
});
afterAll(async () => {
  await cleanupHome(home, [...pluginPids]);
});

describe('a scaling plugin', () => {
  const config = (name: string, plugin = 'scaler', extra = '') => `processes:
  ${name}:
    command: sleep 300
    scale: {min: 1, max: 3, up_after: 400ms, down_after: 400ms, cooldown: 0s, policy: {plugin: ${plugin}, timeout: 500ms${extra}}}
`;

  it("answers the count: clamped to min..max, asked with the process's instances and metrics", async () => {
    writeFileSync(want, '5');
    const r = await up('scaled.yaml', config('scaled', 'scaler', ', options: {note: hi}'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await waitFor(async () => (await members('scaled')).filter((m) => m.status === 'running').length === 3, 30_000, 250)).toBe(true);
    const scale = (await events('scaled')).find((e) => e.kind === 'scale');
    expect(scale?.reason).toBe('plugin scaler (asked for 5 with 1 running) answered 5 (clamped to 1..3): 1 → 3');
    const first = JSON.parse(readFileSync(asked, 'utf8').split('\n')[0]);
    expect(first).toMatchObject({ process: 'scaled', instances: 1, min: 1, max: 3, options: { file: want, log: asked, note: 'hi' } });
    expect(first.metrics).toHaveLength(1);
    expect(Object.keys(first.metrics[0]).sort()).toEqual(['cpuPercent', 'instance', 'rssBytes']);
    expect(first.metrics[0].instance).toBe(0);
    // CPU is a difference of two samples: null until there are two
    expect(first.metrics[0].cpuPercent === null || typeof first.metrics[0].cpuPercent === 'number').toBe(true);
    expect(first.metrics[0].rssBytes).toBeGreaterThan(0);
    expect(typeof first.now).toBe('number');
    // and down again when it says so
    writeFileSync(want, '1');
    expect(await waitFor(async () => (await members('scaled')).length === 1, 30_000, 250)).toBe(true);
    const st = await cli(home, ['status', 'scaled']);
    expect(st.stdout).toMatch(/Scale:\s+1-3 instances, policy plugin scaler/);
  });

  it('that hangs, throws or answers garbage is one event each time it changes, and the count stays', async () => {
    const daemonPid = readPid(path.join(home, 'daemon.pid'));
    const before = (await members('scaled')).length;
    const cases: Array<[string, RegExp, string]> = [
      ['hang', /plugin "scaler": no answer to decide within 500 ms/, 'plugin-timeout'],
      ['throw', /plugin "scaler": decide\(\) threw: the metrics store is down/, 'plugin-error'],
      ['garbage', /plugin "scaler": answered decide with instances "lots"/, 'plugin-garbage'],
    ];
    for (const [mode, message, pluginEvent] of cases) {
      writeFileSync(want, mode);
      expect(await waitFor(async () => (await events('scaled')).some((e) => e.kind === 'scale-policy-failed' && message.test(e.reason ?? '')), 30_000, 250), mode).toBe(true);
      const failed = (await events('scaled')).filter((e) => e.kind === 'scale-policy-failed' && message.test(e.reason ?? ''));
      expect(failed.length, mode).toBe(1);
      expect(failed[0].reason).toContain(`keeping ${before} instances`);
      expect((await events()).some((e) => e.kind === pluginEvent), mode).toBe(true);
      expect((await members('scaled')).length, mode).toBe(before);
    }
    // said once, not on every tick
    await new Promise((r) => setTimeout(r, 1500));
    expect((await events('scaled')).filter((e) => e.kind === 'scale-policy-failed' && /lots/.test(e.reason ?? '')).length).toBe(1);
    expect(readPid(path.join(home, 'daemon.pid'))).toBe(daemonPid);
    expect(alive(daemonPid!)).toBe(true);
    // it answers well again: the loop takes it up
    writeFileSync(want, '2');
    expect(await waitFor(async () => (await members('scaled')).length === 2, 30_000, 250)).toBe(true);
    await cli(home, ['delete', 'scaled']);
  });

  it('an exec plugin that crashes on decide is an event, and the count stays', async () => {
    const r = await up('crashscaled.yaml', config('crashscaled', 'scale-crash'));
    expect(r.code).toBe(0);
    expect(await waitFor(async () => (await events('crashscaled')).some((e) => e.kind === 'scale-policy-failed'), 30_000, 250)).toBe(true);
    const failed = (await events('crashscaled')).find((e) => e.kind === 'scale-policy-failed');
    expect(failed?.reason).toBe('plugin "scale-crash": the program exited with code 3; keeping 1 instances');
    expect((await events()).some((e) => e.kind === 'plugin-crashed' && /scale-crash/.test(e.reason ?? ''))).toBe(true);
    expect((await members('crashscaled')).length).toBe(1);
    await cli(home, ['delete', 'crashscaled']);
  });

  it('an unknown plugin, or one of another kind, fails up with the key named, and nothing is created', async () => {
    const ghost = await up('ghost.yaml', config('ghost-scaled', 'ghost'));
    expect(ghost.code).not.toBe(0);
    expect(ghost.stderr).toContain('process "ghost-scaled": scale.policy.plugin: no plugin named "ghost" in daemon.yaml (declared: scaler, wrapper, exp,');
    const kind = await up('kind.yaml', config('kind-scaled', 'wrapper'));
    expect(kind.code).not.toBe(0);
    expect(kind.stderr).toContain('process "kind-scaled": scale.policy.plugin: plugin "wrapper" is not a scaling plugin (it serves runtime)');
    const both = await up('both.yaml', `processes:\n  both: {command: sleep 1, scale: {min: 1, max: 2, policy: {plugin: scaler, command: "echo 2"}}}\n`);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toContain('expected exactly one of "command", "module" or "plugin"');
    const names = (await cliJson<{ processes: View[] }>(home, ['list'])).processes.map((p) => p.name);
    for (const n of ['ghost-scaled', 'kind-scaled', 'both']) expect(names).not.toContain(n);
  });
});

describe('a runtime plugin', () => {
  it('wraps the start: the child runs with the argv, env and nice value the plugin answered', async () => {
    expect(await setSecret('db_password', SECRET)).toBe(0);
    const r = await up('wrapped.yaml', `processes:
  wrapped:
    argv: [sleep, '311']
    env: {APP_MODE: plain, APP_DB: "\${secret:db_password}"}
    wrap: {plugin: wrapper, options: {nice: 7}}
`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { process: p, spec } = await status('wrapped');
    expect(p.status).toBe('running');
    const env = environ(p.pid!);
    expect(env.WRAPPED).toBe('1');
    expect(env.WRAPPED_BY).toBe('wrapper:wrapped');
    expect(env.APP_MODE).toBe('plain');
    // the plugin saw the secret as a reference; the child got its value, resolved after the wrap
    expect(env.SEEN_APP_DB).toBe('<secret:db_password>');
    expect(env.SEEN_APP_MODE).toBe('plain');
    expect(env.APP_DB).toBe(SECRET);
    expect(cmdline(p.pid!)).toEqual(['sleep', '311']); // env and nice exec'd it: the pid is the supervised one
    expect(niceOf(p.pid!)).toBe(7);
    expect(spec.wrap).toEqual({ plugin: 'wrapper', options: { nice: 7 } });
    expect((await cli(home, ['status', 'wrapped'])).stdout).toMatch(/Wrap:\s+runtime plugin wrapper with options \{"nice":7\}/);
    // every start asks again: a restart is wrapped too
    await cli(home, ['restart', 'wrapped']);
    const again = (await status('wrapped')).process;
    expect(again.pid).not.toBe(p.pid);
    expect(environ(again.pid!).WRAPPED).toBe('1');
    await cli(home, ['delete', 'wrapped']);
  });

  it('sentinel run --wrap names it; an unknown or wrong-kind plugin is refused before anything starts', async () => {
    const ok = await cliJson<{ process: View }>(home, ['run', '--name', 'runwrapped', '--wrap', 'wrapper', '--', 'sleep', '312']);
    expect(ok.process.status).toBe('running');
    expect(environ(ok.process.pid!).WRAPPED_BY).toBe('wrapper:runwrapped');
    expect(niceOf(ok.process.pid!)).toBe(5);
    const ghost = await cli(home, ['run', '--name', 'r-ghost', '--wrap', 'ghost', '--', 'sleep', '300']);
    expect(ghost.code).toBe(2);
    expect(ghost.stderr).toContain('--wrap: no plugin named "ghost" in daemon.yaml');
    const kind = await cli(home, ['run', '--name', 'r-kind', '--wrap', 'scaler', '--', 'sleep', '300']);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toContain('--wrap: plugin "scaler" is not a runtime plugin (it serves scaling)');
    const image = await cli(home, ['run', '--name', 'r-image', '--wrap', 'wrapper', '--image', 'busybox']);
    expect(image.code).toBe(2);
    expect(image.stderr).toContain('a container process (image:) is started by its runtime (podman or docker), which a runtime plugin cannot wrap');
    const names = (await cliJson<{ processes: View[] }>(home, ['list'])).processes.map((p) => p.name);
    for (const n of ['r-ghost', 'r-kind', 'r-image']) expect(names).not.toContain(n);
    await cli(home, ['delete', 'runwrapped']);
  });

  it('that hangs, crashes or answers garbage fails that start: the reason in its last exit, an event, the daemon goes on', async () => {
    const daemonPid = readPid(path.join(home, 'daemon.pid'));
    const cases: Array<[string, RegExp]> = [
      ['hang', /no answer to wrap within 1000 ms/],
      ['crash', /exited with code 3|crashed|is restarting|ended/],
      ['garbage', /not JSON|no answer to wrap/],
      ['empty-argv', /answered wrap with argv \[\]; argv must be a non-empty list of strings/],
      ['bad-cwd', /answered wrap with cwd "\/nonexistent\/sentinel-wrap", which is not an existing directory/],
      ['bad-env', /answered wrap with env "A": 1/],
      ['missing-program', /executable \/nonexistent\/jail does not exist/],
    ];
    for (const [mode, message] of cases) {
      // after a hang or a crash the program is started again (after a backoff): each case gets a ready one
      expect(await waitFor(async () => (await plugins()).wrapper.state === 'ready', 20_000, 200), mode).toBe(true);
      const r = await up(`w-${mode}.yaml`, `processes:\n  w-${mode}: {command: sleep 300, wrap: {plugin: wrapper, options: {mode: ${mode}}}}\n`);
      expect(r.code, mode).not.toBe(0);
      // up names what failed on stdout, beside what started
      expect(r.stdout, mode).toMatch(/Failed w-[a-z-]+: could not start "w-[a-z-]+": runtime plugin "wrapper" gave no command to start/);
      expect(r.stdout, mode).toMatch(message);
      const { process: p } = await status(`w-${mode}`);
      expect(p.status, mode).toBe('exited');
      expect(p.pid, mode).toBeNull();
      const st = await cli(home, ['status', `w-${mode}`]);
      expect(st.stdout, mode).toMatch(message);
      const ev = (await events(`w-${mode}`)).filter((e) => e.kind === 'state');
      expect(ev.some((e) => /runtime plugin "wrapper" gave no command to start/.test(e.reason ?? '')), mode).toBe(true);
    }
    const kinds = new Set((await events()).map((e) => e.kind));
    for (const k of ['plugin-timeout', 'plugin-crashed', 'plugin-garbage']) expect(kinds, k).toContain(k);
    expect(readPid(path.join(home, 'daemon.pid'))).toBe(daemonPid);
    expect(alive(daemonPid!)).toBe(true);
    // the plugin was restarted after its hang and crash, and wraps again
    const again = await cliJson<{ process: View }>(home, ['run', '--name', 'after', '--wrap', 'wrapper', '--', 'sleep', '313']);
    expect(environ(again.process.pid!).WRAPPED).toBe('1');
    expect((await plugins()).wrapper.restarts).toBeGreaterThanOrEqual(2);
    await cli(home, ['delete', 'after']);
  });

  it("a failed wrap is backed off and retried under the process's restart policy", async () => {
    expect(await waitFor(async () => (await plugins()).wrapper.state === 'ready', 20_000, 200)).toBe(true);
    const r = await up('w-retry.yaml', `processes:
  w-retry: {command: sleep 300, restart: {policy: on-failure, delay: 300ms, backoff: fixed, max_restarts: 3, window: 1m}, wrap: {plugin: wrapper, options: {mode: empty-argv}}}
`);
    // like a crash its policy restarts: up hears "started", the process backs off and then fails
    expect(r.code).toBe(0);
    expect(await waitFor(async () => (await status('w-retry')).process.status === 'failed', 30_000, 200)).toBe(true);
    const states = (await events('w-retry')).filter((e) => e.kind === 'state').map((e) => e.reason ?? '');
    expect(states.filter((s) => /^runtime plugin "wrapper" gave no command to start: .*answered wrap with argv \[\].*: restart \d in \d+ms$/.test(s)).length).toBe(3);
    expect(states.at(-1)).toMatch(/restarted 3 times within 60s \(max-restarts 3\), giving up$/);
    expect((await status('w-retry')).process.restarts).toBe(3);
  });

  it('a container process may not be wrapped (refused in the config too)', async () => {
    const r = await up('w-image.yaml', `processes:\n  w-image: {image: busybox, wrap: {plugin: wrapper}}\n`);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('wrap: a container process (image:) is started by its runtime (podman or docker), which a runtime plugin cannot wrap; remove wrap: or image:');
  });
});

describe('an exporter plugin', () => {
  it('writes the files it renders under -o DIR, secrets as references, its warnings on stderr', async () => {
    expect(await setSecret('db_password', SECRET)).toBe(0);
    writeFileSync(path.join(home, 'exp.yaml'), `processes:
  api: {command: node server.js --port 1, env: {APP_DB: "\${secret:db_password}", APP_MODE: prod}}
  worker: {argv: [python3, work.py]}
`);
    const out = path.join(home, 'out');
    const r = await cli(home, ['export', 'exp', '-f', path.join(home, 'exp.yaml'), '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('Warning: 2 processes rendered by the test exporter\n');
    expect(r.stdout).toContain(`Wrote ${path.join(out, 'procs/list.txt')}`);
    const text = readFileSync(path.join(out, 'procs/list.txt'), 'utf8');
    expect(text).toContain('api: node server.js --port 1 ');
    expect(text).toContain('APP_DB=${secret:db_password}');
    expect(text).toContain('APP_MODE=prod');
    expect(text).toMatch(/worker: python3 work\.py/);
    // from the running daemon too
    await cli(home, ['run', '--name', 'live', '-e', 'APP_X=1', '-e', 'APP_DB=${secret:db_password}', '--', 'sleep', '314']);
    const live = await cliJson<{ files: Array<{ file: string; content: string }>; warnings: string[] }>(home, ['export', 'exp', 'live']);
    expect(live.files).toEqual([{ process: null, file: 'procs/list.txt', content: 'live: sleep 314 APP_X=1 APP_DB=${secret:db_password}\n' }]);
    expect(JSON.stringify(live)).not.toContain(SECRET);
    // the process itself got the value
    expect(environ((await status('live')).process.pid!).APP_DB).toBe(SECRET);
    await cli(home, ['delete', 'live']);
  });

  it('paths out of -o DIR, garbage and a hang are refused, and nothing is written', async () => {
    const daemonPid = readPid(path.join(home, 'daemon.pid'));
    const file = path.join(home, 'exp.yaml');
    const cases: Array<[string, RegExp]> = [
      ['exp-escape', /plugin "exp-escape": answered render with a file it may not write: the file path "\.\.\/escaped\.txt" leaves the output directory/],
      ['exp-absolute', /the file path "\/tmp\/sentinel-exporter-absolute\.txt" is absolute/],
      ['exp-garbage', /plugin "exp-garbage": answered render with \{"files":"everything"\}/],
      ['exp-hang', /plugin "exp-hang": no answer to render within 500 ms/],
      ['exp-throw', /plugin "exp-throw": render\(\) threw: template missing/],
      ['exp-crash', /plugin "exp-crash": the program exited with code 3/],
    ];
    for (const [name, message] of cases) {
      const out = path.join(home, `out-${name}`);
      const r = await cli(home, ['export', name, '-f', file, '-o', out]);
      expect(r.code, name).not.toBe(0);
      expect(r.stderr, name).toMatch(message);
      expect(existsSync(out), name).toBe(false);
    }
    expect(existsSync(path.join(home, 'escaped.txt'))).toBe(false);
    expect(existsSync('/tmp/sentinel-exporter-absolute.txt')).toBe(false);
    expect(alive(daemonPid!)).toBe(true);
  });

  it('an unknown format lists the built-in formats and the exporter plugins; another kind is refused', async () => {
    const r = await cli(home, ['export', 'helm', '-f', path.join(home, 'exp.yaml'), '-o', path.join(home, 'out-helm')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('Error: export "helm": expected systemd, kubernetes, nomad or compose, or an exporter plugin in daemon.yaml (exp, exp-escape, exp-absolute, exp-garbage, exp-hang, exp-throw, exp-crash)\n');
    const typo = await cli(home, ['export', 'exp-hnag', '-f', path.join(home, 'exp.yaml')]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('did you mean "exp-hang"?');
    const kind = await cli(home, ['export', 'scaler', '-f', path.join(home, 'exp.yaml')]);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toContain('plugin "scaler" is not an exporter plugin (it serves scaling)');
    const bad = await cli(home, ['export', '../x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected a format (systemd, kubernetes, nomad, compose) or the name of an exporter plugin declared in daemon.yaml');
    expect(readdirSync(home).filter((f) => f.startsWith('out-helm'))).toEqual([]);
  });
});
