// After a burst of work (`up` of a thousand processes, a restart of all of them) V8 keeps the heap pages
// the burst filled: its memory reducer would give them back, but it waits for signs of idleness that
// Node never sends, so a daemon that then idles for days holds them for days (measured with 1000
// processes up: 61 MiB private, 56 MiB after one full collection). Once the burst is over (no process
// changed state for a while) one full collection gives them back. It runs only after enough changes, so
// a process crashing in a loop does not get a collection per restart, and never in the middle of a burst.
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
  /** Told after each collection how long it took. */
  onCollect?: (ms: number) => void;
}

export function collectWhenIdle(o: IdleCollectorOptions): IdleCollector {
  const gc = o.gc;
  const quietMs = o.quietMs ?? 2000;
  const minChanges = o.minChanges ?? 50;
  let changes = 0;
  let timer: unknown = null;
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
      if (timer !== null) o.clock.clearTimeout(timer);
      timer = o.clock.setTimeout(fire, quietMs);
    },
    close() {
      closed = true;
      if (timer !== null) o.clock.clearTimeout(timer);
      timer = null;
    },
  };
}
