// The plugin host: daemon.yaml's plugins: key, JS modules found by package name with their apiVersion
// checked, calls by kind with timeouts, and the Python example plugin over the exec protocol.
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadDaemonSettings } from '../../src/daemon/settings.js';
import { createPluginHost, type PluginHost } from '../../src/plugins/host.js';
import { pluginRefProblems } from '../../src/plugins/check-refs.js';
import type { PluginEvent } from '../../src/plugins/types.js';
import { ROOT, tempHome } from '../helpers.js';

const homes: string[] = [];
const hosts: PluginHost[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.close();
  for (const d of homes.splice(0)) rmSync(d, { recursive: true, force: true });
});

function home(yaml?: string): string {
  const h = tempHome('sn-ph-');
  homes.push(h);
  if (yaml !== undefined) writeFileSync(path.join(h, 'daemon.yaml'), yaml);
  return h;
}

async function hostFor(h: string): Promise<{ host: PluginHost; events: PluginEvent[] }> {
  const events: PluginEvent[] = [];
  const host = createPluginHost({ home: h, plugins: (await loadDaemonSettings(h)).plugins, onEvent: (e) => events.push(e), log: () => undefined });
  hosts.push(host);
  return { host, events };
}

function writeModule(dir: string, name: string, body: string): string {
  const pkg = path.join(dir, 'node_modules', name);
  mkdirSync(pkg, { recursive: true });
  writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name, type: 'module', exports: { '.': { import: './main.js' } } }));
  writeFileSync(path.join(pkg, 'main.js'), body);
  return pkg;
}

describe('daemon.yaml plugins:', () => {
  it('reads both forms, a bare package name, kinds, timeout and options', async () => {
    const h = home('plugins:\n  - sentinel-notify-file\n  - {name: py, command: [python3, /x.py], kinds: [health], timeout: 2s, options: {a: 1}}\n');
    const s = (await loadDaemonSettings(h)).plugins;
    expect(s[0]).toMatchObject({ name: 'sentinel-notify-file', module: 'sentinel-notify-file', timeout: 5000, options: {} });
    expect(s[1]).toMatchObject({ name: 'py', command: ['python3', '/x.py'], kinds: ['health'], timeout: 2000, options: { a: 1 } });
  });

  it.each([
    ['plugins:\n  - {name: a}\n', 'give either "module"'],
    ['plugins:\n  - {name: a, module: x, command: y}\n', 'give either "module"'],
    ['plugins:\n  - {name: a, command: ./p}\n', 'plugins.0.kinds: an exec plugin needs "kinds"'],
    ['plugins:\n  - {name: a, command: p, kinds: [pager]}\n', 'plugins.0.kinds.0'],
    ['plugins:\n  - {name: a, module: x}\n  - {name: a, module: y}\n', 'two plugins have the same name'],
    ['plugins:\n  - {name: "bad name", module: x}\n', 'a plugin name is letters'],
    ['plugins:\n  - {name: a, module: ./rel/plugin.js}\n', 'path "./rel/plugin.js" must be absolute'],
    ['plugins:\n  - {name: a, module: x, timeout: soon}\n', 'plugins.0.timeout'],
    ['plugins:\n  - {name: a, module: x, colour: red}\n', 'colour'],
  ])('rejects %j, saying what is wrong', async (yaml, message) => {
    const h = home(yaml);
    await expect(loadDaemonSettings(h)).rejects.toThrow(message);
  });
});

describe('JS plugin modules', () => {
  it('loads a package from SENTINEL_HOME/node_modules and calls its notify and check hooks', async () => {
    const h = home('plugins:\n  - {name: both, module: my-plugin, options: {greeting: hi}}\n');
    writeModule(h, 'my-plugin', `
      export const apiVersion = 1;
      export const kinds = ['notifier', 'health'];
      const seen = [];
      export function create(options) {
        return {
          notify(req) { seen.push(req); },
          check(req) { return { ok: seen.length > 0, detail: options.greeting + ' ' + req.process + ' ' + req.options.extra }; },
        };
      }`);
    const { host, events } = await hostFor(h);
    await host.start();
    expect(events).toEqual([{ plugin: 'both', kind: 'started', message: expect.stringContaining('node_modules/my-plugin/main.js') }]);
    await host.notify('both', { event: 'crash', process: 'web', exitCode: 1, signal: null, reason: 'x', time: new Date(0).toISOString(), host: 'h' });
    expect(await host.check('both', { process: 'web', pid: 1, port: null, options: { extra: 'there' } })).toEqual({ ok: true, detail: 'hi web there' });
    expect(host.status()).toEqual([{ name: 'both', form: 'module', kinds: ['notifier', 'health'], state: 'ready', restarts: 0, pid: null, lastError: null }]);
  });

  it('refuses a module written for another API version, with how to fix it', async () => {
    const h = home('plugins:\n  - {name: old, module: old-plugin}\n');
    writeModule(h, 'old-plugin', 'export const apiVersion = 0; export const kinds = ["notifier"]; export function create() { return {}; }');
    const { host, events } = await hostFor(h);
    await host.start();
    expect(events[0]).toMatchObject({ kind: 'incompatible', message: expect.stringContaining('exports apiVersion 0, this daemon speaks 1') });
    await expect(host.notify('old', { event: 'test', process: 'p', exitCode: null, signal: null, reason: '', time: '', host: '' })).rejects.toThrow('apiVersion 0');
    expect(host.status()[0].state).toBe('disabled');
  });

  it('a package that is not installed says where it looked and how to install it', async () => {
    const h = home('plugins:\n  - {name: gone, module: not-installed-plugin}\n');
    const { host, events } = await hostFor(h);
    await host.start();
    expect(events[0].message).toContain(`package "not-installed-plugin" is not installed: run "npm install --prefix ${h} not-installed-plugin"`);
  });

  it('a hook that throws or hangs costs one call and an event; the next call still works', async () => {
    const h = home('plugins:\n  - {name: moody, module: moody-plugin, timeout: 300ms}\n');
    writeModule(h, 'moody-plugin', `
      export const apiVersion = 1;
      export const kinds = ['health'];
      let n = 0;
      export function create() {
        return { check() { n++; if (n === 1) throw new Error('boom'); if (n === 2) return new Promise(() => {}); if (n === 3) return 'garbage'; return { ok: true }; } };
      }`);
    const { host, events } = await hostFor(h);
    const req = { process: 'p', pid: null, port: null };
    await expect(host.check('moody', req)).rejects.toThrow('plugin "moody": check() threw: boom');
    await expect(host.check('moody', req)).rejects.toThrow('plugin "moody": no answer to check within 300 ms');
    await expect(host.check('moody', req)).rejects.toThrow('answered check with "garbage"; expected {"ok": true|false');
    expect(await host.check('moody', req)).toEqual({ ok: true });
    expect(events.map((e) => e.kind)).toEqual(['started', 'error', 'timeout', 'garbage']);
  });

  it('a call to an undeclared plugin, or of the wrong kind, says so', async () => {
    const h = home('plugins:\n  - {name: n, module: n-plugin}\n');
    writeModule(h, 'n-plugin', 'export const apiVersion = 1; export const kinds = ["notifier"]; export function create() { return { notify() {} }; }');
    const { host } = await hostFor(h);
    await host.start();
    await expect(host.check('nope', { process: 'p', pid: null, port: null })).rejects.toThrow('no plugin named "nope" in');
    await expect(host.check('n', { process: 'p', pid: null, port: null })).rejects.toThrow('plugin "n": is not a health plugin (it serves notifier)');
    const spec = { liveness: { kind: 'plugin' as const, target: 'n' }, notify: { enabled: true, webhooks: [], plugins: ['n', 'ghost'] } };
    expect(pluginRefProblems(spec, host)).toEqual([
      'health.plugin: plugin "n" is not a health plugin (it serves notifier)',
      'notify.plugins: no plugin named "ghost" in daemon.yaml (declared: n); add it under "plugins:" and restart the daemon',
    ]);
  });

  it('the shipped JS notifier appends each notification to its file', async () => {
    const out = path.join(home(), 'events.jsonl');
    const h = home(`plugins:\n  - {name: file, module: sentinel-notify-file, options: {file: ${out}}}\n`);
    mkdirSync(path.join(h, 'node_modules'));
    symlinkSync(path.join(ROOT, 'examples/plugins/sentinel-notify-file'), path.join(h, 'node_modules/sentinel-notify-file'));
    const { host } = await hostFor(h);
    await host.notify('file', { event: 'crash', process: 'web', exitCode: 2, signal: null, reason: 'exited 2', time: '2026-01-01T00:00:00.000Z', host: 'box' });
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({ plugin: 'file', event: 'crash', process: 'web', exitCode: 2, signal: null, reason: 'exited 2', time: '2026-01-01T00:00:00.000Z', host: 'box' });
  });

  it('the shipped JS notifier refuses options without an absolute file', async () => {
    const h = home(`plugins:\n  - {name: file, module: ${path.join(ROOT, 'examples/plugins/sentinel-notify-file')}, options: {file: relative.log}}\n`);
    const { host, events } = await hostFor(h);
    await host.start();
    expect(events[0]).toMatchObject({ kind: 'failed', message: 'plugin "file": create() failed: options.file must be an absolute path, got "relative.log"' });
  });
});

describe('the shipped Python health check (exec form)', () => {
  it('answers healthy for a 2xx with the expected body, unhealthy otherwise', async () => {
    let body = '{"status": "ok"}';
    const srv = http.createServer((_req, res) => res.writeHead(body ? 200 : 503).end(body));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as AddressInfo).port;
    try {
      const h = home(`plugins:\n  - {name: py, command: [python3, ${path.join(ROOT, 'examples/plugins/http_health.py')}], kinds: [health], options: {path: /health}}\n`);
      const { host, events } = await hostFor(h);
      const req = { process: 'web', pid: null, port };
      expect(await host.check('py', req)).toEqual({ ok: true, detail: `http://127.0.0.1:${port}/health answered 200` });
      expect(await host.check('py', { ...req, options: { expect: '"status": "ok"' } })).toMatchObject({ ok: true });
      expect(await host.check('py', { ...req, options: { expect: 'ready' } })).toEqual({ ok: false, detail: `http://127.0.0.1:${port}/health answered 200 without 'ready'` });
      body = '';
      expect(await host.check('py', req)).toEqual({ ok: false, detail: `http://127.0.0.1:${port}/health answered 503` });
      expect(await host.check('py', { ...req, port: null })).toEqual({ ok: false, detail: 'no port: give the process a port or options.port' });
      expect(host.status()[0]).toMatchObject({ form: 'exec', state: 'ready', restarts: 0 });
      expect(events.map((e) => e.kind)).toEqual(['started']);
    } finally {
      srv.close();
    }
  });
});
