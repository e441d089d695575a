// The Prometheus exposition of a snapshot: Sentinel's own families written directly (text-format.ts), then
// the daemon's own process metrics from prom-client's default collectors in a private Registry (nothing
// global: two daemons in one test process, or a library user's registry, never mix). prom-client is loaded
// on the first call only: a daemon nobody scrapes never pays for it.
import { createRequire } from 'node:module';
import type { Registry } from 'prom-client';
import { LoopLag, loopLagMsOf } from './loop-lag.js';
import type { MetricsSnapshot } from './snapshot.js';
import { RUN_RESULTS } from './snapshot.js';
import { STATES } from '../core/states.js';
import { CONTENT_TYPE, Family, labelText } from './text-format.js';

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
const DAEMON_PREFIX = 'sentinel_daemon_';
const HEALTH = ['healthy', 'unhealthy', 'unknown'] as const;
/** Gauges that prom-client names like counters ("_total"): Prometheus's own lint (promtool) rejects them. */
const LINT_FAILURES = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/**
 * prom-client's default collectors, each its own module, all but the event-loop one (`eventLoopLag`: its
 * stddev and percentiles walk an HDR histogram, ~0.8 ms per scrape; loop-lag.ts gives the same gauges).
 * `collectDefaultMetrics` has no way to leave one out, so they are called one by one, as it does.
 */
const DEFAULT_COLLECTORS = ['processCpuTotal', 'processStartTime', 'osMemoryHeap', 'processOpenFileDescriptors', 'processMaxFileDescriptors', 'processResources', 'processHandles', 'processRequests', 'heapSizeAndUsed', 'heapSpacesSizeAndUsed', 'version', 'gc'];

type Collector = (registry: Registry, config: { prefix: string }) => void;

/** The daemon's own metrics, `sentinel_daemon_*`, in a private registry. */
async function daemonRegistry(): Promise<Registry> {
  const prom = await import('prom-client');
  const registry = new prom.Registry();
  const config = { prefix: DAEMON_PREFIX };
  const load = createRequire(import.meta.url);
  // the event-loop gauges first: a registry collects in order, and the first one sets the others
  const sampleMs = loopLagMsOf();
  const lag = new LoopLag(sampleMs);
  lag.start();
  const gauge = (name: string, help: string) => new prom.Gauge({ name: `${DAEMON_PREFIX}nodejs_eventloop_lag_${name}`, help, registers: [registry] });
  new prom.Gauge({
    name: `${DAEMON_PREFIX}nodejs_eventloop_lag_seconds`,
    help: `How late the event loop ran a timer due every ${sampleMs} ms, in seconds (the latest sample)`,
    registers: [registry],
    collect() {
      const f = lag.take();
      this.set(f.last);
      for (const key of LAG_FIGURES) figures[key].set(f[key]);
    },
  });
  const figures = {
    min: gauge('min_seconds', 'The least lateness of the event loop timer since the last scrape'),
    max: gauge('max_seconds', 'The greatest lateness of the event loop timer since the last scrape'),
    mean: gauge('mean_seconds', 'The mean lateness of the event loop timer since the last scrape'),
    stddev: gauge('stddev_seconds', 'The standard deviation of that lateness since the last scrape'),
    p50: gauge('p50_seconds', 'The median lateness of the event loop timer since the last scrape'),
    p90: gauge('p90_seconds', 'The 90th percentile of that lateness since the last scrape'),
    p99: gauge('p99_seconds', 'The 99th percentile of that lateness since the last scrape'),
  };
  for (const name of DEFAULT_COLLECTORS) {
    if (name === 'processResources' && typeof process.getActiveResourcesInfo !== 'function') continue;
    (load(`prom-client/lib/metrics/${name}`) as Collector)(registry, config);
  }
  for (const name of LINT_FAILURES) registry.removeSingleMetric(`${DAEMON_PREFIX}${name}`);
  return registry;
}

const LAG_FIGURES = ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99'] as const;

/** Builds the exposition; `defaultMetrics: false` leaves out the daemon's own metrics (and prom-client). */
export async function createExposition(opts: { defaultMetrics?: boolean } = {}): Promise<Exposition> {
  const registry = opts.defaultMetrics === false ? null : await daemonRegistry();
  // a fleet that did not change between two scrapes (idle processes: same states, ticks, memory, fds) has
  // the same text as the last one: it is handed out again instead of written anew (with 100 processes, a
  // fifth of a scrape's CPU in the daemon); the daemon's own metrics are always collected afresh
  let last: { snapshot: MetricsSnapshot; text: string } | null = null;
  return {
    async render(s) {
      const own = last && sameSnapshot(last.snapshot, s) ? last.text : renderSnapshot(s);
      last = { snapshot: s, text: own };
      return { contentType: CONTENT_TYPE, body: registry ? own + (await registry.metrics()) : own };
    },
  };
}

/** Whether two snapshots render the same text: every field of every process and schedule, in the same order. */
export function sameSnapshot(a: MetricsSnapshot, b: MetricsSnapshot): boolean {
  if (a.processes.length !== b.processes.length || a.schedules.length !== b.schedules.length) return false;
  for (let i = 0; i < a.processes.length; i++) {
    const p = a.processes[i]!;
    const q = b.processes[i]!;
    if (p.name !== q.name || p.instance !== q.instance || p.group !== q.group || p.state !== q.state || p.restarts !== q.restarts || p.health !== q.health) return false;
    if (p.cpuSeconds !== q.cpuSeconds || p.memoryBytes !== q.memoryBytes || p.openFds !== q.openFds || p.startTimeSeconds !== q.startTimeSeconds) return false;
  }
  for (let i = 0; i < a.schedules.length; i++) {
    const p = a.schedules[i]!;
    const q = b.schedules[i]!;
    if (p.name !== q.name || p.lastDurationSeconds !== q.lastDurationSeconds || p.lastRunSeconds !== q.lastRunSeconds) return false;
    const keys = Object.keys(p.runs);
    if (keys.length !== Object.keys(q.runs).length || keys.some((k) => p.runs[k] !== q.runs[k])) return false;
  }
  return true;
}

/**
 * The state and health families write a line per possible value for every process: 10 lines of state per
 * process, 1000 at 100 processes, the same from one scrape to the next. They are formatted once per
 * (labels, value) and kept; the cache is emptied when it outgrows the processes it served.
 */
const blocks = new Map<string, string>();
const MAX_BLOCKS = 20_000;

function cached(key: string, make: () => string): string {
  let block = blocks.get(key);
  if (block === undefined) {
    if (blocks.size >= MAX_BLOCKS) blocks.clear();
    block = make();
    blocks.set(key, block);
  }
  return block;
}

function stateBlock(family: Family, labels: string, current: string): string {
  return cached(`s${labels}\0${current}`, () => family.format(labels, STATES.map((state) => [state === current ? 1 : 0, ['state', state]] as const)));
}

function healthBlock(family: Family, labels: string, current: string): string {
  return cached(`h${labels}\0${current}`, () => family.format(labels, HEALTH.map((status) => [status === current ? 1 : 0, ['status', status]] as const)));
}

/** Sentinel's families for one snapshot. */
export function renderSnapshot(s: MetricsSnapshot): string {
  const f = {
    up: new Family('sentinel_process_up', 'gauge', '1 when the process is running (state "running"), else 0'),
    state: new Family('sentinel_process_state', 'gauge', 'The lifecycle state: 1 on the series whose state label is the current one, 0 on the others'),
    restarts: new Family('sentinel_process_restarts_total', 'counter', 'Restarts of this instance (automatic and requested)'),
    cpu: new Family('sentinel_process_cpu_seconds_total', 'counter', 'CPU time (user + system) of the whole process tree in its current run; starts again at 0 on a restart'),
    memory: new Family('sentinel_process_memory_bytes', 'gauge', 'Resident memory (RSS) of the whole process tree'),
    fds: new Family('sentinel_process_open_fds', 'gauge', 'Open file descriptors of the whole process tree'),
    start: new Family('sentinel_process_start_time_seconds', 'gauge', 'Unix time the current run started'),
    health: new Family('sentinel_process_health', 'gauge', 'The liveness check: 1 on the series whose status label is the current one (processes with a liveness check only)'),
    runs: new Family('sentinel_schedule_runs_total', 'counter', 'Schedule runs that ended since the daemon started, by result'),
    lastDuration: new Family('sentinel_schedule_last_duration_seconds', 'gauge', 'How long the last run of the schedule took'),
    lastRun: new Family('sentinel_schedule_last_run_timestamp_seconds', 'gauge', 'Unix time the last run of the schedule ended'),
  };
  for (const p of s.processes) {
    const l = cached(`l${p.name}\0${p.instance}\0${p.group ?? ''}`, () => labelText([['name', p.name], [INSTANCE_LABEL, String(p.instance)], ['group', p.group ?? '']]));
    f.up.add(l, p.state === 'running' ? 1 : 0);
    f.state.addLines(stateBlock(f.state, l, p.state));
    f.restarts.add(l, p.restarts);
    if (p.cpuSeconds !== null) f.cpu.add(l, p.cpuSeconds);
    if (p.memoryBytes !== null) f.memory.add(l, p.memoryBytes);
    if (p.openFds !== null) f.fds.add(l, p.openFds);
    if (p.startTimeSeconds !== null) f.start.add(l, p.startTimeSeconds);
    if (p.health !== null) f.health.addLines(healthBlock(f.health, l, p.health));
  }
  for (const sch of s.schedules) {
    const l = labelText([['schedule', sch.name]]);
    for (const result of new Set([...RUN_RESULTS, ...Object.keys(sch.runs)])) f.runs.add(l, sch.runs[result] ?? 0, ['result', result]);
    if (sch.lastDurationSeconds !== null) f.lastDuration.add(l, sch.lastDurationSeconds);
    if (sch.lastRunSeconds !== null) f.lastRun.add(l, sch.lastRunSeconds);
  }
  // a family with no samples is left out (promtool and Prometheus accept either; an empty one is noise)
  return Object.values(f).filter((x) => x.size > 0).join('');
}
