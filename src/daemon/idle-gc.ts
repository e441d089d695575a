// After a burst of work (`up` of a thousand processes, a restart of all of them) V8 keeps the heap pages
// the burst filled: its memory reducer would give them back, but it waits for signs of idleness that
// Node never sends, so a daemon that then idles for days holds them for days (measured with 1000
// processes up: 61 MiB private, 56 MiB after one full collection). Once the burst is over (no process
// changed state for a while) one full collection gives them back. It runs only after enough changes, so
// a process crashing in a loop does not get a collection per restart, and not in the middle of a burst
// shorter than maxBusyMs. A churn that never stops (processes restarting all the time) gets one collection
// every maxBusyMs: waiting for a quiet moment it never reached, the daemon's private memory grew all along
// (100 processes restarting 19 times a second: 38.3 -> 53.7 MiB over an hour). Measured with bench/churn-memory.mjs
// (100 processes, 19 restarts a second), each build run side by side with one without: once a minute, private
// growth over 6 min 11.5 % against 23.0 %, but a sawtooth of 22.4-28.9 MiB between collections; every 15 s,
// over 5 min 8.9 % against 16.5 %, 20.6-24.0 MiB (what is left grows with the bounded maps of ended runs in
// run-marker.ts and run-owners.ts, 10,000 each). A collection with its malloc_trim took 140-300 ms on the 2
// cores the two benches shared (70-160 ms once a minute): about 1 % of a core while a churn lasts.
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
  /** The longest changes that keep coming put off a collection once minChanges are counted (default 15 s). */
  maxBusyMs?: number;
  /** Told after each collection how long it took. */
  onCollect?: (ms: number) => void;
}

export function collectWhenIdle(o: IdleCollectorOptions): IdleCollector {
  const gc = o.gc;
  const quietMs = o.quietMs ?? 2000;
  const minChanges = o.minChanges ?? 50;
  const maxBusyMs = o.maxBusyMs ?? 15_000;
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
