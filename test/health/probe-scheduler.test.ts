// The shared probe scheduler on a fake clock: slot rounding, reusable timers (re-arm, cancel),
// and the heap staying in order when entries leave from the middle.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/fake-clock.js';
import { createProbeScheduler } from '../../src/health/probe-scheduler.js';
import { slotFor } from '../../src/health/liveness.js';

const T0 = 1_000_000;

describe('probe scheduler', () => {
  it('rounds due times up to the slot and runs a slot in one wake-up', () => {
    const clock = new FakeClock(T0);
    const s = createProbeScheduler(clock, { slotMs: 100 });
    const ran: string[] = [];
    s.schedule(T0 + 10, () => ran.push(`a@${clock.now() - T0}`));
    s.schedule(T0 + 90, () => ran.push(`b@${clock.now() - T0}`));
    s.schedule(T0 + 101, () => ran.push(`c@${clock.now() - T0}`));
    clock.advance(99);
    expect(ran).toEqual([]);
    clock.advance(1);
    expect(ran).toEqual(['a@100', 'b@100']);
    expect(s.wakeups()).toBe(1);
    clock.advance(100);
    expect(ran).toEqual(['a@100', 'b@100', 'c@200']);
    expect(s.size()).toBe(0);
    expect(clock.pending()).toBe(0); // nothing left armed
  });

  it('a timer re-armed while waiting runs once, at the new time; cancelled, it does not run', () => {
    const clock = new FakeClock(T0);
    const s = createProbeScheduler(clock, { slotMs: 1 });
    const ran: number[] = [];
    const t = s.timer(() => ran.push(clock.now() - T0));
    t.at(T0 + 500);
    t.at(T0 + 200); // replaces the run at 500
    expect(s.size()).toBe(1);
    clock.advance(1000);
    expect(ran).toEqual([200]);
    t.at(T0 + 1500);
    t.cancel();
    t.cancel(); // twice is harmless
    clock.advance(1000);
    expect(ran).toEqual([200]);
    expect(clock.pending()).toBe(0);
  });

  it('a timer can re-arm itself from its own run (how a checker plans its next probe)', () => {
    const clock = new FakeClock(T0);
    const s = createProbeScheduler(clock, { slotMs: 1 });
    const ran: number[] = [];
    const t = s.timer(() => {
      ran.push(clock.now() - T0);
      if (ran.length < 4) t.at(clock.now() + 250);
    });
    t.at(T0 + 250);
    clock.advance(5000);
    expect(ran).toEqual([250, 500, 750, 1000]);
  });

  it('cancelling the earliest entry re-arms for the next one, not for nothing', () => {
    const clock = new FakeClock(T0);
    const s = createProbeScheduler(clock, { slotMs: 1 });
    const ran: string[] = [];
    const first = s.timer(() => ran.push('first'));
    const second = s.timer(() => ran.push('second'));
    first.at(T0 + 100);
    second.at(T0 + 300);
    first.cancel();
    clock.advance(299);
    expect(ran).toEqual([]);
    clock.advance(1);
    expect(ran).toEqual(['second']);
  });

  it('keeps due order through many re-arms and cancels from the middle of the heap', () => {
    const clock = new FakeClock(T0);
    const s = createProbeScheduler(clock, { slotMs: 1 });
    let seed = 42;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const ran: { id: number; at: number }[] = [];
    const want = new Map<number, number>();
    const timers = Array.from({ length: 300 }, (_, id) => s.timer(() => ran.push({ id, at: clock.now() })));
    for (let round = 0; round < 3; round++) {
      for (let id = 0; id < timers.length; id++) {
        const at = T0 + 1 + rand(10_000);
        timers[id].at(at);
        want.set(id, at);
      }
    }
    for (let i = 0; i < 100; i++) {
      const id = rand(timers.length);
      timers[id].cancel();
      want.delete(id);
    }
    expect(s.size()).toBe(want.size);
    clock.advance(20_000);
    // every entry still wanted ran once, at its own time, in time order
    expect(ran.length).toBe(want.size);
    for (const r of ran) expect(r.at).toBe(want.get(r.id));
    for (let i = 1; i < ran.length; i++) expect(ran[i].at).toBeGreaterThanOrEqual(ran[i - 1].at);
    expect(s.size()).toBe(0);
  });

  it('a timer may have its own slot, and an exact arming is not rounded', () => {
    const clock = new FakeClock(T0);
    const s = createProbeScheduler(clock, { slotMs: 100 });
    const ran: string[] = [];
    const wide = s.timer(() => ran.push(`wide@${clock.now() - T0}`), 250);
    const exact = s.timer(() => ran.push(`exact@${clock.now() - T0}`), 250);
    wide.at(T0 + 10);
    exact.at(T0 + 310, true);
    s.schedule(T0 + 10, () => ran.push(`default@${clock.now() - T0}`));
    clock.advance(1000);
    expect(ran).toEqual(['default@100', 'wide@250', 'exact@310']);
  });

  it('liveness slots: a quarter of the interval, at most 250 ms, at least 1 ms', () => {
    expect(slotFor(100)).toBe(25);
    expect(slotFor(1000)).toBe(250);
    expect(slotFor(10_000)).toBe(250);
    expect(slotFor(2)).toBe(1);
  });

  it('a throwing entry does not stop the others', () => {
    const clock = new FakeClock(T0);
    const s = createProbeScheduler(clock, { slotMs: 100 });
    const ran: string[] = [];
    s.schedule(T0 + 50, () => {
      throw new Error('boom');
    });
    s.schedule(T0 + 60, () => ran.push('after'));
    clock.advance(100);
    expect(ran).toEqual(['after']);
  });
});
