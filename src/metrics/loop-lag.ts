// How late the daemon's event loop runs, for the `sentinel_daemon_nodejs_eventloop_lag_*` gauges. A timer
// every `intervalMs` notes how much later than due it fired; a scrape reads the figures of the samples
// since the previous scrape and starts over.
//
// prom-client's own collector reads Node's event-loop histogram instead: its stddev and percentiles walk
// every bucket of an HDR histogram up to the largest value, about 0.8 ms of CPU per scrape here, more than
// all of Sentinel's own families with 100 processes. These samples are a few dozen numbers.

import { SentinelError } from '../core/errors.js';

/**
 * How often the lag is sampled (SENTINEL_LOOP_LAG_MS, default 1000, at least 10). Each sample is a wake-up of
 * an otherwise idle daemon: measured with 100 idle processes, a timer every 200 ms cost 1.2 ms of CPU a second
 * in the daemon (2.3 ms in a bare Node process on the same loaded machine), about half of all it spent while
 * scraped every 5 s. Every second still sees any stall of a second or more, and a shorter one in proportion
 * to its length.
 */
export function loopLagMsOf(env: NodeJS.ProcessEnv = process.env): number {
  const given = env.SENTINEL_LOOP_LAG_MS;
  if (given === undefined || given === '') return 1000;
  const ms = Number(given);
  if (!Number.isInteger(ms) || ms < 10) {
    throw new SentinelError('INVALID_CONFIG', `SENTINEL_LOOP_LAG_MS must be a whole number of milliseconds of at least 10 (got ${JSON.stringify(given)}); unset it for the default of 1000`);
  }
  return ms;
}

export interface LagFigures {
  /** Seconds: the lateness of the most recent sample. */
  last: number;
  min: number;
  max: number;
  mean: number;
  stddev: number;
  p50: number;
  p90: number;
  p99: number;
}

export class LoopLag {
  private readonly recent: Float64Array;
  private count = 0;
  private sum = 0;
  private sumSquares = 0;
  private min = Infinity;
  private max = 0;
  private last = 0;
  private timer: NodeJS.Timeout | undefined;
  private due = 0;

  /** `capacity`: how many of the latest samples the percentiles are taken from (at 1 s, 512 is 8.5 min). */
  constructor(private readonly intervalMs = 1000, capacity = 512) {
    this.recent = new Float64Array(capacity);
  }

  start(): void {
    if (this.timer) return;
    this.due = performance.now() + this.intervalMs;
    this.timer = setInterval(() => {
      const now = performance.now();
      this.record(Math.max(0, now - this.due) / 1000);
      this.due = now + this.intervalMs;
    }, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One sample, in seconds (the timer calls it; tests call it directly). */
  record(seconds: number): void {
    this.recent[this.count % this.recent.length] = seconds;
    this.count++;
    this.sum += seconds;
    this.sumSquares += seconds * seconds;
    if (seconds < this.min) this.min = seconds;
    if (seconds > this.max) this.max = seconds;
    this.last = seconds;
  }

  /** The figures of the samples since the last call (zeros when there were none), and a fresh start. */
  take(): LagFigures {
    const n = this.count;
    if (n === 0) return { last: this.last, min: 0, max: 0, mean: 0, stddev: 0, p50: 0, p90: 0, p99: 0 };
    const mean = this.sum / n;
    const sorted = this.recent.slice(0, Math.min(n, this.recent.length)).sort();
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
    const figures = {
      last: this.last,
      min: this.min,
      max: this.max,
      mean,
      stddev: Math.sqrt(Math.max(0, this.sumSquares / n - mean * mean)),
      p50: at(50),
      p90: at(90),
      p99: at(99),
    };
    this.count = 0;
    this.sum = this.sumSquares = this.max = 0;
    this.min = Infinity;
    return figures;
  }
}
