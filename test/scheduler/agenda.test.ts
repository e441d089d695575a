import { describe, expect, it } from 'vitest';
import { createAgenda, MAX_TIMER_MS, realClock } from '../../src/scheduler/agenda.js';
import { createFakeClock } from './helpers.js';

describe('agenda: one timer for all wake-ups', () => {
  it('fires entries in time order with a single pending timer', async () => {
    const clock = createFakeClock(0);
    const agenda = createAgenda(clock);
    const fired: string[] = [];
    for (const [key, at] of [['c', 3000], ['a', 1000], ['b', 2000], ['a2', 1000]] as const) agenda.set(key, at, () => fired.push(key));
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(5000);
    expect(fired).toEqual(['a', 'a2', 'b', 'c']);
    expect(clock.pendingTimers()).toBe(0);
    expect(clock.maxPendingTimers()).toBe(1);
  });

  it('re-arms when the earliest entry is moved or deleted', async () => {
    const clock = createFakeClock(0);
    const agenda = createAgenda(clock);
    const fired: string[] = [];
    agenda.set('x', 1000, () => fired.push('x'));
    agenda.set('y', 5000, () => fired.push('y'));
    agenda.delete('x');
    expect(agenda.nextAt()).toBe(5000);
    agenda.set('y', 8000, () => fired.push('y'));
    await clock.advance(7000);
    expect(fired).toEqual([]);
    await clock.advance(1000);
    expect(fired).toEqual(['y']);
    expect(clock.maxPendingTimers()).toBe(1);
  });

  it('clamps long waits and re-checks the wall clock, never asking setTimeout for more than 2^31-1 ms', async () => {
    const clock = createFakeClock(0);
    const agenda = createAgenda(clock, { maxWaitMs: Number.MAX_SAFE_INTEGER });
    let fired = 0;
    const fortyDays = 40 * 86_400_000;
    agenda.set('far', fortyDays, () => fired++);
    await clock.advance(fortyDays - 1);
    expect(fired).toBe(0);
    await clock.advance(1);
    expect(fired).toBe(1);
    expect(Math.max(...clock.requestedDelays)).toBeLessThanOrEqual(MAX_TIMER_MS);
    expect(clock.requestedDelays.length).toBeGreaterThan(1);
  });

  it('keeps firing other entries when one throws', async () => {
    const clock = createFakeClock(0);
    const errors: string[] = [];
    const agenda = createAgenda(clock, { onError: (_e, key) => errors.push(key) });
    let ok = false;
    agenda.set('bad', 10, () => {
      throw new Error('boom');
    });
    agenda.set('good', 10, () => (ok = true));
    await clock.advance(10);
    expect(errors).toEqual(['bad']);
    expect(ok).toBe(true);
  });

  it('the real clock unrefs its timers', () => {
    const handle = realClock.setTimer(() => {}, 10_000) as NodeJS.Timeout;
    expect(handle.hasRef()).toBe(false);
    realClock.clearTimer(handle);
  });
});
