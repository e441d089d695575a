// The scope watcher polls only while a scoped process exists: no scope, no timer (an idle daemon does not wake
// twice a second for nothing); a created scoped process arms it again. Fake timers, made-up records.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createScopeWatcher } from '../../src/daemon/scopes.js';
import type { Logger } from '../../src/daemon/logger.js';
import type { ProcessRecord } from '../../src/store/processes.js';

const log = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as unknown as Logger;

function rec(name: string, scope: { pid: number; startTime: number } | null): ProcessRecord {
  return { id: name.length, name, instance: 0, pid: 1, state: 'running', spec: { scope } } as unknown as ProcessRecord;
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('scope watcher', () => {
  it('stops polling once no process has a scope, and polls again when a scoped one is created', async () => {
    let records = [rec('free', null)];
    const list = vi.fn(() => records);
    const alivePids = new Set([4242]);
    const removed: string[] = [];
    const w = createScopeWatcher({
      list, log, pollMs: 500,
      isAlive: (pid) => alivePids.has(pid),
      remove: async (name) => {
        removed.push(name);
        records = records.filter((r) => r.name !== name);
      },
    });
    await w.check();
    list.mockClear();
    await vi.advanceTimersByTimeAsync(5000);
    expect(list).not.toHaveBeenCalled();

    const tied = rec('tied', { pid: 4242, startTime: 1 });
    records = [...records, tied];
    w.notice(tied);
    await vi.advanceTimersByTimeAsync(600);
    expect(list).toHaveBeenCalled();
    expect(removed).toEqual([]);
    // its scope ends: the process is deleted at the next poll, then the polling stops again
    alivePids.delete(4242);
    await vi.advanceTimersByTimeAsync(500);
    expect(removed).toEqual(['tied']);
    await vi.advanceTimersByTimeAsync(500);
    list.mockClear();
    await vi.advanceTimersByTimeAsync(5000);
    expect(list).not.toHaveBeenCalled();
    // an unscoped process does not arm it
    w.notice(rec('other', null));
    await vi.advanceTimersByTimeAsync(5000);
    expect(list).not.toHaveBeenCalled();
    w.close();
  });

  it('a daemon started for scopes keeps polling while empty, and ends once its grace has passed', async () => {
    const onEmpty = vi.fn();
    const w = createScopeWatcher({ list: () => [], log, pollMs: 500, isAlive: () => true, remove: async () => undefined, onEmpty, graceMs: 2000 });
    await w.check();
    expect(onEmpty).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(2600);
    expect(onEmpty).toHaveBeenCalledTimes(1);
    w.close();
  });
});
