// The types the engine shares with its jobs and with the daemon's runner and listeners.
import type { JobRequest } from './jobs.js';
import type { RunRecord } from '../store/schedules.js';
import type { MissedPolicy, RunTrigger, Schedule } from './schedule.js';

export interface RunContext {
  trigger: RunTrigger;
  /** 1 for the first try, 2 for the first retry... */
  attempt: number;
  runId: number;
  dueAt: number | null;
  /** Where this run's output belongs (null when the repo has no logs directory). */
  stdoutPath: string | null;
  stderrPath: string | null;
}

export interface RunResult {
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  /** Stopped because it ran past schedule.maxRuntimeMs. */
  timedOut: boolean;
  /** Stopped because the scheduler's host (the daemon) is shutting down. */
  interrupted?: boolean;
}

/** Starts the command and resolves when it has ended; stopping at maxRuntimeMs is the runner's job. */
export interface ScheduleRunner {
  run(schedule: Schedule, ctx: RunContext): Promise<RunResult>;
}

export type SchedulerEvent =
  | { type: 'run-started'; name: string; run: RunRecord }
  | { type: 'run-finished'; name: string; run: RunRecord }
  | { type: 'run-skipped'; name: string; dueAt: number | null; trigger: RunTrigger; reason: string }
  | { type: 'missed'; name: string; count: number; policy: MissedPolicy; catchUpRuns: number }
  | { type: 'retry-scheduled'; name: string; attempt: number; delayMs: number; at: number }
  | { type: 'error'; name: string | null; message: string };

export interface ScheduleInfo {
  schedule: Schedule;
  nextRunAt: number | null;
  lastRun: RunRecord | null;
  running: number;
  queued: number;
}

export type RunNowResult = { status: 'started'; run: RunRecord } | { status: 'queued' };

export interface Entry {
  schedule: Schedule;
  /** The latest due time handled here (run, queued, skipped or waived). */
  cursor: number;
  nextDue: number | null;
  /** Jobs in progress, counting their jitter and retry waits. */
  active: number;
  queue: JobRequest[];
  removed: boolean;
}

