// Plugins through a real daemon: the shipped Python health check (exec form) watches a real server and the
// shipped JS notifier (an npm package under SENTINEL_HOME/node_modules) writes what happened; plugins that
// crash, hang or answer garbage are isolated (a failed check, an event, a restart) while the daemon goes on.
import { mkdirSync, readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, cleanupHome, cli, cliJson, FIXTURES, readPid, ROOT, tempHome, waitFor } from '../helpers.js';

interface View { pid: number | null; status: string; health: string | null }
interface Plugin { name: string; form: string; kinds: string[]; state: string; restarts: number; pid: number | null; lastError: string | null }

const FAULTY = path.join(FIXTURES, 'plugins/exec-plugin.js');
const SERVER = path.join(FIXTURES, 'health/http-server.mjs');
let home: string;
let out: string;
const pluginPids = new Set<number>();

const status = async (n: string) => (await cliJson<{ process: View }>(home, ['status', n])).process;
const plugins = async () => {
  const list = (await cliJson<{ plugins: Plugin[] }>(home, ['plugin', 'list'])).plugins;
  for (const p of list) if (p.pid) pluginPids.add(p.pid);
  return Object.fromEntries(list.map((p) => [p.name, p]));
};
const notified = (): Array<{ plugin: string; event: string; process: string; reason: string }> =>
  existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];

beforeAll(() => {
  home = tempHome('sn-plg-');
  out = path.join(home, 'notifications.jsonl');
  // "npm install --prefix $SENTINEL_HOME sentinel-notify-file", without a registry
  mkdirSync(path.join(home, 'node_modules'));
  symlinkSync(path.join(ROOT, 'examples/plugins/sentinel-notify-file'), path.join(home, 'node_modules/sentinel-notify-file'));
  const node = JSON.stringify(process.execPath);
  writeFileSync(path.join(home, 'daemon.yaml'), `plugins:
  - name: file
    module: sentinel-notify-file
    options: {file: ${out}}
  - name: py
    command: [python3, ${path.join(ROOT, 'examples/plugins/http_health.py')}]
    kinds: [health]
  - {name: crashy, command: [${node}, ${FAULTY}], kinds: [health], env: {PLUGIN_MODE: crash}}
  - {name: hangy, command: [${node}, ${FAULTY}], kinds: [health], env: {PLUGIN_MODE: hang}}
  - {name: noisy, command: [${node}, ${FAULTY}], kinds: [health], env: {PLUGIN_MODE: garbage}}
`);
});
afterAll(async () => {
  await cleanupHome(home, [...pluginPids]);
});

describe('plugins in a running daemon', () => {
  it('a Python health check and a JS notifier see a server go unhealthy and recover', async () => {
    writeFileSync(path.join(home, 'web.yaml'), `processes:
  web:
    command: exec ${process.execPath} ${SERVER} $PORT
    port: auto
    health: {plugin: py, options: {path: /, timeout_seconds: 0.5}, interval: 300ms, timeout: 3s, failure_threshold: 2, action: notify}
    notify: {plugins: [file]}
`);
    const up = await cli(home, ['up', '-f', path.join(home, 'web.yaml')]);
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    const ok = await waitFor(async () => (await status('web')).health === 'healthy', 20_000, 200);
    if (!ok) console.log((await cli(home, ['events', '-n', '30'])).stdout, readFileSync(path.join(home, 'daemon.log'), 'utf8'));
    expect(ok).toBe(true);
    const p = await plugins();
    expect(p.py).toMatchObject({ form: 'exec', kinds: ['health'], state: 'ready', restarts: 0, lastError: null });
    expect(p.file).toMatchObject({ form: 'module', kinds: ['notifier'], state: 'ready' });
    const web = await status('web');
    process.kill(web.pid!, 'SIGUSR1'); // requests hang: the Python check times out
    expect(await waitFor(async () => (await status('web')).health === 'unhealthy', 20_000, 200)).toBe(true);
    expect(await waitFor(() => notified().some((n) => n.event === 'unhealthy'), 10_000)).toBe(true);
    const bad = notified().find((n) => n.event === 'unhealthy')!;
    expect(bad).toMatchObject({ plugin: 'file', process: 'web' });
    expect(bad.reason).toMatch(/timed out/);
    process.kill(web.pid!, 'SIGUSR2');
    expect(await waitFor(() => notified().some((n) => n.event === 'recovered'), 20_000, 200)).toBe(true);
    expect((await status('web')).pid).toBe(web.pid); // action: notify never restarted it
  });

  it('plugins that crash, hang or answer garbage fail their checks, are events, and the daemon goes on', async () => {
    const daemonPid = readPid(path.join(home, 'daemon.pid'));
    writeFileSync(path.join(home, 'faulty.yaml'), `processes:
  c1: {command: sleep 300, health: {plugin: crashy, interval: 300ms, timeout: 1s, failure_threshold: 1, action: notify}}
  h1: {command: sleep 301, health: {plugin: hangy, interval: 300ms, timeout: 500ms, failure_threshold: 1, action: notify}}
  g1: {command: sleep 302, health: {plugin: noisy, interval: 300ms, timeout: 500ms, failure_threshold: 1, action: notify}}
`);
    const up = await cli(home, ['up', '-f', path.join(home, 'faulty.yaml')]);
    expect(up.code).toBe(0);
    for (const n of ['c1', 'h1', 'g1']) expect(await waitFor(async () => (await status(n)).health === 'unhealthy', 20_000, 200), n).toBe(true);
    expect(await waitFor(async () => {
      const p = await plugins();
      return p.crashy.restarts >= 1 && p.hangy.restarts >= 1 && p.noisy.lastError !== null;
    }, 20_000, 300)).toBe(true);
    const p = await plugins();
    expect(p.crashy.lastError).toMatch(/exited with code 3; last stderr: about to crash; restarting|no answer|is restarting/);
    expect(p.hangy.lastError).toMatch(/no answer to check within 500 ms|killed by SIGKILL/);
    expect(p.noisy.lastError).toMatch(/not JSON|no answer to check|killed by SIGKILL/);
    const events = await cliJson<{ events: Array<{ kind: string; reason: string }> }>(home, ['events', '-n', '500']);
    const kinds = new Set(events.events.map((e) => e.kind));
    for (const k of ['plugin-started', 'plugin-crashed', 'plugin-timeout', 'plugin-garbage']) expect(kinds, k).toContain(k);
    expect(events.events.find((e) => e.kind === 'plugin-crashed')?.reason).toContain('plugin crashy: crashed: exited with code 3');
    // the daemon never went down, and the healthy plugin and its process are untouched
    expect(readPid(path.join(home, 'daemon.pid'))).toBe(daemonPid);
    expect(alive(daemonPid!)).toBe(true);
    expect((await status('web')).health).toBe('healthy');
    expect((await plugins()).py.restarts).toBe(0);
  });

  it('a process naming an undeclared plugin, or one of the wrong kind, is refused and nothing starts', async () => {
    writeFileSync(path.join(home, 'bad.yaml'), `processes:
  b1: {command: sleep 300, health: {plugin: ghost}}
  b2: {command: sleep 300, notify: {plugins: [py]}}
`);
    const r = await cli(home, ['up', '-f', path.join(home, 'bad.yaml')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('process "b1": health.plugin: no plugin named "ghost" in daemon.yaml (declared: file, py, crashy, hangy, noisy)');
    expect(r.stderr).toContain('process "b2": notify.plugins: plugin "py" is not a notifier plugin (it serves health)');
    const list = await cliJson<{ processes: Array<{ name: string }> }>(home, ['list']);
    expect(list.processes.map((x) => x.name)).not.toContain('b1');
    expect(list.processes.map((x) => x.name)).not.toContain('b2');
    const opts = await cli(home, ['config', 'validate', '-f', path.join(home, 'bad.yaml')]);
    expect(opts.code).not.toBe(0);
  });

  it('sentinel run takes --health-plugin and --notify-plugin; an unknown or wrong-kind plugin is refused before anything starts', async () => {
    const ghost = await cli(home, ['run', '--name', 'r1', '--health-plugin', 'ghost', '--', 'sleep', '300']);
    expect(ghost.code).toBe(2);
    expect(ghost.stderr).toBe('Error: --health-plugin: no plugin named "ghost" in daemon.yaml (declared: file, py, crashy, hangy, noisy); add it under "plugins:" and restart the daemon\n');
    const kind = await cli(home, ['run', '--name', 'r2', '--notify-plugin', 'py', '--', 'sleep', '300']);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toContain('--notify-plugin: plugin "py" is not a notifier plugin (it serves health)');
    const tune = await cli(home, ['run', '--name', 'r4', '--health-plugin', 'bad name!', '--', 'sleep', '300']);
    expect(tune.code).toBe(2);
    expect(tune.stderr).toContain('--health-plugin: expected the name of a plugin in daemon.yaml');
    const names = (await cliJson<{ processes: Array<{ name: string }> }>(home, ['list'])).processes.map((x) => x.name);
    for (const n of ['r1', 'r2', 'r4']) expect(names).not.toContain(n);
    const ok = await cli(home, ['run', '--name', 'r3', '--port', 'auto', '--health-plugin', 'py', '--health-interval', '300ms', '--notify-plugin', 'file', `exec ${process.execPath} ${SERVER} $PORT`]);
    expect(ok.stderr).toBe('');
    expect(await waitFor(async () => (await status('r3')).health === 'healthy', 20_000, 200)).toBe(true);
    // its crash goes to the notifier plugin it named
    process.kill((await status('r3')).pid!, 'SIGKILL');
    expect(await waitFor(() => notified().some((n) => n.process === 'r3' && n.event === 'crash'), 10_000)).toBe(true);
  });

  it('stopping the daemon ends every plugin program', async () => {
    const before = await plugins();
    const pids = Object.values(before).map((p) => p.pid).filter((p): p is number => p !== null);
    expect(pids.length).toBeGreaterThanOrEqual(1);
    const stop = await cli(home, ['daemon', 'stop']);
    expect(stop.code).toBe(0);
    for (const pid of pids) expect(await waitFor(() => !alive(pid), 10_000), String(pid)).toBe(true);
  });
});

describe('a bad plugins: key', () => {
  it('stops the daemon from starting, saying which key is wrong', async () => {
    const h = tempHome('sn-plb-');
    try {
      writeFileSync(path.join(h, 'daemon.yaml'), 'plugins:\n  - {name: a, command: ./x}\n');
      const r = await cli(h, ['list']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('daemon.yaml is not valid: plugins.0.kinds: an exec plugin needs "kinds", e.g. kinds: [health]');
    } finally {
      await cleanupHome(h);
    }
  });
});
