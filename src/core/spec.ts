// What a managed process is: everything needed to start it again, as stored and as configured.

export type RestartMode = 'never' | 'on-failure' | 'always';

export interface RestartPolicy {
  mode: RestartMode;
  /** Restart only when the exit code is one of these (empty: any). */
  exitCodes: number[];
  /** Never restart when the exit code is one of these. */
  noRestartExitCodes: number[];
  /** Restarts allowed within `windowMs` before the process is `failed`; 0 = unlimited. */
  maxRestarts: number;
  windowMs: number;
  delayMs: number;
  backoff: 'fixed' | 'exponential';
  backoffMaxMs: number;
  /** Fraction (0..1) of the delay added or removed at random. */
  jitter: number;
  /** A run that lasted this long resets the restart counter. */
  minUptimeMs: number;
}

export interface ProcessSpec {
  name: string;
  /** Shell string (run through /bin/sh -c) when `shell` is true, else argv[0] + args. */
  command: string;
  args: string[];
  shell: boolean;
  cwd: string;
  /** The environment the child gets, complete (captured from the client, merged with env files). */
  env: Record<string, string>;
  group: string | null;
  restart: RestartPolicy;
  stopSignal: NodeJS.Signals;
  stopTimeoutMs: number;
  /** How long `run` waits to see whether the process crashed immediately. */
  startWaitMs: number;
  port: number | null;
  logMaxBytes: number;
  logKeep: number;
  /** Free-form options owned by later features (health, readiness, resources...). */
  extra: Record<string, unknown>;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  mode: 'never',
  exitCodes: [],
  noRestartExitCodes: [],
  maxRestarts: 0,
  windowMs: 60_000,
  delayMs: 0,
  backoff: 'fixed',
  backoffMaxMs: 60_000,
  jitter: 0,
  minUptimeMs: 1000,
};

export const DEFAULTS = {
  stopSignal: 'SIGTERM' as NodeJS.Signals,
  stopTimeoutMs: 10_000,
  startWaitMs: 300,
  logMaxBytes: 10 * 1024 * 1024,
  logKeep: 5,
};

/** The one ending of a run (execa's result shape). */
export interface ExitRecord {
  pid: number;
  exitCode: number | null;
  signal: string | null;
  startedAt: number;
  endedAt: number;
  durationMs: number;
  /** Sentinel asked it to stop. */
  stoppedByUs: boolean;
  /** It ignored the stop signal and was killed with SIGKILL after the timeout. */
  forceKilled: boolean;
  timedOut: boolean;
}
