// One restart per burst: the debouncer flushes once, delay after the last change, with a fake clock.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/fake-clock.js';
import { createDebouncer, describeBurst, type ChangeBurst } from '../../src/watch/debounce.js';

function setup(delayMs = 500) {
  const clock = new FakeClock();
  const flushed: Array<ChangeBurst & { at: number }> = [];
  const d = createDebouncer({ delayMs, clock, onFlush: (b) => flushed.push({ ...b, at: clock.now() }) });
  return { clock, flushed, d, start: clock.now() };
}

describe('createDebouncer', () => {
  it('one change: one flush, delay after it', () => {
    const { clock, flushed, d, start } = setup();
    d.push('src/a.js');
    clock.advance(499);
    expect(flushed).toEqual([]);
    clock.advance(1);
    expect(flushed).toEqual([{ first: ['src/a.js'], count: 1, at: start + 500 }]);
    expect(d.pending()).toBe(false);
  });

  it('a burst of 200 changes 10 ms apart flushes once, delay after the last', () => {
    const { clock, flushed, d, start } = setup();
    for (let i = 0; i < 200; i++) {
      d.push(`f${i % 150}.js`);
      clock.advance(10);
    }
    expect(flushed).toEqual([]);
    clock.advance(10_000);
    expect(flushed).toHaveLength(1);
    expect(flushed[0].count).toBe(150);
    expect(flushed[0].first).toHaveLength(20);
    expect(flushed[0].first[0]).toBe('f0.js');
    expect(flushed[0].at).toBe(start + 199 * 10 + 500);
  });

  it('two bursts apart are two flushes, each with its own files', () => {
    const { clock, flushed, d } = setup(200);
    d.push('a');
    d.push('a');
    clock.advance(300);
    d.push('b');
    clock.advance(300);
    expect(flushed.map((f) => [f.first, f.count])).toEqual([[['a'], 1], [['b'], 1]]);
  });

  it('cancel drops what is pending', () => {
    const { clock, flushed, d } = setup();
    d.push('a');
    d.cancel();
    clock.advance(5000);
    expect(flushed).toEqual([]);
    expect(clock.pending()).toBe(0);
  });

  it('describes a burst as the restart reason', () => {
    expect(describeBurst({ first: ['src/app.js'], count: 1 })).toBe('file changed: src/app.js');
    expect(describeBurst({ first: ['src/app.js', 'b'], count: 13 })).toBe('file changed: src/app.js (+12 more)');
  });
});
