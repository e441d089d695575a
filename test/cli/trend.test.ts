import { describe, expect, it } from 'vitest';
import { sparkline, trendRows } from '../../src/cli/trend.js';

describe('status trend', () => {
  it('draws the lowest and highest values as the lowest and highest bars', () => {
    expect(sparkline([0, 50, 100])).toBe('▁▅█');
    expect(sparkline([3, 3, 3])).toBe('▁▁▁');
    expect(sparkline([])).toBe('');
  });

  it('averages into at most `width` buckets', () => {
    expect(sparkline(Array.from({ length: 100 }, (_, i) => i), 10)).toHaveLength(10);
  });

  it('gives min/avg/max rows once two points exist, skipping unknown CPU figures', () => {
    expect(trendRows([[1, 2, 1024 * 1024]], '(15m)')).toEqual([]);
    const rows = trendRows([[1, null, 1024 * 1024], [2, 10, 3 * 1024 * 1024], [3, 30, 2 * 1024 * 1024]], '(15m)');
    expect(rows[0][0]).toBe('CPU (15m)');
    expect(rows[0][1]).toMatch(/^min 10\.0%  avg 20\.0%  max 30\.0%  ▁█$/);
    expect(rows[1][1]).toMatch(/^min 1\.0 MB  avg 2\.0 MB  max 3\.0 MB  ▁█▅$/);
  });
});
