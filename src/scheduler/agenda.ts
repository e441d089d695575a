// One timer for everything the scheduler waits on (due times, retries, jitter, cron restarts):
// keyed wake-ups, and a single timer armed for the earliest of them.

/** Time comes in through this interface so the engine can be driven by a fake clock in tests. */
export interface SchedulerClock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

/** Node's setTimeout overflows (and fires at once) past 2^31-1 ms, about 24.8 days. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The wall clock with unref'd timers, so a pending wake-up never keeps the process alive. */
export const realClock: SchedulerClock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    const t = setTimeout(fn, Math.min(Math.max(0, ms), MAX_TIMER_MS));
    t.unref();
    return t;
  },
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface Agenda {
  /** Wakes `fire` at `at` (epoch ms); replaces an earlier entry with the same key. */
  set(key: string, at: number, fire: () => void): void;
  delete(key: string): boolean;
  /** Deletes every key that starts with `prefix`. */
  deletePrefix(prefix: string): void;
  has(key: string): boolean;
  atOf(key: string): number | undefined;
  /** The earliest wake-up, or null when nothing is waiting. */
  nextAt(): number | null;
  size(): number;
  clear(): void;
}

export interface AgendaOptions {
  /** The longest single wait: the timer re-checks the wall clock at least this often (clock jumps, suspend). */
  maxWaitMs?: number;
  onError?: (err: unknown, key: string) => void;
}

interface Entry {
  at: number;
  fire: () => void;
}

export function createAgenda(clock: SchedulerClock, opts: AgendaOptions = {}): Agenda {
  const maxWait = Math.min(opts.maxWaitMs ?? 60_000, MAX_TIMER_MS);
  const entries = new Map<string, Entry>();
  let armed: { at: number; handle: unknown } | null = null;
  let firing = false;

  function earliest(): number | null {
    let min: number | null = null;
    for (const e of entries.values()) if (min === null || e.at < min) min = e.at;
    return min;
  }

  function disarm(): void {
    if (armed) clock.clearTimer(armed.handle);
    armed = null;
  }

  /** Points the one timer at `at` (the earliest wake-up), clamped to maxWait. */
  function armFor(at: number | null): void {
    if (firing) return;
    if (at === null) return disarm();
    if (armed && armed.at === at) return;
    disarm();
    const delay = Math.min(Math.max(0, at - clock.now()), maxWait);
    armed = { at, handle: clock.setTimer(onTimer, delay) };
  }

  function onTimer(): void {
    armed = null;
    firing = true;
    try {
      const now = clock.now();
      const due = [...entries].filter(([, e]) => e.at <= now).sort((a, b) => a[1].at - b[1].at);
      for (const [key] of due) entries.delete(key);
      for (const [key, e] of due) {
        try {
          e.fire();
        } catch (err) {
          opts.onError?.(err, key);
        }
      }
    } finally {
      firing = false;
    }
    armFor(earliest());
  }

  return {
    set(key, at, fire) {
      const old = entries.get(key);
      entries.set(key, { at, fire });
      if (!armed || at < armed.at) armFor(at);
      else if (old && old.at === armed.at && at > old.at) armFor(earliest());
    },
    delete(key) {
      const old = entries.get(key);
      if (!old) return false;
      entries.delete(key);
      if (armed && old.at === armed.at) armFor(earliest());
      return true;
    },
    deletePrefix(prefix) {
      let touched = false;
      for (const key of [...entries.keys()]) {
        if (key.startsWith(prefix)) {
          entries.delete(key);
          touched = true;
        }
      }
      if (touched) armFor(earliest());
    },
    has: (key) => entries.has(key),
    atOf: (key) => entries.get(key)?.at,
    nextAt: earliest,
    size: () => entries.size,
    clear() {
      entries.clear();
      disarm();
    },
  };
}
