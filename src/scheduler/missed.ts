// What to do with due times that passed while nobody was there to run them (daemon down, machine asleep).
import type { DueWindow } from './next-run.js';
import type { MissedPolicy } from './schedule.js';

export interface MissedPlan {
  /** Due times to run now as catch-up runs, oldest first. */
  runs: number[];
  /** Missed due times that will not run. */
  dropped: number;
  /** The latest missed due time: everything up to it is settled by this plan. */
  latest: number | null;
}

/** How many of the latest due times `dueBetween` must return for the policy to decide. */
export function missedWindowSize(policy: MissedPolicy, cap: number): number {
  return policy === 'run-all' ? cap : 1;
}

/** run-once: one run for all of them; skip: none; run-all: each of the latest `cap`, oldest first. */
export function planMissed(window: DueWindow, policy: MissedPolicy, cap: number): MissedPlan {
  const latest = window.times.length > 0 ? window.times[window.times.length - 1] : null;
  if (window.total === 0 || latest === null) return { runs: [], dropped: 0, latest: null };
  let runs: number[];
  if (policy === 'skip') runs = [];
  else if (policy === 'run-once') runs = [latest];
  else runs = window.times.slice(-cap);
  return { runs, dropped: window.total - runs.length, latest };
}
