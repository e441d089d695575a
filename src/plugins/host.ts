// The plugin host: builds every plugin daemon.yaml declares, calls their hooks by kind, and keeps what
// each one did (state, restarts, last error). A failing plugin costs its caller one failed call and an
// event, never the daemon: every call is bounded by the plugin's timeout and every throw is caught.
import path from 'node:path';
import { SentinelError } from '../core/errors.js';
import { createExecPlugin, type ExecPlugin } from './exec-protocol.js';
import { loadPluginModule, resolvePluginModule } from './js-module.js';
import type { PluginSetting } from './settings.js';
import { readCheck, readDecide, readRender, readWrap, type Read } from './answers.js';
import {
  KIND_METHOD, PLUGIN_API_VERSION,
  type CheckRequest, type CheckResult, type DecideRequest, type DecideResult, type NotifyRequest, type PluginEvent, type PluginHooks, type PluginKind,
  type PluginState, type PluginStatus, type RenderRequest, type RenderResult, type WrapRequest, type WrapResult,
} from './types.js';

/** A request without its options (the host adds the plugin's own), or with some to put over them. */
type Req<T extends { options: Record<string, unknown> }> = Omit<T, 'options'> & { options?: Record<string, unknown> };

export interface PluginHostOptions {
  home: string;
  plugins: PluginSetting[];
  onEvent(event: PluginEvent): void;
  log(message: string): void;
  /** Where package names are looked up (under each dir's node_modules); default SENTINEL_HOME. */
  searchDirs?: string[];
}

export interface PluginHost {
  names(): string[];
  /** The kinds a plugin serves, or null when daemon.yaml declares no such plugin. */
  kindsOf(name: string): PluginKind[] | null;
  /** Calls the hook of `kind` (notify, check, decide, wrap, render) and resolves with its answer. */
  call(name: string, kind: PluginKind, request: Record<string, unknown>, timeoutMs?: number): Promise<unknown>;
  notify(name: string, request: Omit<NotifyRequest, 'options'>): Promise<void>;
  check(name: string, request: Req<CheckRequest>, timeoutMs?: number): Promise<CheckResult>;
  /** The autoscaler's question; the answer is checked (a bad one is a `garbage` event and a rejection). */
  decide(name: string, request: Req<DecideRequest>, timeoutMs?: number): Promise<DecideResult>;
  /** The supervisor's question before a spawn; the answer is checked (argv, env, an existing cwd). */
  wrap(name: string, request: Req<WrapRequest>): Promise<WrapResult>;
  /** `sentinel export PLUGIN`; the answer is checked (relative paths inside the output directory). */
  render(name: string, request: Req<RenderRequest>): Promise<RenderResult>;
  status(): PluginStatus[];
  /** Starts (exec) or loads (module) every plugin; failures become events, never a rejection. */
  start(): Promise<void>;
  close(): Promise<void>;
}

interface Entry {
  setting: PluginSetting;
  kinds: PluginKind[];
  invoke(method: string, request: unknown, timeoutMs: number): Promise<unknown>;
  start(): Promise<void>;
  state(): PluginState;
  pid(): number | null;
  restarts(): number;
  lastError(): string | null;
  close(): Promise<void>;
}

function pluginError(name: string, message: string): SentinelError {
  return new SentinelError('PLUGIN_FAILED', `plugin "${name}": ${message}`);
}

function withTimeout<T>(name: string, method: string, work: Promise<T>, timeoutMs: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(pluginError(name, `no answer to ${method} within ${timeoutMs} ms`));
    }, timeoutMs);
    timer.unref();
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

function execEntry(s: PluginSetting, o: PluginHostOptions): Entry {
  const argv = typeof s.command === 'string' ? ['/bin/sh', '-c', s.command] : s.command!;
  const kinds = s.kinds!;
  const plugin: ExecPlugin = createExecPlugin({
    name: s.name,
    argv,
    cwd: s.cwd,
    env: { ...process.env, ...s.env, SENTINEL_PLUGIN_NAME: s.name, SENTINEL_HOME: o.home },
    hello: { name: s.name, kinds, options: s.options },
    apiVersion: PLUGIN_API_VERSION,
    timeoutMs: s.timeout,
    onEvent: o.onEvent,
    onStderr: (line) => o.log(`plugin ${s.name}: ${line}`),
  });
  return {
    setting: s,
    kinds,
    invoke: (method, request, timeoutMs) => plugin.call(method, request, timeoutMs),
    start: () => plugin.start(),
    state: plugin.state,
    pid: plugin.pid,
    restarts: plugin.restarts,
    lastError: plugin.lastError,
    close: plugin.close,
  };
}

function moduleEntry(s: PluginSetting, o: PluginHostOptions): Entry {
  let hooks: PluginHooks | null = null;
  let loading: Promise<void> | null = null;
  let state: PluginState = 'stopped';
  let lastError: string | null = null;
  const entry: Entry = {
    setting: s,
    kinds: s.kinds ?? [],
    start() {
      loading ??= (async () => {
        state = 'starting';
        try {
          const file = resolvePluginModule(s.name, s.module!, o.searchDirs ?? [o.home]);
          const loaded = await loadPluginModule(s.name, file, s.kinds ?? [], s.options, { name: s.name, home: o.home, log: (m) => o.log(`plugin ${s.name}: ${m}`) });
          hooks = loaded.hooks;
          entry.kinds = loaded.kinds;
          state = 'ready';
          o.onEvent({ plugin: s.name, kind: 'started', message: `loaded ${file}` });
        } catch (err) {
          state = 'disabled';
          lastError = (err as Error).message;
          o.onEvent({ plugin: s.name, kind: /apiVersion/.test(lastError) ? 'incompatible' : 'failed', message: lastError });
          throw err;
        }
      })();
      return loading;
    },
    async invoke(method, request, timeoutMs) {
      await entry.start();
      const fn = (hooks as Record<string, unknown> | null)?.[method];
      if (typeof fn !== 'function') throw pluginError(s.name, `has no ${method}() hook`);
      try {
        return await withTimeout(s.name, method, Promise.resolve().then(() => (fn as (r: unknown) => unknown).call(hooks, request)), timeoutMs, () => {
          lastError = `no answer to ${method} within ${timeoutMs} ms`;
          o.onEvent({ plugin: s.name, kind: 'timeout', message: lastError });
        });
      } catch (err) {
        if (err instanceof SentinelError && err.code === 'PLUGIN_FAILED') throw err;
        lastError = `${method}() threw: ${(err as Error)?.message ?? String(err)}`;
        o.onEvent({ plugin: s.name, kind: 'error', message: lastError });
        throw pluginError(s.name, lastError);
      }
    },
    state: () => state,
    pid: () => null,
    restarts: () => 0,
    lastError: () => lastError,
    async close() {
      const h = hooks;
      hooks = null;
      state = 'stopped';
      if (typeof h?.close === 'function') await withTimeout(s.name, 'close', Promise.resolve().then(() => h.close!()), 2000, () => undefined).catch(() => undefined);
    },
  };
  return entry;
}

export function createPluginHost(o: PluginHostOptions): PluginHost {
  const entries = new Map<string, Entry>(o.plugins.map((s) => [s.name, s.module !== undefined ? moduleEntry(s, o) : execEntry(s, o)]));

  function get(name: string, kind: PluginKind): Entry {
    const e = entries.get(name);
    if (!e) {
      const known = [...entries.keys()];
      throw new SentinelError('PLUGIN_FAILED', `no plugin named "${name}" in ${path.join(o.home, 'daemon.yaml')} (${known.length ? `declared: ${known.join(', ')}` : 'it declares none'}): add it under "plugins:" and restart the daemon`);
    }
    if (e.state() === 'ready' && e.kinds.length && !e.kinds.includes(kind)) throw pluginError(name, `is not a ${kind} plugin (it serves ${e.kinds.join(', ')})`);
    return e;
  }

  async function call(name: string, kind: PluginKind, request: Record<string, unknown>, timeoutMs?: number): Promise<unknown> {
    const e = get(name, kind);
    return e.invoke(KIND_METHOD[kind], { ...request, options: { ...e.setting.options, ...(request.options as object | undefined) } }, timeoutMs ?? e.setting.timeout);
  }

  /** Calls and checks the answer: one of the wrong shape is reported as `garbage` and rejected. */
  async function ask<T>(name: string, kind: PluginKind, request: object, read: (v: unknown) => Read<T>, timeoutMs?: number): Promise<T> {
    const answer = read(await call(name, kind, request as Record<string, unknown>, timeoutMs));
    if ('error' in answer) {
      o.onEvent({ plugin: name, kind: 'garbage', message: answer.error });
      throw pluginError(name, answer.error);
    }
    return answer.ok;
  }

  return {
    names: () => [...entries.keys()],
    kindsOf: (name) => entries.get(name)?.kinds ?? null,
    call,
    async notify(name, request) {
      await call(name, 'notifier', request as unknown as Record<string, unknown>);
    },
    check: (name, request, timeoutMs) => ask(name, 'health', request, readCheck, timeoutMs),
    decide: (name, request, timeoutMs) => ask(name, 'scaling', request, readDecide, timeoutMs),
    wrap: (name, request) => ask(name, 'runtime', request, readWrap),
    render: (name, request) => ask(name, 'exporter', request, readRender),
    status: () =>
      [...entries.values()].map((e) => ({
        name: e.setting.name,
        form: e.setting.module !== undefined ? 'module' : 'exec',
        kinds: e.kinds,
        state: e.state(),
        restarts: e.restarts(),
        pid: e.pid(),
        lastError: e.lastError(),
      })),
    async start() {
      await Promise.all([...entries.values()].map((e) => e.start().catch(() => undefined)));
    },
    async close() {
      await Promise.all([...entries.values()].map((e) => e.close().catch(() => undefined)));
    },
  };
}
