// The event-loop lag sampler behind sentinel_daemon_nodejs_eventloop_lag_*: exact figures from given
// samples, a fresh start after each read, and a real stall of the loop seen by the real timer.
import { describe, expect, it } from 'vitest';
import { LoopLag, loopLagMsOf } from '../../src/metrics/loop-lag.js';
import { waitFor } from '../helpers.js';

describe('LoopLag', () => {
  it('gives min, max, mean, stddev and percentiles of the samples since the last read', () => {
    const lag = new LoopLag(200, 512);
    for (let i = 1; i <= 100; i++) lag.record(i / 1000);
    const f = lag.take();
    expect(f.min).toBeCloseTo(0.001, 9);
    expect(f.max).toBeCloseTo(0.1, 9);
    expect(f.mean).toBeCloseTo(0.0505, 9);
    expect(f.stddev).toBeCloseTo(0.028866, 5); // population stddev of 1..100 ms
    expect(f.p50).toBeCloseTo(0.05, 9);
    expect(f.p90).toBeCloseTo(0.09, 9);
    expect(f.p99).toBeCloseTo(0.099, 9);
    expect(f.last).toBeCloseTo(0.1, 9);
  });

  it('starts over after a read; with no sample since, the figures are zero and the last sample stays', () => {
    const lag = new LoopLag(200, 512);
    lag.record(0.5);
    lag.take();
    expect(lag.take()).toEqual({ last: 0.5, min: 0, max: 0, mean: 0, stddev: 0, p50: 0, p90: 0, p99: 0 });
    lag.record(0.002);
    lag.record(0.004);
    const f = lag.take();
    expect([f.min, f.max, f.p99]).toEqual([0.002, 0.004, 0.004]);
  });

  it('takes the percentiles from the latest samples when more came than it keeps, the rest from all', () => {
    const lag = new LoopLag(200, 4);
    for (const s of [9, 9, 9, 9, 1, 2, 3, 4]) lag.record(s);
    const f = lag.take();
    expect(f.max).toBe(9); // from every sample
    expect(f.p99).toBe(4); // from the four kept
    expect(f.p50).toBe(2);
  });

  it('sees a real stall of the event loop', async () => {
    const lag = new LoopLag(20, 512);
    lag.start();
    try {
      // a busy stretch of 150 ms, across which the timer (due every 20 ms) falls due
      const until = performance.now() + 150;
      while (performance.now() < until) {
        /* the loop is blocked */
      }
      expect(await waitFor(() => lag.take().max >= 0.1, 2000)).toBe(true);
    } finally {
      lag.stop();
    }
  });

  it('samples every second unless SENTINEL_LOOP_LAG_MS says otherwise, refusing what is not a whole number of at least 10 ms', () => {
    expect(loopLagMsOf({})).toBe(1000);
    expect(loopLagMsOf({ SENTINEL_LOOP_LAG_MS: '200' })).toBe(200);
    expect(() => loopLagMsOf({ SENTINEL_LOOP_LAG_MS: 'often' })).toThrow(/SENTINEL_LOOP_LAG_MS must be a whole number of milliseconds of at least 10 \(got "often"\)/);
    expect(() => loopLagMsOf({ SENTINEL_LOOP_LAG_MS: '5' })).toThrow(/at least 10/);
  });
});
