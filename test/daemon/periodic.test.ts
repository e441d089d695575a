// One timer for the daemon's periodic checks: each keeps its interval, and checks whose intervals are
// multiples of each other run in the same wake-up.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPeriodic } from '../../src/daemon/periodic.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

describe('createPeriodic', () => {
  it('runs each check at its own interval, the 1 s and 2 s ones in the same wake-up', async () => {
    const p = createPeriodic(() => Date.now());
    const runs: string[] = [];
    const wakes = new Set<number>();
    p.every(1000, () => {
      runs.push(`a@${Date.now()}`);
      wakes.add(Date.now());
    });
    await vi.advanceTimersByTimeAsync(3);
    p.every(2000, () => {
      runs.push(`b@${Date.now()}`);
      wakes.add(Date.now());
    });
    await vi.advanceTimersByTimeAsync(6000);
    expect(runs).toEqual(['a@1000', 'a@2000', 'b@2000', 'a@3000', 'a@4000', 'b@4000', 'a@5000', 'a@6000', 'b@6000']);
    expect([...wakes]).toEqual([1000, 2000, 3000, 4000, 5000, 6000]);
    expect(vi.getTimerCount()).toBe(1);
    p.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a cancelled check stops; with none left there is no timer; a late wake-up runs a check once, not once per missed interval', async () => {
    let now = 0;
    const p = createPeriodic(() => now);
    let a = 0;
    const cancel = p.every(1000, () => void a++);
    now = 3500; // the loop was blocked for 3.5 s
    await vi.advanceTimersByTimeAsync(1000);
    expect(a).toBe(1);
    now = 4000;
    await vi.advanceTimersByTimeAsync(500);
    expect(a).toBe(2);
    cancel();
    expect(vi.getTimerCount()).toBe(0);
    now = 10_000;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(a).toBe(2);
  });

  it('a check that throws does not stop the others, and the error still surfaces', async () => {
    const p = createPeriodic(() => Date.now());
    const errors: unknown[] = [];
    const onError = (err: unknown) => errors.push(err);
    process.on('uncaughtException', onError);
    try {
      let b = 0;
      p.every(1000, () => {
        throw new Error('boom');
      });
      p.every(1000, () => void b++);
      await vi.advanceTimersByTimeAsync(2000);
      expect(b).toBe(2);
      expect(errors.map((e) => (e as Error).message)).toEqual(['boom', 'boom']);
    } finally {
      p.close();
      process.off('uncaughtException', onError);
    }
  });
});

describe('createPeriodic with a precise clock', () => {
  it('a wake-up a fraction of a millisecond early runs what is due, without a second wake-up', async () => {
    const origSet = globalThis.setTimeout;
    let fires = 0;
    globalThis.setTimeout = ((fn: () => void, ms?: number) => origSet(() => {
      fires++;
      fn();
    }, ms)) as typeof setTimeout;
    try {
      // the precise clock reads 0.3 ms behind the whole milliseconds the timers fire on, as
      // performance.now() can against the event loop's truncated time
      let skew = 0;
      const q = createPeriodic(() => Date.now() - skew);
      let runs = 0;
      q.every(1000, () => void runs++);
      skew = 0.3;
      await vi.advanceTimersByTimeAsync(5000);
      expect(runs).toBe(5);
      expect(fires).toBe(5);
      q.close();
    } finally {
      globalThis.setTimeout = origSet;
    }
  });
});
