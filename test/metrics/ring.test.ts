import { describe, expect, it } from 'vitest';
import { SeriesRing } from '../../src/metrics/ring.js';

describe('SeriesRing', () => {
  it('keeps the newest points up to its capacity, oldest first', () => {
    const r = new SeriesRing(3);
    for (let i = 1; i <= 5; i++) r.push(i * 1000, i, i * 10);
    expect(r.length).toBe(3);
    expect(r.points()).toEqual([[3000, 3, 30], [4000, 4, 40], [5000, 5, 50]]);
    expect(r.lastAt()).toBe(5000);
  });

  it('filters by time and keeps an unknown CPU as null', () => {
    const r = new SeriesRing(10);
    r.push(1000, null, 5);
    r.push(2000, 1.5, 6);
    r.push(3000, 2.5, 7);
    expect(r.points()[0]).toEqual([1000, null, 5]);
    expect(r.points(2000)).toEqual([[2000, 1.5, 6], [3000, 2.5, 7]]);
    expect(r.points(4000)).toEqual([]);
  });

  it('is empty at first and refuses a capacity below one', () => {
    expect(new SeriesRing(1).points()).toEqual([]);
    expect(new SeriesRing(1).lastAt()).toBeNull();
    expect(() => new SeriesRing(0)).toThrow(/at least one point/);
  });
});

describe('SeriesRing storage', () => {
  const day = 86_400_000;
  const now = 1_764_547_200_000; // a real Unix time in ms: offsets from it must stay exact

  it('grows as points come and keeps them all, in order, up to its capacity', () => {
    const r = new SeriesRing(100);
    for (let i = 0; i < 50; i++) r.push(now + i * 5000, i / 10, 4096 * (i + 1));
    expect(r.length).toBe(50);
    expect(r.points().map((p) => p[0])).toEqual(Array.from({ length: 50 }, (_, i) => now + i * 5000));
    for (let i = 50; i < 250; i++) r.push(now + i * 5000, i / 10, 4096 * (i + 1));
    expect(r.length).toBe(100);
    const pts = r.points();
    expect(pts[0]).toEqual([now + 150 * 5000, 15, 4096 * 151]);
    expect(pts[99]).toEqual([now + 249 * 5000, 24.9, 4096 * 250]);
    expect(r.lastAt()).toBe(now + 249 * 5000);
  });

  it('holds 12 bytes a point, only for the points it has room for so far', () => {
    const r = new SeriesRing(720);
    expect(r.bytes).toBe(16 * 12);
    for (let i = 0; i < 17; i++) r.push(now + i * 5000, 1, 4096);
    expect(r.bytes).toBe(32 * 12);
    for (let i = 17; i < 2000; i++) r.push(now + i * 5000, 1, 4096);
    expect(r.bytes).toBe(720 * 12);
    expect(r.length).toBe(720);
  });

  it('gives back memory sizes exactly (page multiples up to 64 GiB) and CPU as it was given, to 7 digits', () => {
    const r = new SeriesRing(4);
    r.push(now, 12.3, 60 * 1024 ** 3 + 4096 * 7);
    r.push(now + 1, 0.1, 123_456_512);
    r.push(now + 2, 199.9, 5);
    expect(r.points()).toEqual([[now, 12.3, 60 * 1024 ** 3 + 4096 * 7], [now + 1, 0.1, 123_456_512], [now + 2, 199.9, 5]]);
  });

  it('keeps its points when the clock steps back, and drops only those 49 days older than a new one', () => {
    const r = new SeriesRing(10);
    r.push(now, 1, 4096);
    r.push(now + 60_000, 2, 8192);
    // the clock stepped back a minute and a half: every point fits beside the new one
    r.push(now - 30_000, 3, 12_288);
    expect(r.points()).toEqual([[now, 1, 4096], [now + 60_000, 2, 8192], [now - 30_000, 3, 12_288]]);
    expect(r.points(now)).toHaveLength(2);
    // 60 days later: the old points cannot be told apart from the new one's offset range, and go
    r.push(now + 60 * day, 4, 16_384);
    expect(r.points()).toEqual([[now + 60 * day, 4, 16_384]]);
    r.push(now + 60 * day + 5000, 5, 20_480);
    expect(r.points()).toEqual([[now + 60 * day, 4, 16_384], [now + 60 * day + 5000, 5, 20_480]]);
    // 40 days after the last one: both older points are within 49 days and are kept
    r.push(now + 100 * day, 6, 24_576);
    expect(r.points().map((p) => p[1])).toEqual([4, 5, 6]);
  });
});
