// Health of running processes: readiness gates at start, liveness checks while running, tree-wide
// memory/CPU thresholds, and notifications of crashes, failures and health changes.
import { SentinelError } from '../core/errors.js';
import { displayName, instanceKey, instancePort } from '../core/instances.js';
import type { Supervisor } from '../core/supervisor.js';
import type { ProcessRecord } from '../store/processes.js';
import type { Db } from '../store/db.js';
import { MetaRepo } from '../store/meta.js';
import { waitReady, type ReadinessSpec } from '../health/readiness.js';
import { createLivenessChecker, LIVENESS_DEFAULTS, type LivenessChecker, type LivenessSpec } from '../health/liveness.js';
import { createThresholdEvaluator, type ThresholdEvaluator } from '../health/thresholds.js';
import { sampleTrees } from '../metrics/proc-tree.js';
import { CpuTracker } from '../metrics/cpu-tracker.js';
import { createNotifier, type Notifier, type NotifyConfig, type ChannelSet } from '../notify/notifier.js';
import type { NotifyEvent, NotifyEventKind, NotifyPayload } from '../notify/types.js';
import type { PluginHost } from '../plugins/host.js';
import type { ProbeResult } from '../health/probe-net.js';
import { createCoalescer, DEFAULT_COALESCE_WINDOW_MS } from '../notify/coalesce.js';
import { parseDuration } from '../core/duration.js';
import { logPaths } from '../logs/paths.js';
import { lastLines } from '../logs/read.js';
import type { Logger } from './logger.js';
import { substitutePort } from './ops/health-params.js';

export const DEFAULT_STARTUP_TIMEOUT_MS = 30_000;

function statusRange(v: number | [number, number] | undefined): [number, number] | undefined {
  if (v === undefined) return undefined;
  return typeof v === 'number' ? [v, v] : v;
}

/** Turns a command check into the command that runs it where the process is (inside its container). */
export type ExecWhere = (rec: ProcessRecord, command: string) => string;
const onThisMachine: ExecWhere = (_rec, command) => command;

/** The readiness conditions of a process (config and CLI shapes), or null when it has none. */
export function readinessOf(rec: ProcessRecord, execWhere: ExecWhere = onThisMachine): { spec: ReadinessSpec; timeoutMs: number } | null {
  const s = rec.spec.readiness;
  if (!s) return null;
  // an instance's own port: the definition's, plus its index with port_mode per-instance
  const own = instancePort(rec);
  const port = s.waitPort === true ? own ?? undefined : s.waitPort;
  const spec: ReadinessSpec = {
    ...(port !== undefined ? { port } : {}),
    ...(s.waitHttp ? { http: { url: substitutePort(s.waitHttp.url, own), ...(s.waitHttp.expectStatus !== undefined ? { expectStatus: statusRange(s.waitHttp.expectStatus) } : {}) } } : {}),
    ...(s.waitLog !== undefined ? { log: s.waitLog } : {}),
    ...(s.waitExec !== undefined ? { exec: execWhere(rec, s.waitExec) } : {}),
  };
  if (Object.keys(spec).length === 0) return null;
  return { spec, timeoutMs: s.timeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS };
}

/** The liveness check of a process (config and CLI shapes), or null when it has none. */
export function livenessOf(rec: ProcessRecord, execWhere: ExecWhere = onThisMachine): LivenessSpec | null {
  const h = rec.spec.liveness;
  if (!h) return null;
  const target = substitutePort(h.target, instancePort(rec));
  return {
    kind: h.kind,
    target: h.kind === 'exec' ? execWhere(rec, target) : target,
    intervalMs: h.intervalMs ?? LIVENESS_DEFAULTS.intervalMs,
    timeoutMs: h.timeoutMs ?? LIVENESS_DEFAULTS.timeoutMs,
    failureThreshold: h.failureThreshold ?? LIVENESS_DEFAULTS.failureThreshold,
    successThreshold: h.successThreshold ?? LIVENESS_DEFAULTS.successThreshold,
    initialDelayMs: h.initialDelayMs ?? LIVENESS_DEFAULTS.initialDelayMs,
    action: h.action ?? LIVENESS_DEFAULTS.action,
    ...(h.options !== undefined ? { options: h.options } : {}),
    ...(h.expectStatus !== undefined ? { expectStatus: statusRange(h.expectStatus) } : {}),
    ...(h.send !== undefined ? { send: h.send } : {}),
  };
}

/**
 * SENTINEL_NOTIFY_WINDOW ("5m" by default, "0" for none): repeats of one kind for one process within it are
 * summarized. A malformed value throws (it was silently the default); the daemon's start checks it.
 */
export function notifyWindowFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const given = env.SENTINEL_NOTIFY_WINDOW;
  if (!given) return DEFAULT_COALESCE_WINDOW_MS;
  try {
    return parseDuration(given, 'SENTINEL_NOTIFY_WINDOW');
  } catch (err) {
    throw new SentinelError('INVALID_CONFIG', `${(err as Error).message}; unset it for the default of 5m`);
  }
}

export interface HealthMonitorOptions {
  supervisor: Supervisor;
  db: Db;
  logsDir: string;
  log: Logger;
  /** How often tree-wide memory and CPU are sampled for processes with thresholds. */
  sampleMs?: number;
  /** Notification coalescing window (default: notifyWindowFromEnv()). */
  notifyWindowMs?: number;
  /** Where command checks run (a container's inside its container); default: on this machine. */
  execWhere?: ExecWhere;
  /** Health and notifier plugins (daemon.yaml plugins:). */
  plugins?: PluginHost;
}

export interface HealthMonitor {
  notifier: Notifier;
  /** The global channels (webhooks, emails), as stored. */
  globalChannels(): ChannelSet;
  setGlobalChannels(channels: ChannelSet): void;
  notify(kind: NotifyEventKind, rec: ProcessRecord | null, reason: string, exit?: { exitCode: number | null; signal: string | null }): Promise<unknown>;
  close(): void;
}

export function createHealthMonitor(o: HealthMonitorOptions): HealthMonitor {
  const sup = o.supervisor;
  const checkers = new Map<number, LivenessChecker>();
  const evaluators = new Map<number, ThresholdEvaluator>();
  const cpu = new CpuTracker();
  const sampleMs = o.sampleMs ?? 3000;
  let sampleTimer: NodeJS.Timeout | undefined;
  const meta = new MetaRepo(o.db);

  const readGlobal = (): ChannelSet => {
    const stored = meta.get('notifications');
    return stored !== undefined ? (JSON.parse(stored) as ChannelSet) : {};
  };
  const notifyConfig = (): NotifyConfig => {
    const processes: NotifyConfig['processes'] = {};
    for (const rec of sup.list()) {
      const hooks = rec.spec.notify.webhooks;
      const plugins = rec.spec.notify.plugins ?? [];
      if (hooks?.length || plugins.length) processes[instanceKey(rec)] = { webhooks: hooks.map((url) => ({ url })), plugins };
    }
    return { global: readGlobal(), processes };
  };
  const notifier = createNotifier(notifyConfig(), {
    ...(o.plugins ? { sendPlugin: (name: string, payload: NotifyPayload) => o.plugins!.notify(name, payload) } : {}),
    onResult: (r) => {
      const rec = sup.find(r.process);
      const text = `${r.channel} ${r.target}: ${r.ok ? 'delivered' : `failed after ${r.attempts} attempts (${r.error ?? r.status})`}`;
      if (rec) sup.note(rec, 'notify', `${r.event} ${text}`);
      if (!r.ok) o.log.warn('NOTIFY_FAILED', `${r.event} for ${r.process}: ${text}`);
    },
  });

  const coalescer = createCoalescer({ windowMs: o.notifyWindowMs ?? notifyWindowFromEnv() });
  async function deliver(event: NotifyEvent) {
    // after the current turn: a crash's restart must not wait for building the channel list
    await new Promise((r) => setImmediate(r));
    notifier.setConfig(notifyConfig());
    return notifier.notify(event);
  }

  async function notify(kind: NotifyEventKind, rec: ProcessRecord | null, reason: string, exit?: { exitCode: number | null; signal: string | null }) {
    // `notify: false` on a process silences it on every channel
    if (rec && !rec.spec.notify.enabled) return [];
    const event: NotifyEvent = { event: kind, process: rec ? instanceKey(rec) : 'sentinel', reason, exitCode: exit?.exitCode ?? null, signal: exit?.signal ?? null };
    // repeats within the window are counted for one summary rather than sent one by one
    return (await coalescer.push(event, deliver)) ?? [];
  }

  // readiness: the supervisor keeps a process `starting` until this resolves
  sup.setReadinessGate((rec, isAlive, logOffsets) => {
    const r = readinessOf(rec, o.execWhere);
    if (!r) return null;
    let lastNote = 0;
    return waitReady(r.spec, {
      timeoutMs: r.timeoutMs,
      isAlive,
      logFiles: logPaths(o.logsDir, instanceKey(rec)),
      logOffsets,
      cwd: rec.spec.cwd,
      env: rec.spec.env,
      onProgress: (msg, elapsed, total) => {
        if (elapsed - lastNote < 1000) return;
        lastNote = elapsed;
        sup.note(rec, 'waiting', `${msg} — ${Math.round(elapsed / 1000)} s of ${Math.round(total / 1000)} s`);
        if (elapsed >= 10_000 && elapsed - 10_000 < 1000) o.log.info('SLOW_START', `${displayName(rec)}: still ${msg} after ${Math.round(elapsed / 1000)} s`);
      },
    }).then(
      () => undefined,
      async (err: SentinelError) => {
        const paths = logPaths(o.logsDir, instanceKey(rec));
        const [out, errLines] = await Promise.all([lastLines(paths.stdout, 5), lastLines(paths.stderr, 5)]);
        const tail = [...out.map((l) => `  [out] ${l}`), ...errLines.map((l) => `  [err] ${l}`)];
        throw new SentinelError(err.code ?? 'NOT_READY', `process "${displayName(rec)}" is not ready: ${err.message}${tail.length ? `\nlast log lines:\n${tail.join('\n')}` : ''}`);
      },
    );
  });

  function startChecker(rec: ProcessRecord): void {
    stopChecker(rec.id);
    const spec = livenessOf(rec, o.execWhere);
    if (!spec) return;
    const pid = rec.pid;
    const plugins = o.plugins;
    // a plugin check: the plugin answers; its failure (crash, hang, garbage) is a failed check, never the daemon's
    const probe = spec.kind === 'plugin'
      ? async (s: LivenessSpec): Promise<ProbeResult> => {
          const started = Date.now();
          if (!plugins) return { ok: false, detail: `no plugins are declared in daemon.yaml (health.plugin: ${s.target})`, durationMs: 0 };
          try {
            const r = await plugins.check(s.target, { process: instanceKey(rec), pid: rec.pid, port: rec.spec.port ?? null, ...(s.options ? { options: s.options } : {}) }, s.timeoutMs);
            return { ok: r.ok, detail: r.detail ?? (r.ok ? 'ok' : 'failed'), durationMs: Date.now() - started };
          } catch (err) {
            return { ok: false, detail: (err as Error).message, durationMs: Date.now() - started };
          }
        }
      : undefined;
    const checker = createLivenessChecker(spec, {
      onChange: (status, detail, previous) => {
        if (rec.pid !== pid || rec.state !== 'running') return;
        sup.setHealth(rec, status);
        sup.note(rec, status, `${spec.kind} check ${status}: ${detail}`);
        if (status === 'unhealthy') {
          void notify('unhealthy', rec, detail);
          if (spec.action === 'restart') {
            o.log.warn('UNHEALTHY_RESTART', `${displayName(rec)} is unhealthy (${detail}); restarting`);
            sup.restart(rec, 'health', { wait: false, reason: `unhealthy: ${detail}` }).catch((e: Error) => o.log.warn('RESTART_FAILED', `${displayName(rec)}: ${e.message}`));
          }
        } else if (status === 'healthy' && previous === 'unhealthy') {
          void notify('recovered', rec, detail);
        }
      },
    }, { pid: () => rec.pid, ...(probe ? { probe } : {}) });
    checkers.set(rec.id, checker);
    checker.start();
  }

  function stopChecker(id: number): void {
    checkers.get(id)?.stop();
    checkers.delete(id);
  }

  function thresholdTargets(): ProcessRecord[] {
    return sup.list().filter((r) => r.state === 'running' && r.pid && (r.spec.limits.maxMemoryBytes !== null || r.spec.limits.maxCpu !== null));
  }

  /** One /proc scan for every process with a threshold; breaches restart the process and say why. */
  function sampleThresholds(): void {
    const targets = thresholdTargets();
    if (targets.length === 0) {
      clearInterval(sampleTimer);
      sampleTimer = undefined;
      return;
    }
    const now = Date.now();
    const samples = sampleTrees(targets.map((r) => r.pid!));
    const percents = cpu.update(samples, now);
    for (const rec of targets) {
      const s = samples.get(rec.pid!);
      if (!s) continue;
      let ev = evaluators.get(rec.id);
      if (!ev) {
        const maxCpu = rec.spec.limits.maxCpu ?? undefined;
        ev = createThresholdEvaluator({
          maxMemoryBytes: rec.spec.limits.maxMemoryBytes ?? undefined,
          maxCpuPercent: maxCpu?.percent,
          cpuForMs: maxCpu?.forMs,
        });
        evaluators.set(rec.id, ev);
      }
      const result = ev.evaluate({ atMs: now, rssBytes: s.rssBytes, cpuPercent: percents.get(rec.pid!) });
      if (result.breach) {
        ev.reset();
        sup.note(rec, 'threshold', result.reason);
        o.log.warn('THRESHOLD_RESTART', `${displayName(rec)}: ${result.reason}; restarting`);
        void notify('crash', rec, `restarted: ${result.reason}`);
        sup.restart(rec, 'threshold', { wait: false, reason: result.reason }).catch((e: Error) => o.log.warn('RESTART_FAILED', `${displayName(rec)}: ${e.message}`));
      }
    }
  }

  function ensureSampling(): void {
    if (sampleTimer || thresholdTargets().length === 0) return;
    sampleTimer = setInterval(sampleThresholds, sampleMs);
    sampleTimer.unref();
  }

  sup.on('state', (ev: { processId: number | null; processName: string; kind: string; oldState: string | null; newState: string | null; exitCode: number | null; signal: string | null; reason: string | null; actor: string | null }) => {
    if (ev.processId === null) return;
    if (ev.kind === 'deleted') {
      stopChecker(ev.processId);
      evaluators.delete(ev.processId);
      return;
    }
    if (ev.kind !== 'state') return;
    const rec = sup.find(ev.processName);
    if (!rec) return;
    if (ev.newState === 'running') {
      startChecker(rec);
      evaluators.delete(rec.id);
      ensureSampling();
    } else if (ev.oldState === 'running') {
      stopChecker(rec.id);
      if (rec.health) sup.setHealth(rec, null);
    }
    const died = ev.actor === 'sentinel' && (ev.oldState === 'running' || ev.oldState === 'starting');
    if (died && ev.newState === 'failed') void notify('failed', rec, ev.reason ?? 'failed', ev);
    else if (died && (ev.newState === 'exited' || ev.newState === 'backoff') && (ev.exitCode !== 0 || ev.signal)) void notify('crash', rec, ev.reason ?? 'crashed', ev);
  });

  for (const rec of sup.list()) if (rec.state === 'running') startChecker(rec);
  ensureSampling();

  return {
    notifier,
    notify,
    globalChannels: readGlobal,
    setGlobalChannels(channels) {
      meta.set('notifications', JSON.stringify(channels));
      notifier.setConfig(notifyConfig());
    },
    close() {
      coalescer.close();
      for (const id of [...checkers.keys()]) stopChecker(id);
      clearInterval(sampleTimer);
    },
  };
}
