// When a schedule is due: the next time after a moment, the next n, and the due times inside a window.
import { Cron } from 'croner';
import type { Schedule, Trigger } from './schedule.js';

/** Compiled expressions kept (least recently used go first): a croner object holds ~80 KiB. */
const CACHE_SIZE = 64;
const compiled = new Map<string, Cron>();

/** Croner objects are costly to build and to keep; a small LRU of them serves the hot ones. */
function compileCron(expr: string, tz: string | undefined): Cron {
  const key = `${tz ?? ''}\u0000${expr}`;
  let cron = compiled.get(key);
  if (cron) {
    compiled.delete(key);
  } else {
    cron = new Cron(expr, { paused: true, timezone: tz, mode: '5-or-6-parts' });
    if (compiled.size >= CACHE_SIZE) compiled.delete(compiled.keys().next().value as string);
  }
  compiled.set(key, cron);
  return cron;
}

type Timed = Pick<Schedule, 'trigger' | 'createdAt'>;

/** Interval due times sit on a grid anchored at creation (createdAt + k·every, k ≥ 1), so they never drift. */
function intervalIndexAfter(everyMs: number, anchor: number, after: number): number {
  if (after < anchor + everyMs) return 1;
  return Math.floor((after - anchor) / everyMs) + 1;
}

/** The first due time strictly after `after`, or null when there is none (a one-time run already past). */
export function nextRunAfter(schedule: Timed, after: number): number | null {
  const t: Trigger = schedule.trigger;
  if ('cron' in t) return compileCron(t.cron, t.tz).nextRun(new Date(after))?.getTime() ?? null;
  if ('everyMs' in t) return schedule.createdAt + intervalIndexAfter(t.everyMs, schedule.createdAt, after) * t.everyMs;
  return t.at > after ? t.at : null;
}

/** The next `n` due times strictly after `from`. */
export function upcoming(schedule: Timed, from: number, n: number): number[] {
  const out: number[] = [];
  let cursor = from;
  while (out.length < n) {
    const next = nextRunAfter(schedule, cursor);
    if (next === null) break;
    out.push(next);
    cursor = next;
  }
  return out;
}

export interface DueWindow {
  /** The latest due times in (after, until], oldest first, at most `max` of them. */
  times: number[];
  /** How many due times the window held in all (may exceed times.length). */
  total: number;
}

// counting stops here: the count only feeds an event, and an every-second cron after a month away would be slow to walk
const COUNT_LIMIT = 10_000;

/** Due times in (after, until]: what a scheduler that was away (or late) owes. */
export function dueBetween(schedule: Timed, after: number, until: number, max: number): DueWindow {
  if (until <= after) return { times: [], total: 0 };
  const t = schedule.trigger;
  if ('at' in t) return t.at > after && t.at <= until ? { times: [t.at], total: 1 } : { times: [], total: 0 };
  if ('everyMs' in t) {
    const first = intervalIndexAfter(t.everyMs, schedule.createdAt, after);
    const last = Math.floor((until - schedule.createdAt) / t.everyMs);
    const total = Math.max(0, last - first + 1);
    const times: number[] = [];
    for (let k = Math.max(first, last - max + 1); k <= last; k++) times.push(schedule.createdAt + k * t.everyMs);
    return { times, total };
  }
  // the common case, an empty window, costs one forward step
  const first = nextRunAfter(schedule, after);
  if (first === null || first > until) return { times: [], total: 0 };
  // croner walks backwards from the end of the window for the latest ones
  const cron = compileCron(t.cron, t.tz);
  const times = cron
    .previousRuns(max, new Date(until + 1))
    .map((d) => d.getTime())
    .filter((ms) => ms > after)
    .reverse();
  let total = times.length;
  if (times.length === max) {
    total = 0;
    for (let at: number | null = first; at !== null && at <= until && total < COUNT_LIMIT; at = nextRunAfter(schedule, at)) total++;
  }
  return { times, total };
}
