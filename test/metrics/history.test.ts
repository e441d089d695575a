// The history sampler with a made-up /proc and clock: bounded rings, CPU from tick deltas, one scan per tick.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkHistorySettings, cpuBudgetOf, DEFAULT_CPU_BUDGET, DEFAULT_QUIET_MAX_MS, MetricsHistory, quietMaxMsOf } from '../../src/daemon/metrics-history.js';
import { ScanCache } from '../../src/metrics/scan-cache.js';
import type { ProcStat } from '../../src/metrics/proc-tree.js';
import type { ProcessRecord } from '../../src/store/processes.js';

function stat(pid: number, ppid: number, cpuTicks: number, rssBytes: number): ProcStat {
  return { pid, ppid, state: 'S', cpuTicks, startTime: 1, rssBytes };
}

function rec(id: number, pid: number | null): ProcessRecord {
  return { id, name: `p${id}`, instance: 0, pid, state: pid ? 'running' : 'stopped' } as ProcessRecord;
}

function setup(stepMs: number, historyMs: number, quietMaxMs?: number) {
  let now = 10_000;
  let scans = 0;
  let procs = new Map<number, ProcStat>();
  let records: ProcessRecord[] = [];
  const cache = new ScanCache(() => {
    scans++;
    return new Map(procs);
  }, () => now);
  const h = new MetricsHistory({ scans: cache, stepMs, historyMs, records: () => records, isLive: (r) => r.state === 'running', now: () => now, cpuBudget: 0, quietMaxMs });
  return {
    h,
    scans: () => scans,
    advance: (ms: number) => void (now += ms),
    setProcs: (list: ProcStat[]) => void (procs = new Map(list.map((s) => [s.pid, s]))),
    setRecords: (list: ProcessRecord[]) => void (records = list),
  };
}

describe('MetricsHistory', () => {
  it('keeps its sampling within the CPU budget: a costly tick puts the next one off, a cheap one keeps the step', () => {
    const mk = (cpuBudget?: number) => new MetricsHistory({ scans: new ScanCache(() => new Map()), stepMs: 5000, historyMs: 60_000, records: () => [], isLive: () => true, cpuBudget });
    const h = mk(0.002);
    expect(h.nextDelayMs(3)).toBe(5000); // 100 processes: 0.06 % at the step
    expect(h.nextDelayMs(20)).toBe(10_000); // a thousand: 20 ms a tick is 0.2 % only every 10 s
    expect(h.nextDelayMs(50)).toBe(25_000);
    expect(mk(0).nextDelayMs(50)).toBe(5000); // no budget: the step
  });

  it('samples each live tree (children included) once per tick, CPU from the ticks between two samples', () => {
    const t = setup(1000, 60_000);
    t.setRecords([rec(1, 100), rec(2, null)]);
    t.setProcs([stat(100, 1, 0, 1000), stat(101, 100, 0, 500)]);
    t.h.tick();
    t.advance(1000);
    // 50 ticks in 1 s over the tree = 50 % of one core
    t.setProcs([stat(100, 1, 20, 1000), stat(101, 100, 30, 700)]);
    t.h.tick();
    expect(t.scans()).toBe(2);
    expect(t.h.of(1)!.points()).toEqual([[10_000, null, 1500], [11_000, 50, 1700]]);
    expect(t.h.of(2)).toBeUndefined();
    expect(t.h.of('daemon')!.length).toBe(2);
    expect(t.h.of('daemon')!.points()[1][2]).toBeGreaterThan(0);
  });

  it('holds history/step points per series and drops the series of a deleted process', () => {
    const t = setup(1000, 3000);
    expect(t.h.capacity).toBe(3);
    t.setRecords([rec(1, 100)]);
    t.setProcs([stat(100, 1, 0, 1000)]);
    for (let i = 0; i < 5; i++) {
      t.h.tick();
      t.advance(1000);
    }
    expect(t.h.of(1)!.length).toBe(3);
    expect(t.h.of('daemon')!.length).toBe(3);
    t.setRecords([]);
    t.h.tick();
    expect(t.h.of(1)).toBeUndefined();
  });

  it('reuses a scan taken a moment before (a scrape) instead of reading /proc again', () => {
    const t = setup(1000, 60_000);
    t.setRecords([rec(1, 100)]);
    t.setProcs([stat(100, 1, 0, 1000)]);
    t.h.tick();
    t.h.tick();
    expect(t.scans()).toBe(1);
  });
});

describe('MetricsHistory while nothing changes', () => {
  afterEach(() => vi.useRealTimers());

  it('a tick says whether any tree changed: CPU ticks, memory, a new child, a process started or gone', () => {
    const t = setup(1000, 60_000);
    t.setRecords([rec(1, 100)]);
    t.setProcs([stat(100, 1, 5, 1000)]);
    expect(t.h.tick()).toBe(true); // first sample
    t.advance(1000);
    expect(t.h.tick()).toBe(false);
    t.advance(1000);
    t.setProcs([stat(100, 1, 6, 1000)]);
    expect(t.h.tick()).toBe(true); // it ran
    t.advance(1000);
    t.setProcs([stat(100, 1, 6, 4096)]);
    expect(t.h.tick()).toBe(true); // its memory grew
    t.advance(1000);
    t.setProcs([stat(100, 1, 6, 4096), stat(101, 100, 0, 0)]);
    expect(t.h.tick()).toBe(true); // a child with no ticks and no memory yet
    t.advance(1000);
    expect(t.h.tick()).toBe(false);
    t.advance(1000);
    t.setRecords([rec(1, 100), rec(2, 200)]);
    t.setProcs([stat(100, 1, 6, 4096), stat(101, 100, 0, 0), stat(200, 1, 0, 1000)]);
    expect(t.h.tick()).toBe(true); // another process started
    t.advance(1000);
    expect(t.h.tick()).toBe(false);
    t.advance(1000);
    t.setRecords([rec(1, 100), rec(2, null)]);
    expect(t.h.tick()).toBe(true); // one stopped
    t.advance(1000);
    expect(t.h.tick()).toBe(false);
    // every tick still gave a point, the quiet ones included
    expect(t.h.of(1)!.length).toBe(10);
  });

  it('puts the next tick off twice as long per quiet tick, up to the quiet maximum; never below the budget\'s wait', () => {
    const h = new MetricsHistory({ scans: new ScanCache(() => new Map()), stepMs: 5000, historyMs: 60_000, records: () => [], isLive: () => true, cpuBudget: 0.002, quietMaxMs: 60_000 });
    expect([0, 1, 2, 3, 4, 10].map((q) => h.nextDelayMs(1, q))).toEqual([5000, 10_000, 20_000, 40_000, 60_000, 60_000]);
    expect(h.nextDelayMs(200, 1)).toBe(100_000); // a tick too costly for the budget waits longer still
    const off = new MetricsHistory({ scans: new ScanCache(() => new Map()), stepMs: 5000, historyMs: 60_000, records: () => [], isLive: () => true, cpuBudget: 0, quietMaxMs: 5000 });
    expect(off.nextDelayMs(1, 10)).toBe(5000); // a quiet maximum at the step: no back-off
  });

  it('backs off on the timer while nothing changes and comes back to the step at once on wake()', async () => {
    vi.useFakeTimers({ now: 10_000 });
    let scans = 0;
    let procs = new Map([[100, stat(100, 1, 0, 1000)]]);
    const h = new MetricsHistory({
      scans: new ScanCache(() => {
        scans++;
        return procs;
      }),
      stepMs: 1000, historyMs: 600_000, records: () => [rec(1, 100)], isLive: () => true, cpuBudget: 0, quietMaxMs: 8000,
    });
    h.start(); // tick at 0 (a change: the first sample)
    await vi.advanceTimersByTimeAsync(1000); // 1 s: quiet → next in 2 s
    await vi.advanceTimersByTimeAsync(2000); // 3 s: quiet → next in 4 s
    await vi.advanceTimersByTimeAsync(4000); // 7 s: quiet → next in 8 s
    expect(scans).toBe(4);
    await vi.advanceTimersByTimeAsync(8000); // 15 s: quiet → next in 8 s (the maximum)
    await vi.advanceTimersByTimeAsync(8000); // 23 s
    expect(scans).toBe(6);
    expect(h.of(1)!.points().map((p) => p[0] - 10_000)).toEqual([0, 1000, 3000, 7000, 15_000, 23_000]);
    // a state change 2 s after the last tick: the next one comes at the step after the last, not 8 s later
    await vi.advanceTimersByTimeAsync(2000);
    procs = new Map([[100, stat(100, 1, 50, 1000)]]);
    h.wake();
    await vi.advanceTimersByTimeAsync(0);
    expect(scans).toBe(7); // 25 s: a step (1 s) after the last tick has passed: at once
    // the point after the quiet stretch holds the CPU over it: 50 ticks in 2 s
    expect(h.of(1)!.points().at(-1)).toEqual([35_000, 25, 1000]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(scans).toBe(8); // it changed: the step
    h.stop();
  });
});

describe('MetricsHistory wake() and the CPU budget', () => {
  afterEach(() => vi.useRealTimers());

  it('a state change does not bring a tick that was too costly for the budget back to the step', async () => {
    vi.useFakeTimers({ now: 10_000 });
    let scans = 0;
    const h = new MetricsHistory({
      scans: new ScanCache(() => {
        scans++;
        // a scan that costs 30 ms of CPU: at a 0.1 % budget, the next tick waits 30 s
        const c0 = process.cpuUsage();
        while (process.cpuUsage(c0).user + process.cpuUsage(c0).system < 30_000);
        return new Map([[100, stat(100, 1, scans, 1000)]]);
      }),
      stepMs: 1000, historyMs: 600_000, records: () => [rec(1, 100)], isLive: () => true, cpuBudget: 0.001, quietMaxMs: 8000,
    });
    h.start();
    expect(scans).toBe(1);
    await vi.advanceTimersByTimeAsync(2000);
    h.wake();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(scans).toBe(1);
    // the tick's cost is the process's CPU over it (on a busy machine the fork's own threads add to the
    // 30 ms), so the next tick is looked for second by second: it comes, and not before the budget allows
    while (scans < 2 && Date.now() < 90_000) await vi.advanceTimersByTimeAsync(1000);
    expect(scans).toBe(2);
    expect(Date.now() - 10_000).toBeGreaterThanOrEqual(30_000);
    h.stop();
  });
});

describe('history settings', () => {
  it('accepts the defaults and refuses a step under 1 s, a history shorter than its step, or too many points', () => {
    expect(() => checkHistorySettings({ history: 3_600_000, step: 5000 }, 's.yaml')).not.toThrow();
    expect(() => checkHistorySettings({ history: 3_600_000, step: 10 }, 's.yaml')).toThrow(/s\.yaml: metrics\.step must be at least 1s \(got 10 ms\)/);
    expect(() => checkHistorySettings({ history: 1000, step: 5000 }, 's.yaml')).toThrow(/metrics\.history \(1000 ms\) must be at least metrics\.step/);
    expect(() => checkHistorySettings({ history: 7 * 86_400_000, step: 5000 }, 's.yaml')).toThrow(/120960 points per process; the limit is 17280/);
  });

});

describe('the history settings read from the environment', () => {
  it('take SENTINEL_METRICS_CPU_BUDGET as a share of one core from 0 to 1, refusing anything else', () => {
    expect(cpuBudgetOf({})).toBe(DEFAULT_CPU_BUDGET);
    expect(cpuBudgetOf({ SENTINEL_METRICS_CPU_BUDGET: '' })).toBe(DEFAULT_CPU_BUDGET);
    expect(cpuBudgetOf({ SENTINEL_METRICS_CPU_BUDGET: '0.002' })).toBe(0.002);
    expect(cpuBudgetOf({ SENTINEL_METRICS_CPU_BUDGET: '0' })).toBe(0);
    expect(() => cpuBudgetOf({ SENTINEL_METRICS_CPU_BUDGET: 'cheap' })).toThrow(/SENTINEL_METRICS_CPU_BUDGET must be a share of one core from 0 \(no budget\) to 1.*\(got "cheap"\)/);
    expect(() => cpuBudgetOf({ SENTINEL_METRICS_CPU_BUDGET: '5' })).toThrow(/from 0 \(no budget\) to 1/);
    expect(() => cpuBudgetOf({ SENTINEL_METRICS_CPU_BUDGET: '-0.1' })).toThrow(/from 0 \(no budget\) to 1/);
  });

  it('take SENTINEL_METRICS_QUIET_MAX_MS as whole milliseconds, 0 or more, refusing anything else', () => {
    expect(quietMaxMsOf({})).toBe(DEFAULT_QUIET_MAX_MS);
    expect(quietMaxMsOf({ SENTINEL_METRICS_QUIET_MAX_MS: '0' })).toBe(0);
    expect(quietMaxMsOf({ SENTINEL_METRICS_QUIET_MAX_MS: '15000' })).toBe(15_000);
    expect(() => quietMaxMsOf({ SENTINEL_METRICS_QUIET_MAX_MS: 'a minute' })).toThrow(/SENTINEL_METRICS_QUIET_MAX_MS must be a whole number of milliseconds, 0 or more.*got "a minute"\)/);
    expect(() => quietMaxMsOf({ SENTINEL_METRICS_QUIET_MAX_MS: '1.5' })).toThrow(/whole number/);
  });

  it('with no budget, a costly tick does not put the next one off', () => {
    const h = new MetricsHistory({ scans: new ScanCache(() => new Map()), stepMs: 1000, historyMs: 60_000, records: () => [], isLive: () => false, cpuBudget: 0 });
    expect(h.nextDelayMs(500)).toBe(1000);
    const budgeted = new MetricsHistory({ scans: new ScanCache(() => new Map()), stepMs: 1000, historyMs: 60_000, records: () => [], isLive: () => false, cpuBudget: 0.0005 });
    expect(budgeted.nextDelayMs(5)).toBe(10_000);
  });
});
