import { describe, expect, it } from 'vitest';
import { ScanCache } from '../../src/metrics/scan-cache.js';
import type { ProcStat } from '../../src/metrics/proc-tree.js';

describe('ScanCache', () => {
  it('reads /proc once for every caller within maxAge, again after it', () => {
    let reads = 0;
    let now = 1000;
    const cache = new ScanCache(() => {
      reads++;
      return new Map<number, ProcStat>();
    }, () => now);
    const a = cache.get(250);
    now += 200;
    expect(cache.get(250)).toBe(a);
    expect(reads).toBe(1);
    now += 100;
    const b = cache.get(250);
    expect(b).not.toBe(a);
    expect(b.atMs).toBe(1300);
    expect(reads).toBe(2);
    expect(cache.get(0)).toBe(b); // maxAge 0 reuses only a scan of this very millisecond
    now += 1;
    expect(cache.get(0)).not.toBe(b);
  });

  it('scans the real /proc by default and finds this process', () => {
    const scan = new ScanCache().get(0);
    expect(scan.stats.get(process.pid)?.ppid).toBe(process.ppid);
  });
});
