// Timings the daemon reads from its environment (SENTINEL_*_MS, SENTINEL_SHUTDOWN_STOP_TIMEOUT), and the CLI's
// two (SENTINEL_DAEMON_START_TIMEOUT, SENTINEL_REQUEST_TIMEOUT, checked when a client is made). A value that
// is set must be a whole number of milliseconds of at least `min`: `Number(value) || default` took a typo
// ("5s", "1,000") as the default without a word, and the shutdown's timeout took it as NaN. The daemon checks
// them all at its start (checkEnvTimings), so a bad one stops the start with the variable's name instead of
// being read later, in the middle of a stop or a sweep.
import { SentinelError } from './errors.js';

interface Timing {
  name: string;
  /** What applies when it is not set (a description, for the message). */
  fallback: string;
  min: number;
  /** Read by the CLI, not the daemon: checkEnvTimings leaves it to the CLI. */
  cli?: boolean;
}

const TIMINGS: Timing[] = [
  { name: 'SENTINEL_DB_CHECK_MS', fallback: '60000 (1000 without inotify)', min: 1 },
  { name: 'SENTINEL_DISK_CHECK_MS', fallback: '2000 (10000 while 1 GiB or more is free)', min: 1 },
  { name: 'SENTINEL_LOG_CHECK_MS', fallback: '1000', min: 1 },
  { name: 'SENTINEL_ADOPT_POLL_MS', fallback: '1000', min: 1 },
  { name: 'SENTINEL_SAMPLE_MS', fallback: '3000', min: 1 },
  { name: 'SENTINEL_SCOPE_POLL_MS', fallback: '500', min: 1 },
  { name: 'SENTINEL_SCOPED_IDLE_GRACE_MS', fallback: '5000', min: 1 },
  { name: 'SENTINEL_REAP_SWEEP_MS', fallback: '1000', min: 1 },
  { name: 'SENTINEL_SHUTDOWN_STOP_TIMEOUT', fallback: "each process's own stop timeout", min: 0 },
  { name: 'SENTINEL_HEADERS_TIMEOUT', fallback: '10000', min: 1 },
  { name: 'SENTINEL_BODY_TIMEOUT', fallback: '30000', min: 1 },
  { name: 'SENTINEL_DAEMON_START_TIMEOUT', fallback: '10000', min: 1, cli: true },
  { name: 'SENTINEL_REQUEST_TIMEOUT', fallback: '120000', min: 1, cli: true },
];

/** The timing `name` sets, or undefined when it is not set (empty counts as not set); throws on a bad value. */
export function envMsOrUnset(name: string, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const given = env[name];
  if (given === undefined || given === '') return undefined;
  const t = TIMINGS.find((x) => x.name === name);
  const min = t?.min ?? 1;
  const ms = Number(given);
  if (!Number.isInteger(ms) || ms < min) {
    throw new SentinelError('INVALID_CONFIG', `${name} must be a whole number of milliseconds of at least ${min} (got ${JSON.stringify(given)}); unset it for the default${t ? ` of ${t.fallback}` : ''}`);
  }
  return ms;
}

/** The timing `name` sets, else `fallback`; throws on a bad value. */
export function envMs(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  return envMsOrUnset(name, env) ?? fallback;
}

/** Checks every timing the daemon reads from its environment: the first bad one is thrown. */
export function checkEnvTimings(env: NodeJS.ProcessEnv = process.env): void {
  for (const t of TIMINGS) if (!t.cli) envMsOrUnset(t.name, env);
}
