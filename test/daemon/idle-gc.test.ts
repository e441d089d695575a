// One full collection once a burst of state changes is over; none during it, none for a trickle of
// changes below the threshold, none without V8's gc.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/fake-clock.js';
import { collectWhenIdle } from '../../src/daemon/idle-gc.js';

function setup(minChanges = 5, quietMs = 2000) {
  const clock = new FakeClock();
  let collections = 0;
  const idle = collectWhenIdle({ gc: () => void collections++, clock, quietMs, minChanges });
  return { clock, idle, collections: () => collections };
}

describe('collectWhenIdle', () => {
  it('collects once, after the burst has been quiet for quietMs', () => {
    const { clock, idle, collections } = setup();
    for (let i = 0; i < 20; i++) {
      idle.note();
      clock.advance(100);
    }
    // still within quietMs of the last change
    clock.advance(1800);
    expect(collections()).toBe(0);
    clock.advance(200);
    expect(collections()).toBe(1);
    clock.advance(60_000);
    expect(collections()).toBe(1);
    expect(clock.pending()).toBe(0);
  });

  it('never collects in the middle of a burst that keeps going, up to maxBusyMs', () => {
    const { clock, idle, collections } = setup();
    // 10 s of changes, each within quietMs of the last: shorter than the default 15 s
    for (let i = 0; i < 200; i++) {
      idle.note();
      clock.advance(50);
    }
    expect(collections()).toBe(0);
    clock.advance(2000);
    expect(collections()).toBe(1);
  });

  it('collects every maxBusyMs under a churn of changes that never stops', () => {
    const clock = new FakeClock();
    let collections = 0;
    const idle = collectWhenIdle({ gc: () => void collections++, clock, minChanges: 5, maxBusyMs: 10_000 });
    // a change every 500 ms for 40 s: never quiet for 2 s
    for (let i = 0; i < 80; i++) {
      idle.note();
      clock.advance(500);
    }
    // due 10 s after the 5th change (at 2 s): at 12, 24 and 36 s (the 5th change after each is 2 s later)
    expect(collections).toBe(3);
    // and once it goes quiet, one more for what came since the last
    clock.advance(2000);
    expect(collections).toBe(4);
    expect(clock.pending()).toBe(0);
  });

  it('a few changes are not worth a collection; they count towards the next one', () => {
    const { clock, idle, collections } = setup(5);
    for (let i = 0; i < 4; i++) idle.note();
    clock.advance(10_000);
    expect(collections()).toBe(0);
    expect(clock.pending()).toBe(0);
    idle.note();
    clock.advance(2000);
    expect(collections()).toBe(1);
    // counted from zero again
    for (let i = 0; i < 4; i++) idle.note();
    clock.advance(10_000);
    expect(collections()).toBe(1);
  });

  it('does nothing without gc, and nothing after close', () => {
    const clock = new FakeClock();
    const none = collectWhenIdle({ gc: undefined, clock, minChanges: 1 });
    none.note();
    expect(clock.pending()).toBe(0);
    const { clock: c2, idle, collections } = setup(1);
    idle.note();
    idle.close();
    c2.advance(10_000);
    expect(collections()).toBe(0);
    idle.note();
    expect(c2.pending()).toBe(0);
  });

  it('trims malloc right after each collection, never without one', () => {
    const clock = new FakeClock();
    const order: string[] = [];
    const idle = collectWhenIdle({ gc: () => void order.push('gc'), trim: () => void order.push('trim'), clock, minChanges: 3 });
    idle.note();
    clock.advance(10_000);
    expect(order).toEqual([]);
    for (let i = 0; i < 3; i++) idle.note();
    clock.advance(2000);
    expect(order).toEqual(['gc', 'trim']);
  });
});
