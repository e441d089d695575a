// Periodic checks of an idle daemon (state.db still there, free space under SENTINEL_HOME) share one timer.
// Each check keeps its own interval; their due times sit on one grid (multiples of each interval from the
// same origin), so checks every 1 s and every 2 s wake the daemon once a second, not three times in two
// seconds (an idle daemon's cost is mostly its wake-ups). Monotonic time: a clock set back does not stall them.

export interface Periodic {
  /** Runs `run` every `everyMs` from now on; the answer cancels it. */
  every(everyMs: number, run: () => void): () => void;
  close(): void;
}

/** How early a wake-up may come and still run what is due. */
const EARLY_MS = 1;

interface Entry {
  everyMs: number;
  run: () => void;
  dueAt: number;
}

export function createPeriodic(now: () => number = () => performance.now()): Periodic {
  const origin = now();
  const entries = new Set<Entry>();
  let timer: NodeJS.Timeout | undefined;
  let timerDue = 0;
  let closed = false;

  const arm = () => {
    if (closed || entries.size === 0) {
      clearTimeout(timer);
      timer = undefined;
      return;
    }
    let next = Infinity;
    for (const e of entries) next = Math.min(next, e.dueAt);
    if (timer && timerDue === next) return;
    clearTimeout(timer);
    timerDue = next;
    timer = setTimeout(fire, Math.max(0, Math.round(next - now())));
    timer.unref();
  };

  const fire = () => {
    timer = undefined;
    const t = now();
    for (const e of [...entries]) {
      // a timer may fire up to a millisecond before a precise clock says it is due (the event loop counts
      // whole milliseconds): that is due, not a reason for a second wake-up a fraction of a millisecond later
      if (e.dueAt > t + EARLY_MS || !entries.has(e)) continue;
      // the next point of its grid after now (one that was missed is skipped, not run twice)
      e.dueAt += Math.max(1, Math.floor((t - e.dueAt) / e.everyMs) + 1) * e.everyMs;
      try {
        e.run();
      } catch (err) {
        // as a throwing setInterval callback would: the daemon's uncaught-exception handler logs it
        queueMicrotask(() => {
          throw err;
        });
      }
    }
    arm();
  };

  return {
    every(everyMs, run) {
      const ms = Math.max(1, Math.round(everyMs));
      const t = now();
      const e: Entry = { everyMs: ms, run, dueAt: origin + Math.floor((t - origin) / ms + 1) * ms };
      entries.add(e);
      arm();
      return () => {
        entries.delete(e);
        arm();
      };
    },
    close() {
      closed = true;
      entries.clear();
      arm();
    },
  };
}
