// The exec protocol against real child processes: request/response by id, the hello version check, and
// isolation of a plugin that crashes, hangs or answers garbage (each an event; the host goes on).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createExecPlugin, type ExecPlugin } from '../../src/plugins/exec-protocol.js';
import type { PluginEvent } from '../../src/plugins/types.js';
import { alive, FIXTURES, tempHome, waitFor } from '../helpers.js';

const PLUGIN = path.join(FIXTURES, 'plugins/exec-plugin.js');
const open: ExecPlugin[] = [];
const dirs: string[] = [];

function make(mode: string, extra: { timeoutMs?: number; backoffMs?: number; env?: Record<string, string> } = {}) {
  const dir = tempHome('sn-plug-');
  dirs.push(dir);
  const pids = path.join(dir, 'pids');
  writeFileSync(pids, '');
  const events: PluginEvent[] = [];
  const plugin = createExecPlugin({
    name: 'p', argv: [process.execPath, PLUGIN], hello: { name: 'p', kinds: ['health'], options: {} }, apiVersion: 1,
    timeoutMs: extra.timeoutMs ?? 2000, backoffMs: extra.backoffMs ?? 50,
    env: { ...process.env, PLUGIN_MODE: mode, PLUGIN_PIDS: pids, ...extra.env },
    onEvent: (e) => events.push(e),
  });
  open.push(plugin);
  const started = () => readFileSync(pids, 'utf8').split('\n').filter(Boolean).map(Number);
  return { plugin, events, started, dir };
}

afterEach(async () => {
  for (const p of open.splice(0)) await p.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('exec protocol', () => {
  it('starts once, keeps the program alive and matches answers to requests by id', async () => {
    const { plugin, started, events } = make('ok');
    const answers = await Promise.all([1, 2, 3].map((n) => plugin.call('echo', { n })));
    expect(answers).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(await plugin.call('check', { process: 'web' })).toEqual({ ok: true, detail: 'checked web' });
    expect(started()).toHaveLength(1);
    expect(plugin.state()).toBe('ready');
    expect(events.map((e) => e.kind)).toEqual(['started']);
  });

  it('an error answer rejects that call only, with the plugin\'s message', async () => {
    const { plugin } = make('fail');
    await expect(plugin.call('check', {})).rejects.toThrow('plugin "p": check failed: database unreachable');
    expect(await plugin.call('echo', { still: 'alive' })).toEqual({ still: 'alive' });
  });

  it('a crash rejects the pending call, is an event with the last stderr line, and the program is restarted', async () => {
    const { plugin, started, events, dir } = make('crash-once', { env: { PLUGIN_MARKER: path.join(tempHome('sn-mark-'), 'm') } });
    dirs.push(dir);
    await expect(plugin.call('check', {})).rejects.toThrow('plugin "p": the program exited with code 3');
    const crash = events.find((e) => e.kind === 'crashed');
    expect(crash?.message).toContain('exited with code 3; last stderr: about to crash');
    // during the backoff a call fails at once, saying why
    if (plugin.state() === 'backoff') await expect(plugin.call('check', {})).rejects.toThrow(/is restarting after a failure/);
    expect(await waitFor(() => plugin.state() === 'ready', 5000)).toBe(true);
    expect(await plugin.call('check', { process: 'again' })).toEqual({ ok: true, detail: 'checked again' });
    expect(started()).toHaveLength(2);
    expect(plugin.restarts()).toBe(1);
  });

  it('a hung program times the call out, and its process is killed and replaced', async () => {
    const { plugin, started, events } = make('hang', { timeoutMs: 300 });
    await plugin.start();
    const first = started()[0];
    await expect(plugin.call('check', {})).rejects.toThrow('no answer to check within 300 ms');
    expect(events.some((e) => e.kind === 'timeout')).toBe(true);
    expect(await waitFor(() => !alive(first), 5000)).toBe(true);
    expect(await waitFor(() => started().length === 2 && plugin.state() === 'ready', 5000)).toBe(true);
    expect(await plugin.call('echo', { x: 1 })).toEqual({ x: 1 });
  });

  it('garbage on stdout is an event and is dropped; the call it should have answered times out', async () => {
    const { plugin, events } = make('garbage', { timeoutMs: 300 });
    await plugin.start();
    await expect(plugin.call('check', {})).rejects.toThrow('no answer to check within 300 ms');
    expect(events.find((e) => e.kind === 'garbage')?.message).toContain('"this is not json"');
  });

  it('refuses a program that speaks another API version, and does not restart it', async () => {
    const { plugin, started, events } = make('old-version');
    await expect(plugin.call('check', {})).rejects.toThrow('speaks plugin API version 0, this daemon speaks 1');
    expect(plugin.state()).toBe('disabled');
    expect(events.map((e) => e.kind)).toContain('incompatible');
    await expect(plugin.call('check', {})).rejects.toThrow(/is disabled/);
    await new Promise((r) => setTimeout(r, 200));
    expect(started()).toHaveLength(1);
    expect(await waitFor(() => !alive(started()[0]), 3000)).toBe(true);
  });

  it('a program that cannot be started is an event, not a throw out of the host', async () => {
    const events: PluginEvent[] = [];
    const plugin = createExecPlugin({
      name: 'missing', argv: ['/nonexistent/plugin'], hello: {}, apiVersion: 1, timeoutMs: 1000, backoffMs: 10_000, onEvent: (e) => events.push(e),
    });
    open.push(plugin);
    await expect(plugin.call('check', {})).rejects.toThrow('plugin "missing": could not start: spawn /nonexistent/plugin ENOENT');
    expect(events[0]).toMatchObject({ plugin: 'missing', kind: 'failed' });
    expect(plugin.state()).toBe('backoff');
  });

  it('close ends the program', async () => {
    const { plugin, started } = make('ok');
    await plugin.start();
    const pid = started()[0];
    await plugin.close();
    expect(await waitFor(() => !alive(pid), 3000)).toBe(true);
    await expect(plugin.call('echo', {})).rejects.toThrow(/is closed/);
  });
});

describe('exec protocol backoff', () => {
  it('a program that crashes on every call waits longer before each restart', async () => {
    const events: PluginEvent[] = [];
    const plugin = createExecPlugin({
      name: 'loop', argv: [process.execPath, PLUGIN], hello: {}, apiVersion: 1, timeoutMs: 2000, backoffMs: 100,
      env: { ...process.env, PLUGIN_MODE: 'crash' }, onEvent: (e) => events.push(e),
    });
    open.push(plugin);
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      expect(await waitFor(() => plugin.state() !== 'backoff', 10_000)).toBe(true);
      await expect(plugin.call('check', {})).rejects.toThrow(/exited with code 3/);
      expect(plugin.state()).toBe('backoff');
      const m = /next start in (\d+) ms/.exec(await plugin.call('check', {}).then(() => '', (e: Error) => e.message));
      delays.push(Number(m?.[1]));
    }
    // 100 ms, then 200, then 400 (minus the moments between the crash and the question)
    expect(delays[0]).toBeLessThanOrEqual(100);
    expect(delays[1]).toBeGreaterThan(100);
    expect(delays[2]).toBeGreaterThan(200);
    expect(events.filter((e) => e.kind === 'crashed')).toHaveLength(3);
  });
});
