// The schedule model: what runs, when, and the policies around it; validated once on the way in.
import { Cron } from 'croner';
import { SentinelError } from '../core/errors.js';
import { validateName } from '../core/names.js';

export type Trigger = { cron: string; tz?: string } | { everyMs: number } | { at: number };
export type OverlapPolicy = 'skip' | 'queue' | 'allow';
export type MissedPolicy = 'run-once' | 'skip' | 'run-all';
export type RetryBackoff = 'fixed' | 'exponential';
/** Why a run started: its trigger kind, a user's run-now, a retry after failure, or a catch-up after downtime. */
export type RunTrigger = 'cron' | 'interval' | 'at' | 'manual' | 'retry' | 'catch-up';

export interface Schedule {
  name: string;
  trigger: Trigger;
  /** Shell string (run through /bin/sh -c) when `shell` is true, else argv[0] + args. */
  command: string;
  args: string[];
  shell: boolean;
  cwd: string;
  env: Record<string, string>;
  enabled: boolean;
  overlap: OverlapPolicy;
  missed: MissedPolicy;
  /** The most catch-up runs `missed: run-all` makes after downtime. */
  missedCap: number;
  maxRuntimeMs: number | null;
  /** Extra attempts after a failed run. */
  retries: number;
  retryDelayMs: number;
  retryBackoff: RetryBackoff;
  /** A random delay in [0, jitterMs] added to each timed start. */
  jitterMs: number;
  createdAt: number;
}

/** What a caller supplies: name, trigger and command; everything else has a default. */
export type ScheduleInput = Pick<Schedule, 'name' | 'trigger' | 'command'> & Partial<Omit<Schedule, 'name' | 'trigger' | 'command'>>;

export const SCHEDULE_DEFAULTS = {
  overlap: 'skip' as OverlapPolicy,
  missed: 'run-once' as MissedPolicy,
  missedCap: 10,
  retries: 0,
  retryDelayMs: 1000,
  retryBackoff: 'fixed' as RetryBackoff,
  jitterMs: 0,
};

const OVERLAP: OverlapPolicy[] = ['skip', 'queue', 'allow'];
const MISSED: MissedPolicy[] = ['run-once', 'skip', 'run-all'];
const BACKOFF: RetryBackoff[] = ['fixed', 'exponential'];

function fail(code: 'INVALID_SCHEDULE' | 'INVALID_CRON' | 'INVALID_TIMEZONE' | 'SCHEDULE_IN_PAST', message: string): never {
  throw new SentinelError(code, message);
}

/** Throws INVALID_TIMEZONE unless the runtime knows the IANA zone. */
export function validateTimeZone(tz: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return tz;
  } catch {
    return fail('INVALID_TIMEZONE', `unknown time zone ${JSON.stringify(tz)}: expected an IANA zone name, e.g. "Europe/Berlin", "America/New_York" or "UTC"`);
  }
}

/** Parses the expression with croner (5 or 6 fields, @daily, L/W/#) and returns it, or throws INVALID_CRON with croner's reason. */
export function validateCron(expr: string, tz?: string): string {
  if (tz !== undefined) validateTimeZone(tz);
  try {
    new Cron(expr, { paused: true, timezone: tz, mode: '5-or-6-parts' });
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err)).replace(/^CronPattern: /, '').replace(/\.$/, '');
    fail('INVALID_CRON', `invalid cron expression ${JSON.stringify(expr)}: ${reason}; expected 5 fields (minute hour day month weekday) or 6 with seconds first, e.g. "0 2 * * *" or "@daily"`);
  }
  return expr;
}

function describeTrigger(trigger: unknown): string {
  return JSON.stringify(trigger) ?? String(trigger);
}

/** Checks a trigger; `now` is needed to refuse a one-time run in the past. */
export function validateTrigger(trigger: Trigger, now: number): Trigger {
  if (trigger && typeof trigger === 'object') {
    if ('cron' in trigger) {
      validateCron(trigger.cron, trigger.tz);
      return trigger.tz === undefined ? { cron: trigger.cron } : { cron: trigger.cron, tz: trigger.tz };
    }
    if ('everyMs' in trigger) {
      const ms = trigger.everyMs;
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) {
        fail('INVALID_SCHEDULE', `interval ${ms}ms is not allowed: expected a positive duration, e.g. --every 30s or --every 5m`);
      }
      return { everyMs: Math.round(ms) };
    }
    if ('at' in trigger) {
      const at = trigger.at;
      if (typeof at !== 'number' || !Number.isFinite(at)) fail('INVALID_SCHEDULE', `one-time run at ${at} is not a time: expected a date like 2026-12-01T02:00`);
      if (at <= now) {
        fail('SCHEDULE_IN_PAST', `one-time run at ${new Date(at).toISOString()} is in the past (now ${new Date(now).toISOString()}): expected a future time, e.g. --at ${new Date(now + 3_600_000).toISOString().slice(0, 16)}`);
      }
      return { at };
    }
  }
  return fail('INVALID_SCHEDULE', `trigger ${describeTrigger(trigger)} is not one of --cron, --every or --at: e.g. --cron "0 2 * * *", --every 5m or --at 2026-12-01T02:00`);
}

function checkChoice<T extends string>(what: string, value: T, choices: T[]): T {
  if (!choices.includes(value)) fail('INVALID_SCHEDULE', `${what} ${JSON.stringify(value)} is not one of ${choices.join(', ')}: e.g. ${what} ${choices[0]}`);
  return value;
}

function checkCount(what: string, value: number, min: number, example: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    fail('INVALID_SCHEDULE', `${what} ${JSON.stringify(value)} is not allowed: expected a whole number ≥ ${min}, e.g. ${what} ${example}`);
  }
  return value;
}

/** Validates the input and fills in defaults. `now` becomes createdAt unless one is given. */
export function createSchedule(input: ScheduleInput, now: number): Schedule {
  const name = validateName(input.name, 'schedule name');
  if (typeof input.command !== 'string' || input.command.trim() === '') {
    fail('INVALID_SCHEDULE', `schedule "${name}" has no command: put it after "--", e.g. sentinel schedule add ${name} --every 5m -- ./backup.sh`);
  }
  const maxRuntimeMs = input.maxRuntimeMs ?? null;
  if (maxRuntimeMs !== null && !(Number.isFinite(maxRuntimeMs) && maxRuntimeMs > 0)) {
    fail('INVALID_SCHEDULE', `max runtime ${maxRuntimeMs}ms is not allowed: expected a positive duration, e.g. --max-runtime 10m`);
  }
  const createdAt = input.createdAt ?? now;
  return {
    name,
    // a stored schedule keeps its trigger even after a one-time run's time has passed
    trigger: validateTrigger(input.trigger, input.createdAt ?? now),
    command: input.command,
    args: input.args ?? [],
    shell: input.shell ?? false,
    cwd: input.cwd ?? process.cwd(),
    env: input.env ?? {},
    enabled: input.enabled ?? true,
    overlap: checkChoice('--overlap', input.overlap ?? SCHEDULE_DEFAULTS.overlap, OVERLAP),
    missed: checkChoice('--missed', input.missed ?? SCHEDULE_DEFAULTS.missed, MISSED),
    missedCap: checkCount('--missed-cap', input.missedCap ?? SCHEDULE_DEFAULTS.missedCap, 1, '10'),
    maxRuntimeMs,
    retries: checkCount('--retries', input.retries ?? SCHEDULE_DEFAULTS.retries, 0, '3'),
    retryDelayMs: checkCount('--retry-delay', input.retryDelayMs ?? SCHEDULE_DEFAULTS.retryDelayMs, 0, '5000'),
    retryBackoff: checkChoice('--retry-backoff', input.retryBackoff ?? SCHEDULE_DEFAULTS.retryBackoff, BACKOFF),
    jitterMs: checkCount('--jitter', input.jitterMs ?? SCHEDULE_DEFAULTS.jitterMs, 0, '30000'),
    createdAt,
  };
}

/** The trigger kind recorded for a timed (not manual, retry or catch-up) run. */
export function triggerKind(trigger: Trigger): 'cron' | 'interval' | 'at' {
  if ('cron' in trigger) return 'cron';
  if ('everyMs' in trigger) return 'interval';
  return 'at';
}
