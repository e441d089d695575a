import { describe, expect, it } from 'vitest';
import { fullScanMsOf, ScanCache } from '../../src/metrics/scan-cache.js';
import type { ChangeProbe } from '../../src/metrics/change-probe.js';
import type { ProcStat } from '../../src/metrics/proc-tree.js';

function stat(pid: number, ppid: number, cpuTicks: number, rssBytes: number): ProcStat {
  return { pid, ppid, state: 'S', cpuTicks, startTime: 1, rssBytes };
}

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

  it('answers from the probe only for a fleet quiet between two full scans, the same roots, and until a full scan is due', () => {
    let now = 10_000;
    let reads = 0;
    let ran = false;
    const resets: number[][] = [];
    const probe = { reset: (pids: number[]) => void resets.push([...pids].sort()), changed: () => ran } as unknown as ChangeProbe;
    const procs = new Map([[100, stat(100, 1, 5, 1000)], [101, stat(101, 100, 0, 500)]]);
    const roots = [100];
    const cache = new ScanCache(() => (reads++, new Map(procs)), () => now, { probe, roots: () => roots, fullScanMs: 10_000 });
    const first = cache.get(0);
    expect(resets).toEqual([]); // nothing to compare the first scan with: no baseline
    now += 1000;
    cache.get(0);
    expect(reads).toBe(2);
    expect(resets).toEqual([[100, 101]]); // the same as the first: a quiet fleet, the probe's baseline
    for (let i = 0; i < 3; i++) {
      now += 1000;
      const again = cache.get(0);
      expect(again.atMs).toBe(now); // handed out as of now: no tree ran, so its ticks are still the truth
      expect(again.stats.get(100)).toEqual(first.stats.get(100));
    }
    expect(reads).toBe(2);
    // a member ran: a full scan, and no baseline from it (it differs from the one before)
    ran = true;
    procs.set(100, stat(100, 1, 9, 1000));
    now += 1000;
    expect(cache.get(0).stats.get(100)!.cpuTicks).toBe(9);
    expect(reads).toBe(3);
    ran = false;
    now += 1000;
    cache.get(0);
    expect(reads).toBe(4); // the next is a full scan too, which finds it quiet again
    expect(resets).toHaveLength(2);
    now += 1000;
    cache.get(0);
    expect(reads).toBe(4);
    // another root (a process started, or restarted with a new pid): a full scan whatever the probe says
    roots.push(200);
    procs.set(200, stat(200, 1, 0, 100));
    now += 1000;
    expect(cache.get(0).stats.has(200)).toBe(true);
    expect(reads).toBe(5);
    now += 1000;
    cache.get(0);
    expect(reads).toBe(6);
    // quiet until fullScanMs after the last full scan: then one more, changed or not
    for (let i = 0; i < 9; i++) {
      now += 1000;
      cache.get(0);
    }
    expect(reads).toBe(6);
    now += 1000;
    cache.get(0);
    expect(reads).toBe(7);
  });

  it('without a probe reads /proc again once maxAge has passed, however quiet', () => {
    let now = 0;
    let reads = 0;
    const cache = new ScanCache(() => (reads++, new Map([[1, stat(1, 0, 0, 0)]])), () => now);
    for (let i = 0; i < 3; i++) {
      now += 1000;
      cache.get(500);
    }
    expect(reads).toBe(3);
  });

  it('reads SENTINEL_METRICS_FULL_SCAN_MS, refusing what is not a number of at least 1000 ms', () => {
    expect(fullScanMsOf({})).toBe(300_000);
    expect(fullScanMsOf({ SENTINEL_METRICS_FULL_SCAN_MS: '60000' })).toBe(60_000);
    expect(() => fullScanMsOf({ SENTINEL_METRICS_FULL_SCAN_MS: 'soon' })).toThrow(/SENTINEL_METRICS_FULL_SCAN_MS must be a number of milliseconds of at least 1000 \(got "soon"\)/);
    expect(() => fullScanMsOf({ SENTINEL_METRICS_FULL_SCAN_MS: '5' })).toThrow(/at least 1000/);
  });
});
