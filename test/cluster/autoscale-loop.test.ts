// The autoscaler's timer runs only while a definition scales: with none, nothing is sampled; a created
// scaled definition starts it (notice), and it stops again once none is left. Fake timers and supervisor.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startAutoscaler } from '../../src/cluster/autoscale-loop.js';
import type { Supervisor } from '../../src/core/supervisor.js';
import type { UsageSampler } from '../../src/daemon/metrics.js';
import type { ProcessRecord } from '../../src/store/processes.js';

const SCALE = { min: 1, max: 3, cpuPercent: 50, memoryBytes: null, upAfterMs: 4000, downAfterMs: 4000, cooldownMs: 1000, policy: null };

function rec(id: number, name: string, scale: typeof SCALE | null): ProcessRecord {
  return { id, name, instance: 0, pid: 1000 + id, state: 'running', spec: { scale } } as unknown as ProcessRecord;
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('autoscaler loop', () => {
  it('samples nothing and lists nothing without a scaled definition; starts on notice and stops when none is left', async () => {
    let records = [rec(1, 'plain', null)];
    const list = vi.fn(() => records);
    const sample = vi.fn(() => new Map([[1002, { cpuPercent: 10, memoryBytes: 1000 }]]));
    const supervisor = { list, instancesOf: (name: string) => records.filter((r) => r.name === name) } as unknown as Supervisor;
    const loop = startAutoscaler({ supervisor, usage: { sample } as unknown as UsageSampler, scaleTo: async () => undefined, warn: () => undefined });
    list.mockClear();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(list).not.toHaveBeenCalled();

    const web = rec(2, 'web', SCALE);
    records = [...records, web];
    loop.notice(web);
    await vi.advanceTimersByTimeAsync(3000);
    // a quarter of its 4 s window: a sample every second
    expect(sample.mock.calls.length).toBeGreaterThanOrEqual(2);

    records = records.filter((r) => r !== web);
    await vi.advanceTimersByTimeAsync(12_000);
    list.mockClear();
    sample.mockClear();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(list).not.toHaveBeenCalled();
    expect(sample).not.toHaveBeenCalled();
    // an unscaled definition does not start it
    loop.notice(rec(3, 'other', null));
    await vi.advanceTimersByTimeAsync(30_000);
    expect(list).not.toHaveBeenCalled();
    loop.close();
  });
});
