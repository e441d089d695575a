// Turns what a user types (--cron/--tz, --every 5m, --at 2026-12-01T02:00) into a validated Trigger.
import { Cron } from 'croner';
import { parseDuration } from '../core/duration.js';
import { SentinelError } from '../core/errors.js';
import { validateTimeZone, validateTrigger, type Trigger } from './schedule.js';

export interface TriggerOptions {
  cron?: string;
  tz?: string;
  every?: string | number;
  at?: string | number;
}

const AT_SHAPE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Reads --at: an ISO date-time, in `tz` when it has no offset (else the daemon's local time), or epoch ms. */
export function parseAt(input: string | number, tz?: string): number {
  if (typeof input === 'number') return input;
  const text = input.trim();
  if (/^\d{10,}$/.test(text)) return Number(text);
  if (tz !== undefined) validateTimeZone(tz);
  if (AT_SHAPE.test(text)) {
    try {
      // croner reads a one-off date in the given zone, DST included
      const when = new Cron(text.replace(' ', 'T'), { paused: true, timezone: tz }).nextRun(new Date(0));
      if (when) return when.getTime();
    } catch {
      // falls through to the error below
    }
  }
  throw new SentinelError('INVALID_SCHEDULE', `--at ${JSON.stringify(input)} is not a date-time: expected YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM], e.g. --at 2026-12-01T02:00`);
}

/** Exactly one of cron, every and at must be given; --tz goes with --cron (or says how to read --at). */
export function parseTriggerOptions(opts: TriggerOptions, now: number): Trigger {
  const given = (['cron', 'every', 'at'] as const).filter((k) => opts[k] !== undefined);
  if (given.length !== 1) {
    const which = given.length === 0 ? 'none' : given.map((k) => `--${k}`).join(' and ');
    throw new SentinelError('INVALID_SCHEDULE', `a schedule needs exactly one of --cron, --every or --at (got ${which}), e.g. --cron "0 2 * * *" --tz Europe/Berlin, --every 5m or --at 2026-12-01T02:00`);
  }
  if (opts.tz !== undefined && opts.every !== undefined) {
    throw new SentinelError('INVALID_SCHEDULE', `--tz ${JSON.stringify(opts.tz)} has no effect with --every: time zones apply to --cron and --at, e.g. --cron "0 2 * * *" --tz Europe/Berlin`);
  }
  if (opts.cron !== undefined) return validateTrigger(opts.tz === undefined ? { cron: opts.cron } : { cron: opts.cron, tz: opts.tz }, now);
  if (opts.every !== undefined) return validateTrigger({ everyMs: parseDuration(opts.every, '--every') }, now);
  return validateTrigger({ at: parseAt(opts.at as string | number, opts.tz) }, now);
}
