// After a burst of work (`up` of a thousand processes, a restart of all of them) V8 keeps the heap pages
// the burst filled: its memory reducer would give them back, but it waits for signs of idleness that
// Node never sends, so a daemon that then idles for days holds them for days (measured with 1000
// processes up: 61 MiB private, 56 MiB after one full collection). Once the burst is over (no process
// changed state for a while) one full collection gives them back. It runs only after enough changes, so
// a process crashing in a loop does not get a collection per restart, and not in the middle of a burst
// shorter than maxBusyMs. A churn that never stops (processes restarting all the time) gets one collection
// every maxBusyMs: waiting for a quiet moment it never reached, the daemon's private memory grew all along
// (100 processes restarting 19 times a second: 38.3 -> 53.7 MiB over an hour). Measured with 100 processes
// restarting 30 times a second (the overall restart rate limit), 4 min, run side by side: private growth
// 12.2 % without, 6.5 % with (a sawtooth between collections, its lows 22.7 MiB at 1, 2 and 3 min, 23.7 at
// 4); each collection with its malloc_trim took 120-240 ms on the 2 loaded cores, once a minute.
import type { Clock } from '../core/clock.js';

export interface IdleCollector {
  /** A process changed state (started, exited, stopped...). */
  note(): void;
  close(): void;
}

export interface IdleCollectorOptions {
  /** V8's full collection (globalThis.gc with --expose-gc); without it nothing is collected. */
  gc: (() => void) | undefined;
  /** Run right after each collection: malloc_trim, so what the collection freed outside V8's heap goes back too. */
  trim?: () => void;
  clock: Clock;
  /** How long without a change makes the burst over (default 2 s). */
  quietMs?: number;
  /** How many changes since the last collection make one worth it (default 50). */
  minChanges?: number;
  /** The longest changes that keep coming put off a collection once minChanges are counted (default 60 s). */
  maxBusyMs?: number;
  /** Told after each collection how long it took. */
  onCollect?: (ms: number) => void;
}

export function collectWhenIdle(o: IdleCollectorOptions): IdleCollector {
  const gc = o.gc;
  const quietMs = o.quietMs ?? 2000;
  const minChanges = o.minChanges ?? 50;
  const maxBusyMs = o.maxBusyMs ?? 60_000;
  let changes = 0;
  let timer: unknown = null;
  /** When the changes since the last collection reached minChanges: the collection is due maxBusyMs later at most. */
  let dueBy = 0;
  let closed = false;
  const fire = () => {
    timer = null;
    if (closed || !gc || changes < minChanges) return;
    changes = 0;
    const t0 = performance.now();
    gc();
    o.trim?.();
    o.onCollect?.(performance.now() - t0);
  };
  return {
    note() {
      if (closed || !gc) return;
      changes++;
      if (changes < minChanges) return;
      const now = o.clock.now();
      if (changes === minChanges) dueBy = now + maxBusyMs;
      if (timer !== null) o.clock.clearTimeout(timer);
      timer = o.clock.setTimeout(fire, Math.max(0, Math.min(quietMs, dueBy - now)));
    },
    close() {
      closed = true;
      if (timer !== null) o.clock.clearTimeout(timer);
      timer = null;
    },
  };
}
