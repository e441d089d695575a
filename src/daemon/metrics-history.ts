// The daemon's short memory of CPU and memory: every `stepMs`, one /proc scan (shared with scrapes and
// `list`) gives a point to each live process's series and to the daemon's own; each series is a bounded
// ring (historyMs / stepMs points). It feeds the dashboard's charts and the trend in `sentinel status`.
// When a tick finds nothing changed (every tree has the same pids, CPU ticks and memory as at the last
// one: a fleet of idle processes), the next is put off, twice as long each time up to quietMaxMs; the
// first change found, or any process's state change (wake()), brings back the step. A flat line still
// gets its points (spaced wider), and the first point after a quiet stretch holds the average CPU over it.
// A quiet fleet's tick is cheap: the shared scan cache answers it from its change probe (src/metrics/
// scan-cache.ts, change-probe.ts: what each member ran, from schedstat, and whether one forked) instead of
// reading the trees' stat files, and a scrape on the same rhythm gets the same answer.
import { sampleTrees } from '../metrics/proc-tree.js';
import { CpuTracker } from '../metrics/cpu-tracker.js';
import { SeriesRing } from '../metrics/ring.js';
import { SentinelError } from '../core/errors.js';
import type { ScanCache } from '../metrics/scan-cache.js';
import type { ProcessRecord } from '../store/processes.js';

/**
 * 0.05 % of one core: what the history's sampling may cost on average (SENTINEL_METRICS_CPU_BUDGET). It was
 * 0.2 %, the whole idle target of a daemon: with 1000 idle `sleep`s a full tick (scan and the probe's
 * baseline) took 100-130 ms of CPU on a loaded 2-core machine, so one came every 50-65 s and, landing 20 s
 * after an `up`, alone made the 30 s that followed cost 0.4 % of a core. Scrapes and `list` are not held
 * to it: they read the shared scan on demand.
 */
export const DEFAULT_CPU_BUDGET = 0.0005;

/** The budget SENTINEL_METRICS_CPU_BUDGET sets (a share of one core, 0 for none), else the default; a bad value stops the daemon's start. */
export function cpuBudgetOf(env: NodeJS.ProcessEnv = process.env): number {
  const given = env.SENTINEL_METRICS_CPU_BUDGET;
  if (given === undefined || given === '') return DEFAULT_CPU_BUDGET;
  const share = Number(given);
  if (!Number.isFinite(share) || share < 0 || share > 1) {
    throw new SentinelError('INVALID_CONFIG', `SENTINEL_METRICS_CPU_BUDGET must be a share of one core from 0 (no budget) to 1, e.g. 0.0005 for 0.05 % (got ${JSON.stringify(given)}); unset it for the default of ${DEFAULT_CPU_BUDGET}`);
  }
  return share;
}

/**
 * The longest wait between two ticks while nothing changes (SENTINEL_METRICS_QUIET_MAX_MS, default a minute;
 * at most the step means no back-off).
 */
export const DEFAULT_QUIET_MAX_MS = 60_000;

/** The longest quiet wait SENTINEL_METRICS_QUIET_MAX_MS sets, else the default; a bad value stops the daemon's start. */
export function quietMaxMsOf(env: NodeJS.ProcessEnv = process.env): number {
  const given = env.SENTINEL_METRICS_QUIET_MAX_MS;
  if (given === undefined || given === '') return DEFAULT_QUIET_MAX_MS;
  const ms = Number(given);
  if (!Number.isInteger(ms) || ms < 0) {
    throw new SentinelError('INVALID_CONFIG', `SENTINEL_METRICS_QUIET_MAX_MS must be a whole number of milliseconds, 0 or more (the step or less: no back-off; got ${JSON.stringify(given)}); unset it for the default of ${DEFAULT_QUIET_MAX_MS}`);
  }
  return ms;
}

/** At most this many points per series (a day at 5 s): each point is 12 bytes (src/metrics/ring.ts), for every process. */
export const MAX_POINTS = 17_280;

/** Refuses history settings that would sample absurdly often or hold more than MAX_POINTS per series. */
export function checkHistorySettings(m: { history: number; step: number }, file: string): void {
  if (m.step < 1000) throw new SentinelError('INVALID_CONFIG', `${file}: metrics.step must be at least 1s (got ${m.step} ms); the default is 5s`);
  if (m.history < m.step) throw new SentinelError('INVALID_CONFIG', `${file}: metrics.history (${m.history} ms) must be at least metrics.step (${m.step} ms)`);
  const points = Math.ceil(m.history / m.step);
  if (points > MAX_POINTS) {
    throw new SentinelError('INVALID_CONFIG', `${file}: metrics.history / metrics.step is ${points} points per process; the limit is ${MAX_POINTS} (e.g. 1h at 5s is 720): shorten the history or lengthen the step`);
  }
}

export interface HistorySeries {
  /** A process's record id, or "daemon". */
  key: number | 'daemon';
  ring: SeriesRing;
}

export interface HistoryOptions {
  scans: ScanCache;
  stepMs: number;
  historyMs: number;
  /** The records to sample (the supervisor's list) and which of them have a live process. */
  records: () => ProcessRecord[];
  isLive: (rec: ProcessRecord) => boolean;
  now?: () => number;
  /**
   * The share of one core the sampling may take (default DEFAULT_CPU_BUDGET). A tick that cost more than the
   * budget allows at the step (a /proc scan of a thousand processes is about 20 ms) puts the next one off
   * until the average is back under it: the points of a large fleet are spaced wider, never the daemon busier.
   */
  cpuBudget?: number;
  /** The longest wait between ticks while nothing changes (default DEFAULT_QUIET_MAX_MS). */
  quietMaxMs?: number;
}

/** What a tree looked like at the last tick, to tell whether anything changed. */
interface Seen {
  pid: number;
  cpuTicks: number;
  rssBytes: number;
  members: number;
}

export class MetricsHistory {
  readonly capacity: number;
  private readonly series = new Map<number | 'daemon', SeriesRing>();
  private readonly cpu = new CpuTracker();
  private daemonCpu: { micros: number; atMs: number } | null = null;
  private readonly seen = new Map<number, Seen>();
  private timer: NodeJS.Timeout | undefined;
  private timerDue = 0;
  private lastTickAt = 0;
  private lastTickCpuMs = 0;
  private stopped = true;
  /** Ticks in a row that found nothing changed. */
  private quietTicks = 0;
  private readonly now: () => number;

  constructor(private readonly o: HistoryOptions) {
    this.capacity = Math.max(1, Math.ceil(o.historyMs / o.stepMs));
    this.now = o.now ?? Date.now;
  }

  start(): void {
    this.stopped = false;
    this.scheduleAfter(this.timedTick());
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Something changed (a process started, exited, was created or deleted): the step again, and a tick put
   * off by a quiet stretch comes at the step after the last one (at once if that has passed), or later if
   * the last tick cost more than the budget allows at the step.
   */
  wake(): void {
    this.quietTicks = 0;
    if (this.stopped || !this.timer) return;
    // the CPU budget still holds: a costly last tick keeps its longer wait
    const due = Math.max(this.now(), this.lastTickAt + this.nextDelayMs(this.lastTickCpuMs, 0));
    if (this.timerDue <= due) return;
    clearTimeout(this.timer);
    this.arm(due - this.now());
  }

  /**
   * The wait before the next tick: the step; longer when the last tick cost more than the budget allows; and
   * after `quietTicks` ticks in a row that found nothing changed, twice the step per quiet tick, up to quietMaxMs.
   */
  nextDelayMs(tickCpuMs: number, quietTicks = 0): number {
    const step = this.o.stepMs;
    const budget = this.o.cpuBudget ?? DEFAULT_CPU_BUDGET;
    const costly = budget > 0 ? Math.ceil(tickCpuMs / budget) : step;
    const quietMax = Math.max(step, this.o.quietMaxMs ?? DEFAULT_QUIET_MAX_MS);
    const quiet = Math.min(quietMax, step * 2 ** Math.min(quietTicks, 20));
    return Math.max(step, costly, quiet);
  }

  private timedTick(): number {
    const before = process.cpuUsage();
    this.quietTicks = this.tick() ? 0 : this.quietTicks + 1;
    const used = process.cpuUsage(before);
    this.lastTickCpuMs = (used.user + used.system) / 1000;
    return this.lastTickCpuMs;
  }

  private scheduleAfter(tickCpuMs: number): void {
    if (this.stopped) return;
    this.arm(this.nextDelayMs(tickCpuMs, this.quietTicks));
  }

  private arm(delayMs: number): void {
    this.timerDue = this.now() + delayMs;
    this.timer = setTimeout(() => this.scheduleAfter(this.timedTick()), delayMs);
    this.timer.unref();
  }

  /**
   * One sample of every live process and of the daemon; series of deleted processes are dropped. True when
   * something changed since the last tick: a tree's pids, CPU ticks or memory, or which processes are live.
   */
  tick(): boolean {
    this.lastTickAt = this.now();
    let changed = false;
    const records = this.o.records();
    const live = records.filter((r) => r.pid && this.o.isLive(r));
    // a scan from a scrape within the last half step serves: scraped every step, /proc is read once per step
    const { stats, atMs } = this.o.scans.get(this.o.stepMs / 2);
    const trees = sampleTrees(live.map((r) => r.pid!), stats);
    const percents = this.cpu.update(trees, atMs);
    for (const rec of live) {
      const tree = trees.get(rec.pid!);
      if (!tree) {
        changed = true;
        continue;
      }
      this.ring(rec.id).push(atMs, percents.get(rec.pid!) ?? null, tree.rssBytes);
      const was = this.seen.get(rec.id);
      if (!was || was.pid !== rec.pid || was.cpuTicks !== tree.cpuTicks || was.rssBytes !== tree.rssBytes || was.members !== tree.pids.length) {
        changed = true;
        this.seen.set(rec.id, { pid: rec.pid!, cpuTicks: tree.cpuTicks, rssBytes: tree.rssBytes, members: tree.pids.length });
      }
    }
    // a tree that is no longer sampled (stopped, deleted) is a change too
    if (this.seen.size > live.length) {
      const sampled = new Set(live.map((r) => r.id));
      for (const id of this.seen.keys()) {
        if (sampled.has(id) && trees.has(this.seen.get(id)!.pid)) continue;
        this.seen.delete(id);
        changed = true;
      }
    }
    this.pushDaemon(records, atMs);
    return changed;
  }

  /** The daemon's own point; the series of deleted records are dropped. */
  private pushDaemon(records: ProcessRecord[], atMs = this.lastTickAt): void {
    const ids = new Set(records.map((r) => r.id));
    for (const key of this.series.keys()) if (key !== 'daemon' && !ids.has(key)) this.series.delete(key);
    this.ring('daemon').push(atMs, this.daemonPercent(this.now()), process.memoryUsage.rss());
  }

  /** The series of one record (empty when it never ran while the daemon watched). */
  of(key: number | 'daemon'): SeriesRing | undefined {
    return this.series.get(key);
  }

  private ring(key: number | 'daemon'): SeriesRing {
    let ring = this.series.get(key);
    if (!ring) {
      ring = new SeriesRing(this.capacity);
      this.series.set(key, ring);
    }
    return ring;
  }

  private daemonPercent(now: number): number | null {
    const u = process.cpuUsage();
    const micros = u.user + u.system;
    const prev = this.daemonCpu;
    this.daemonCpu = { micros, atMs: now };
    if (!prev || now <= prev.atMs) return null;
    return Math.round(((micros - prev.micros) / 1000 / (now - prev.atMs)) * 1000) / 10;
  }
}
