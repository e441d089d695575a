// The scaling decision as a pure function over samples and time: windows, cooldown, the HPA step limit,
// min/max clamping, and a custom policy's answers (good, clamped, garbage).
import { describe, expect, it } from 'vitest';
import { decidePolicy, decideScale, readPolicyAnswer, scaleUpLimit, type ScaleSample } from '../../src/cluster/autoscaler.js';
import { tickMs } from '../../src/cluster/autoscale-loop.js';
import type { ScaleSection } from '../../src/core/spec.js';

const SCALE: ScaleSection = {
  min: 2, max: 6, cpuPercent: 70, memoryBytes: null, upAfterMs: 30_000, downAfterMs: 300_000, cooldownMs: 60_000, policy: null,
};

/** Samples every 5 s from `from` to `to` (ms), with the cpu given by `cpu(t)`. */
function series(from: number, to: number, cpu: (t: number) => number, memory: number | null = null): ScaleSample[] {
  const out: ScaleSample[] = [];
  for (let t = from; t <= to; t += 5000) out.push({ at: t, cpuPercent: cpu(t), memoryBytes: memory });
  return out;
}

describe('decideScale', () => {
  it('scales out only once cpu stayed above target for the whole up window', () => {
    const hot = series(0, 25_000, () => 90);
    expect(decideScale(SCALE, 2, hot, 25_000, null)).toBeNull(); // 25 s observed < 30 s
    const longer = series(0, 30_000, () => 90);
    expect(decideScale(SCALE, 2, longer, 30_000, null)).toEqual({ to: 3, reason: 'cpu 90 % > 70 % for 30s: 2 → 3' });
  });

  it('one sample below target in the window holds the scale-up back', () => {
    const dip = series(0, 40_000, (t) => (t === 20_000 ? 60 : 95));
    expect(decideScale(SCALE, 2, dip, 40_000, null)).toBeNull();
    // once the dip is older than the window, it counts no more
    const later = series(0, 55_000, (t) => (t === 20_000 ? 60 : 95));
    expect(decideScale(SCALE, 2, later, 55_000, null)?.to).toBe(3);
  });

  it('asks for ceil(count × usage / target), within the HPA step (max of +4 and +100 %) and max', () => {
    const burning = series(0, 30_000, () => 300);
    // 2 × 300 / 70 = 8.6 → 9, but max is 6 and a step from 2 may reach 6
    expect(decideScale(SCALE, 2, burning, 30_000, null)?.to).toBe(6);
    expect(decideScale({ ...SCALE, max: 100 }, 2, burning, 30_000, null)?.to).toBe(scaleUpLimit(2));
    expect(scaleUpLimit(2)).toBe(6);
    expect(scaleUpLimit(10)).toBe(20);
    expect(decideScale(SCALE, 6, burning, 30_000, null)).toBeNull(); // already at max
  });

  it('counts the step limit over a minute: after 2 → 6, a minute that started at 2 allows no more than 6', () => {
    const big: ScaleSection = { ...SCALE, max: 100, cooldownMs: 0 };
    const burning = series(0, 30_000, () => 300);
    expect(decideScale(big, 6, burning, 30_000, 0, 2)).toBeNull();
    expect(decideScale(big, 6, burning, 30_000, 0, 6)?.to).toBe(12);
  });

  it('scales in only after the whole down window below target, to the highest count that window asked for', () => {
    const calm = series(0, 300_000, (t) => (t === 100_000 ? 60 : 10));
    // at 4 instances: 4 × 60 / 70 → 4 at the busiest sample, so nothing is removed yet
    expect(decideScale(SCALE, 4, calm, 300_000, null)).toBeNull();
    const quiet = series(0, 300_000, () => 20);
    // 4 × 20 / 70 = 1.1 → 2
    expect(decideScale(SCALE, 4, quiet, 300_000, null)).toEqual({ to: 2, reason: 'cpu 20 % < 70 % for 5m: 4 → 2' });
    expect(decideScale(SCALE, 4, series(0, 295_000, () => 20), 295_000, null)).toBeNull(); // window not covered
    expect(decideScale(SCALE, 2, quiet, 300_000, null)).toBeNull(); // at min
  });

  it('does nothing within the cooldown of the last change', () => {
    const hot = series(100_000, 130_000, () => 90);
    expect(decideScale(SCALE, 3, hot, 130_000, 80_000)).toBeNull(); // 50 s after a change
    expect(decideScale(SCALE, 3, hot, 140_000, 80_000)?.to).toBe(4); // 60 s after
  });

  it('memory: scales out above its target, in only when both metrics are below', () => {
    const both: ScaleSection = { ...SCALE, memoryBytes: 400 * 1024 ** 2 };
    const fat = series(0, 30_000, () => 5, 500 * 1024 ** 2);
    expect(decideScale(both, 2, fat, 30_000, null)?.reason).toMatch(/^memory 500\.0 MB > 400\.0 MB for 30s: 2 → 3$/);
    const cpuLowMemHigh = series(0, 300_000, () => 5, 390 * 1024 ** 2);
    expect(decideScale(both, 4, cpuLowMemHigh, 300_000, null)).toBeNull(); // memory asks for 4
  });

  it('brings a count outside min..max back at once, whatever the cooldown', () => {
    expect(decideScale(SCALE, 1, [], 0, 0)).toEqual({ to: 2, reason: 'below the minimum of 2: 1 → 2' });
    expect(decideScale(SCALE, 9, [], 0, 0)).toEqual({ to: 6, reason: 'above the maximum of 6: 9 → 6' });
  });

  it('without samples, or with unknown cpu, nothing happens', () => {
    expect(decideScale(SCALE, 3, [], 1_000_000, null)).toBeNull();
    expect(decideScale(SCALE, 3, series(0, 300_000, () => NaN).map((s) => ({ ...s, cpuPercent: null })), 300_000, null)).toBeNull();
  });
});

describe('custom policy answers', () => {
  it('reads a number, a JSON number or {"instances": N}', () => {
    expect(readPolicyAnswer('4\n')).toEqual({ count: 4 });
    expect(readPolicyAnswer('{"instances": 5}')).toEqual({ count: 5 });
    expect(readPolicyAnswer(3)).toEqual({ count: 3 });
  });

  it('refuses garbage with what it answered', () => {
    expect(readPolicyAnswer('')).toEqual({ error: expect.stringContaining('answered nothing') });
    expect(readPolicyAnswer('lots')).toEqual({ error: expect.stringContaining('"lots", not a whole number') });
    expect(readPolicyAnswer('2.5')).toEqual({ error: expect.stringContaining('2.5') });
    expect(readPolicyAnswer('-3')).toEqual({ error: expect.stringContaining('-3') });
    expect(readPolicyAnswer('{"count": 3}')).toEqual({ error: expect.stringContaining('not a whole number') });
  });

  it('clamps to min..max, says so, and keeps the cooldown', () => {
    expect(decidePolicy(SCALE, 2, 50, 0, null)).toEqual({ to: 6, reason: 'policy answered 50 (clamped to 2..6): 2 → 6' });
    expect(decidePolicy(SCALE, 3, 0, 0, null)).toEqual({ to: 2, reason: 'policy answered 0 (clamped to 2..6): 3 → 2' });
    expect(decidePolicy(SCALE, 3, 3, 0, null)).toBeNull();
    expect(decidePolicy(SCALE, 3, 5, 10_000, 0)).toBeNull();
    expect(decidePolicy(SCALE, 3, 5, 60_000, 0)).toEqual({ to: 5, reason: 'policy answered 5: 3 → 5' });
  });
});

describe('tickMs', () => {
  it('samples a quarter of the shorter window, from 100 ms to 5 s', () => {
    expect(tickMs(SCALE)).toBe(5000);
    expect(tickMs({ ...SCALE, upAfterMs: 2000, downAfterMs: 3000 })).toBe(500);
    expect(tickMs({ ...SCALE, upAfterMs: 100, downAfterMs: 100 })).toBe(100);
  });
});
