// The OS behind a port: everything the lifecycle does to real processes goes through a ProcessHost, so
// the supervisor and the scheduler's runner never call process.kill or read /proc themselves, and tests
// can drive them with a simulated host (fake-host.ts). Timers come in through the Clock.
import type { ProcessSpec } from './spec.js';

/** A started child, as every spawner in the chain returns it (core/spawn.ts, core/fast-spawn.ts). */
export interface ChildHandle {
  pid: number;
  startTime: number | null;
  /** The run marker given to the child (RUN_MARKER in its environment), when the host sets one. */
  runMarker?: string;
  /**
   * Called once, with the exit code or the signal that ended the child, and a `cause` when a decorator
   * knows more (the cgroup's memory limit was reached).
   */
  onExit(cb: (code: number | null, signal: string | null, cause?: string) => void): void;
}

/** A process proven by its pid *and* its start time: a recycled pid never matches. */
export interface ProcessTarget {
  pid: number;
  /** Null when it could not be read: then only the pid is checked. */
  startTime: number | null;
  /** The run marker it was started with, when known: proves what escaped its tree even after it died. */
  marker?: string | null;
}

/** The parent's descriptors of a child's output files (O_APPEND). */
export interface OutputFds {
  stdout: number;
  stderr: number;
  /** A socket the child inherits as fd 3 (systemd's LISTEN_FDS=1; LISTEN_PID is set to the child's pid). Not closed by the host. */
  listen?: number;
}

/** One child to start: what spawn takes. */
export interface SpawnRequest {
  spec: ProcessSpec;
  fds: OutputFds;
}

/** What a start in a batch gave: the child, or what its spawn threw (the others are started all the same). */
export type Spawned = ChildHandle | { error: unknown };

export interface StopTreeOptions {
  signal: NodeJS.Signals;
  timeoutMs: number;
  /** SIGKILL at once, no graceful signal. */
  force: boolean;
  /** Resolves when the main process has exited (its exit event, or a poll for an adopted one). */
  exited: Promise<unknown>;
}

export interface StopTreeResult {
  /** It outlived the timeout and was SIGKILLed. */
  forceKilled: boolean;
  /** PIDs still alive after SIGKILL (should always be empty). */
  survivors: number[];
}

export interface ProcessHost {
  /** Rejects, before anything starts, a spec whose cwd or program is missing (a clear error, not a crash). */
  checkSpawnable(spec: ProcessSpec): void;
  /**
   * Starts a child in its own session and process group, output on `fds`. The host takes the fds: the
   * parent's copies are closed once the child has them, whether or not the spawn worked.
   */
  spawn(spec: ProcessSpec, fds: OutputFds): ChildHandle;
  /**
   * spawn for many at once, each answer at its request's index (core/spawn-many.ts). Optional: a host
   * without it is asked spawn by spawn.
   */
  spawnMany?(requests: SpawnRequest[]): Spawned[];
  /** The current size of an open output file (where this run's output will start). */
  outputSize(fd: number): number;
  /** Sends a signal to one process if it is still the same one; false when it is gone or recycled. */
  signal(target: ProcessTarget, signal: NodeJS.Signals): boolean;
  /** Alive, not a zombie, and still the same process. */
  isAlive(target: ProcessTarget): boolean;
  /** A pid's start time (to identify it later), null when there is no such process. */
  readStartTime(pid: number): number | null;
  /** Graceful signal to the whole tree → `timeoutMs` → SIGKILL of what is left; resolves once it is gone. */
  stopTree(target: ProcessTarget, opts: StopTreeOptions): Promise<StopTreeResult>;
  /**
   * Stops what a process that ended left in its process group: the signal, then SIGKILL after the
   * timeout. Returns how many were found at once; what is found later (a host may look outside an empty
   * group in a batched sweep) is told to `onLater`. A group now led by another process (recycled pid) is not ours.
   */
  reapGroup(target: ProcessTarget, signal: NodeJS.Signals, timeoutMs: number, onLater?: (found: number) => void): number;
}
