// What the daemon knows at one scrape, as plain data: the exposition (Prometheus text) and the file export
// are rendered from it, so they are tested without a daemon and never reach into the supervisor.
import type { ProcessState } from '../core/states.js';

export type HealthStatus = 'healthy' | 'unhealthy' | 'unknown';

export interface ProcessMetrics {
  /** The definition's name; with `instance` it names the series (never a pid: a restart must not make a new series). */
  name: string;
  instance: number;
  group: string | null;
  state: ProcessState;
  /** Whole tree: the process and all its descendants. Null when it has no live process (or it was not found). */
  cpuSeconds: number | null;
  memoryBytes: number | null;
  openFds: number | null;
  /** Unix seconds of the current run's start; null when not running. */
  startTimeSeconds: number | null;
  restarts: number;
  /** The liveness check's verdict; null when the process has no liveness check. */
  health: HealthStatus | null;
}

export interface ScheduleMetrics {
  name: string;
  /** Runs that ended since the daemon started, by result (succeeded, failed, timed-out, interrupted, skipped). */
  runs: Record<string, number>;
  lastDurationSeconds: number | null;
  /** Unix seconds when the last run ended. */
  lastRunSeconds: number | null;
}

export interface MetricsSnapshot {
  processes: ProcessMetrics[];
  schedules: ScheduleMetrics[];
}

/** Every result a schedule run can end with, so each has a series from the start (a counter that appears late loses its first increase). */
export const RUN_RESULTS = ['succeeded', 'failed', 'timed-out', 'interrupted', 'skipped'] as const;
