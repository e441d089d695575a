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
