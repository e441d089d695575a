// Coalesces notifications per process and event kind: the first goes out at once, the repeats within
// the window are counted and sent as one summary ("crashed 37 more times in the last 5 min") when it
// ends. A crash storm is then one message per window instead of one per crash.
import type { NotifyEvent, NotifyEventKind } from './types.js';

export const DEFAULT_COALESCE_WINDOW_MS = 5 * 60_000;

export interface CoalescerDeps {
  windowMs?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
}

export interface Coalescer {
  /** Sends now (returning what `send` returned) or counts it for the window's summary (returning null). */
  push<T>(event: NotifyEvent, send: (event: NotifyEvent) => Promise<T>): Promise<T> | null;
  close(): void;
}

const VERBS: Record<NotifyEventKind, string> = {
  crash: 'crashed', failed: 'failed', unhealthy: 'became unhealthy', recovered: 'recovered', test: 'was tested',
};

/** "5 min", "30 s", "1 h" */
export function formatWindow(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

/** The summary of `count` repeats of `last` within a window. */
export function summaryOf(last: NotifyEvent, count: number, windowMs: number): NotifyEvent {
  const times = count === 1 ? 'time' : 'times';
  const reason = `${VERBS[last.event]} ${count} more ${times} in the last ${formatWindow(windowMs)}${last.reason ? `; last: ${last.reason}` : ''}`;
  return { ...last, reason, repeats: count, time: undefined };
}

interface Window {
  count: number;
  last: NotifyEvent;
  timer: unknown;
  send: (event: NotifyEvent) => Promise<unknown>;
}

export function createCoalescer(deps: CoalescerDeps = {}): Coalescer {
  const windowMs = deps.windowMs ?? DEFAULT_COALESCE_WINDOW_MS;
  const setTimer = deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms).unref());
  const clearTimer = deps.clearTimer ?? ((t) => clearTimeout(t as NodeJS.Timeout));
  const open = new Map<string, Window>();

  function close(key: string): void {
    const w = open.get(key);
    if (!w) return;
    if (w.count === 0) {
      open.delete(key);
      return;
    }
    // the summary goes out and a new window starts: a storm that goes on gets one summary per window
    const summary = summaryOf(w.last, w.count, windowMs);
    w.count = 0;
    w.timer = setTimer(() => close(key), windowMs);
    void w.send(summary).catch(() => undefined);
  }

  return {
    push(event, send) {
      if (event.event === 'test' || windowMs <= 0) return send(event);
      const key = `${event.process}\u0000${event.event}`;
      const w = open.get(key);
      if (w) {
        w.count += 1;
        w.last = event;
        w.send = send as (e: NotifyEvent) => Promise<unknown>;
        return null;
      }
      open.set(key, { count: 0, last: event, send: send as (e: NotifyEvent) => Promise<unknown>, timer: setTimer(() => close(key), windowMs) });
      return send(event);
    },
    close() {
      for (const w of open.values()) clearTimer(w.timer);
      open.clear();
    },
  };
}
