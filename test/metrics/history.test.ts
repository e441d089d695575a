// The history sampler with a made-up /proc and clock: bounded rings, CPU from tick deltas, one scan per tick.
import { describe, expect, it } from 'vitest';
import { checkHistorySettings, MetricsHistory } from '../../src/daemon/metrics-history.js';
import { ScanCache } from '../../src/metrics/scan-cache.js';
import type { ProcStat } from '../../src/metrics/proc-tree.js';
import type { ProcessRecord } from '../../src/store/processes.js';

function stat(pid: number, ppid: number, cpuTicks: number, rssBytes: number): ProcStat {
  return { pid, ppid, state: 'S', cpuTicks, startTime: 1, rssBytes };
}

function rec(id: number, pid: number | null): ProcessRecord {
  return { id, name: `p${id}`, instance: 0, pid, state: pid ? 'running' : 'stopped' } as ProcessRecord;
}

function setup(stepMs: number, historyMs: number) {
  let now = 10_000;
  let scans = 0;
  let procs = new Map<number, ProcStat>();
  let records: ProcessRecord[] = [];
  const cache = new ScanCache(() => {
    scans++;
    return new Map(procs);
  }, () => now);
  const h = new MetricsHistory({ scans: cache, stepMs, historyMs, records: () => records, isLive: (r) => r.state === 'running', now: () => now });
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

describe('history settings', () => {
  it('accepts the defaults and refuses a step under 1 s, a history shorter than its step, or too many points', () => {
    expect(() => checkHistorySettings({ history: 3_600_000, step: 5000 }, 's.yaml')).not.toThrow();
    expect(() => checkHistorySettings({ history: 3_600_000, step: 10 }, 's.yaml')).toThrow(/s\.yaml: metrics\.step must be at least 1s \(got 10 ms\)/);
    expect(() => checkHistorySettings({ history: 1000, step: 5000 }, 's.yaml')).toThrow(/metrics\.history \(1000 ms\) must be at least metrics\.step/);
    expect(() => checkHistorySettings({ history: 7 * 86_400_000, step: 5000 }, 's.yaml')).toThrow(/120960 points per process; the limit is 17280/);
  });
});
