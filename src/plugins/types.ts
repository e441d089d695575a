// The plugin API: what a plugin is, the kinds it may be, and the hook each kind answers. A plugin is
// either a JS module (an npm package or a file, loaded in the daemon with import()) or a program of
// any language speaking JSON lines over stdin/stdout (exec-protocol.ts). Both answer the same methods
// with the same shapes, so a plugin can move from one form to the other without its users noticing.
import type { NotifyPayload } from '../notify/types.js';

/** Bumped when a method or a shape changes incompatibly; a plugin names the version it was written for. */
export const PLUGIN_API_VERSION = 1;

export const PLUGIN_KINDS = ['notifier', 'health', 'scaling', 'runtime', 'exporter'] as const;
export type PluginKind = (typeof PLUGIN_KINDS)[number];

/**
 * The method of each kind, and who calls it: notify — the notifier (every event sent to a process's
 * notify.plugins); check — the health monitor (health.plugin); decide — the autoscaler (scale.policy.plugin);
 * wrap — the supervisor before each spawn (wrap.plugin); render — `sentinel export PLUGIN`.
 */
export const KIND_METHOD: Record<PluginKind, string> = {
  notifier: 'notify',
  health: 'check',
  scaling: 'decide',
  runtime: 'wrap',
  exporter: 'render',
};

/** notifier → `notify`: one notification (the webhook body). Resolve (or answer `{}`) when delivered; throw or answer an error when not. */
export interface NotifyRequest extends NotifyPayload {
  /** The plugin's `options` from daemon.yaml. */
  options: Record<string, unknown>;
}

/** health → `check`: is this running process healthy? Called every `interval`, bounded by `timeout`. */
export interface CheckRequest {
  process: string;
  pid: number | null;
  /** The process's port, when it has one. */
  port: number | null;
  /** The process's `health.options` merged over the plugin's `options`. */
  options: Record<string, unknown>;
}
export interface CheckResult {
  ok: boolean;
  /** One line saying what was seen; shown in events and notifications. */
  detail?: string;
}

/** scaling → `decide`: how many instances a process should run now (a pure decision: state in, number and reason out). */
export interface DecideRequest {
  process: string;
  instances: number;
  /** The process's scale.min and scale.max: the answer is clamped to them. */
  min: number;
  max: number;
  /** Recent samples per instance, as the metrics history holds them. */
  metrics: Array<{ instance: number; cpuPercent: number | null; rssBytes: number | null }>;
  options: Record<string, unknown>;
  /** Epoch ms. */
  now: number;
}
export interface DecideResult {
  /** The wanted count (a whole number ≥ 0); clamped to min..max, and held by the cooldown, as a command policy's. */
  instances: number;
  /** One line saying why; shown in the scale event. */
  reason?: string;
}

/**
 * runtime → `wrap`: the argv, environment and cwd to exec instead of the process's own, asked before each
 * spawn. `env` holds secrets as ${secret:NAME} references (resolved after the wrap, into the child only):
 * keep them in the answer's env for the child to get them.
 */
export interface WrapRequest {
  /** The instance ("web", or "web:2"). */
  process: string;
  /** What would run: a shell command is ["/bin/sh", "-c", COMMAND]. */
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  /** The process's wrap.options over the plugin's own. */
  options: Record<string, unknown>;
}
export interface WrapResult {
  /** A non-empty list of strings; argv[0] is found in the answer's PATH. */
  argv: string[];
  /** The whole environment (default: the request's). */
  env?: Record<string, string>;
  /** An existing directory (default: the request's). */
  cwd?: string;
}

/**
 * exporter → `render`: files describing the processes for another system, and what could not be carried.
 * Each spec is the stored one (from the daemon, or a config file read as `config validate` does), with
 * secrets as ${secret:NAME} references, never their values.
 */
export interface RenderRequest {
  processes: Array<{ name: string; spec: Record<string, unknown> }>;
  options: Record<string, unknown>;
}
export interface RenderResult {
  /** Paths relative to the output directory (no absolute path, no ".." out of it). */
  files: Array<{ path: string; content: string }>;
  /** Printed to stderr by the CLI. */
  warnings?: string[];
}

export interface PluginHooks {
  notify?(req: NotifyRequest): unknown;
  check?(req: CheckRequest): CheckResult | Promise<CheckResult>;
  decide?(req: DecideRequest): DecideResult | Promise<DecideResult>;
  wrap?(req: WrapRequest): WrapResult | Promise<WrapResult>;
  render?(req: RenderRequest): RenderResult | Promise<RenderResult>;
  /** Called once when the daemon stops or the plugin is replaced. */
  close?(): unknown;
}

/**
 * What a JS plugin module exports:
 *   export const apiVersion = 1;
 *   export const kinds = ['notifier'];
 *   export function create(options, context) { return { notify(req) { ... } }; }
 */
export interface PluginModule {
  apiVersion: number;
  kinds: PluginKind[];
  create(options: Record<string, unknown>, context: PluginContext): PluginHooks | Promise<PluginHooks>;
}

export interface PluginContext {
  /** The plugin's name in daemon.yaml. */
  name: string;
  /** SENTINEL_HOME. */
  home: string;
  /** Writes one line to the daemon's log. */
  log(message: string): void;
}

/** What went wrong with a plugin; each is written to the event log and the daemon's log. */
export type PluginEventKind = 'started' | 'crashed' | 'timeout' | 'garbage' | 'failed' | 'incompatible' | 'error';

export interface PluginEvent {
  plugin: string;
  kind: PluginEventKind;
  message: string;
}

export type PluginState = 'starting' | 'ready' | 'backoff' | 'disabled' | 'stopped';

export interface PluginStatus {
  name: string;
  form: 'module' | 'exec';
  kinds: PluginKind[];
  state: PluginState;
  /** Times the program was started again after a crash or a hang (exec form). */
  restarts: number;
  pid: number | null;
  lastError: string | null;
}
