// What the supervisor holds for a process while it runs (or waits to restart).
import type { ExitRecord } from './spec.js';
import type { ChildHandle } from './spawn.js';

export interface LiveRun {
  /** Absent for an adopted process (it outlived an earlier daemon, so it is not our child). */
  child?: ChildHandle;
  /** Resolves with the exit record when the current run ends. */
  exited: Promise<ExitRecord>;
  stopRequested: boolean;
  stopping?: Promise<void>;
  /** The pending automatic restart (backoff). */
  timer?: unknown;
  /** The next check of an adopted process. */
  adoptTimer?: unknown;
}
