// The Prometheus exposition of a snapshot, through prom-client and a private Registry (nothing global, so
// two daemons in one test process, or a library user's own registry, never mix). prom-client is loaded on
// the first call only: a daemon nobody scrapes never pays for it.
import type { MetricsSnapshot } from './snapshot.js';
import { RUN_RESULTS } from './snapshot.js';
import { STATES } from '../core/states.js';

export interface Rendered {
  contentType: string;
  body: string;
}

export interface Exposition {
  render(snapshot: MetricsSnapshot): Promise<Rendered>;
}

/**
 * Not "instance": Prometheus gives every scraped series an `instance` label (the target's host:port) and
 * renames a clashing one to `exported_instance`; `honor_labels` would instead lose which daemon it came from.
 */
export const INSTANCE_LABEL = 'instance_index';
const PROCESS_LABELS = ['name', INSTANCE_LABEL, 'group'] as const;
const HEALTH = ['healthy', 'unhealthy', 'unknown'] as const;
const LINT_FAILURES = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** Builds the registry (and the daemon's own default metrics, prefixed sentinel_daemon_). */
export async function createExposition(opts: { defaultMetrics?: boolean } = {}): Promise<Exposition> {
  const prom = await import('prom-client');
  const registry = new prom.Registry();
  if (opts.defaultMetrics !== false) {
    prom.collectDefaultMetrics({ register: registry, prefix: 'sentinel_daemon_' });
    // gauges that prom-client names like counters ("_total"): Prometheus's own lint (promtool) rejects them
    for (const name of LINT_FAILURES) registry.removeSingleMetric(`sentinel_daemon_${name}`);
  }
  const reg = [registry];
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new prom.Gauge<L>({ name, help, labelNames, registers: reg });
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new prom.Counter<L>({ name, help, labelNames, registers: reg });

  const m = {
    up: gauge('sentinel_process_up', '1 when the process is running (state "running"), else 0', PROCESS_LABELS),
    state: gauge('sentinel_process_state', 'The lifecycle state: 1 on the series whose state label is the current one, 0 on the others', [...PROCESS_LABELS, 'state']),
    restarts: counter('sentinel_process_restarts_total', 'Restarts of this instance (automatic and requested)', PROCESS_LABELS),
    cpu: counter('sentinel_process_cpu_seconds_total', 'CPU time (user + system) of the whole process tree in its current run; starts again at 0 on a restart', PROCESS_LABELS),
    memory: gauge('sentinel_process_memory_bytes', 'Resident memory (RSS) of the whole process tree', PROCESS_LABELS),
    fds: gauge('sentinel_process_open_fds', 'Open file descriptors of the whole process tree', PROCESS_LABELS),
    start: gauge('sentinel_process_start_time_seconds', 'Unix time the current run started', PROCESS_LABELS),
    health: gauge('sentinel_process_health', 'The liveness check: 1 on the series whose status label is the current one (processes with a liveness check only)', [...PROCESS_LABELS, 'status']),
    runs: counter('sentinel_schedule_runs_total', 'Schedule runs that ended since the daemon started, by result', ['schedule', 'result']),
    lastDuration: gauge('sentinel_schedule_last_duration_seconds', 'How long the last run of the schedule took', ['schedule']),
    lastRun: gauge('sentinel_schedule_last_run_timestamp_seconds', 'Unix time the last run of the schedule ended', ['schedule']),
  };
  const all = Object.values(m);

  // one render at a time: a second scrape must not reset the values while the first is being written out
  let queue: Promise<unknown> = Promise.resolve();
  return {
    render(s) {
      const next = queue.then(() => renderNow(s));
      queue = next.catch(() => undefined);
      return next;
    },
  };

  async function renderNow(s: MetricsSnapshot): Promise<Rendered> {
      for (const metric of all) metric.reset();
      for (const p of s.processes) {
        const l = { name: p.name, [INSTANCE_LABEL]: String(p.instance), group: p.group ?? '' };
        m.up.set(l, p.state === 'running' ? 1 : 0);
        for (const state of STATES) m.state.set({ ...l, state }, state === p.state ? 1 : 0);
        m.restarts.inc(l, p.restarts);
        if (p.cpuSeconds !== null) m.cpu.inc(l, p.cpuSeconds);
        if (p.memoryBytes !== null) m.memory.set(l, p.memoryBytes);
        if (p.openFds !== null) m.fds.set(l, p.openFds);
        if (p.startTimeSeconds !== null) m.start.set(l, p.startTimeSeconds);
        if (p.health !== null) for (const status of HEALTH) m.health.set({ ...l, status }, status === p.health ? 1 : 0);
      }
      for (const sch of s.schedules) {
        for (const result of new Set([...RUN_RESULTS, ...Object.keys(sch.runs)])) m.runs.inc({ schedule: sch.name, result }, sch.runs[result] ?? 0);
        if (sch.lastDurationSeconds !== null) m.lastDuration.set({ schedule: sch.name }, sch.lastDurationSeconds);
        if (sch.lastRunSeconds !== null) m.lastRun.set({ schedule: sch.name }, sch.lastRunSeconds);
      }
      return { contentType: registry.contentType, body: await registry.metrics() };
  }
}
