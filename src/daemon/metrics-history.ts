// The daemon's short memory of CPU and memory: every `stepMs`, one /proc scan (shared with scrapes and
// `list`) gives a point to each live process's series and to the daemon's own; each series is a bounded
// ring (historyMs / stepMs points). It feeds the dashboard's charts and the trend in `sentinel status`.
import { sampleTrees } from '../metrics/proc-tree.js';
import { CpuTracker } from '../metrics/cpu-tracker.js';
import { SeriesRing } from '../metrics/ring.js';
import { SentinelError } from '../core/errors.js';
import type { ScanCache } from '../metrics/scan-cache.js';
import type { ProcessRecord } from '../store/processes.js';

/** 0.2 % of one core: what the history's sampling may cost on average (SENTINEL_METRICS_CPU_BUDGET). */
export const DEFAULT_CPU_BUDGET = Number(process.env.SENTINEL_METRICS_CPU_BUDGET) || 0.002;

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
   * The share of one core the sampling may take (default 0.002: 0.2 %). A tick that cost more than the
   * budget allows at the step (a /proc scan of a thousand processes is about 20 ms) puts the next one off
   * until the average is back under it: the points of a large fleet are spaced wider, never the daemon busier.
   */
  cpuBudget?: number;
}

export class MetricsHistory {
  readonly capacity: number;
  private readonly series = new Map<number | 'daemon', SeriesRing>();
  private readonly cpu = new CpuTracker();
  private daemonCpu: { micros: number; atMs: number } | null = null;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
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

  /** The wait before the next tick: the step, or longer when the last tick cost more than the budget allows. */
  nextDelayMs(tickCpuMs: number): number {
    const budget = this.o.cpuBudget ?? DEFAULT_CPU_BUDGET;
    return budget > 0 ? Math.max(this.o.stepMs, Math.ceil(tickCpuMs / budget)) : this.o.stepMs;
  }

  private timedTick(): number {
    const before = process.cpuUsage();
    this.tick();
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1000;
  }

  private scheduleAfter(tickCpuMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.scheduleAfter(this.timedTick()), this.nextDelayMs(tickCpuMs));
    this.timer.unref();
  }

  /** One sample of every live process and of the daemon; series of deleted processes are dropped. */
  tick(): void {
    const records = this.o.records();
    const live = records.filter((r) => r.pid && this.o.isLive(r));
    // a scan from a scrape within the last half step serves: scraped every step, /proc is read once per step
    const { stats, atMs } = this.o.scans.get(this.o.stepMs / 2);
    const trees = sampleTrees(live.map((r) => r.pid!), stats);
    const percents = this.cpu.update(trees, atMs);
    for (const rec of live) {
      const tree = trees.get(rec.pid!);
      if (!tree) continue;
      this.ring(rec.id).push(atMs, percents.get(rec.pid!) ?? null, tree.rssBytes);
    }
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
