import { describe, expect, it } from 'vitest';
import { SentinelError } from '../../src/core/errors.js';
import { createSchedule, validateCron, validateTimeZone } from '../../src/scheduler/schedule.js';
import { parseAt, parseTriggerOptions } from '../../src/scheduler/trigger-input.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');

function errorOf(fn: () => unknown): SentinelError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SentinelError);
    return err as SentinelError;
  }
  throw new Error('expected an error');
}

describe('schedule validation', () => {
  it('fills in the defaults', () => {
    const s = createSchedule({ name: 'backup', trigger: { cron: '0 2 * * *' }, command: 'bash backup.sh', shell: true, cwd: '/srv' }, NOW);
    expect(s).toEqual({
      name: 'backup',
      trigger: { cron: '0 2 * * *' },
      command: 'bash backup.sh',
      args: [],
      shell: true,
      cwd: '/srv',
      env: {},
      enabled: true,
      overlap: 'skip',
      missed: 'run-once',
      missedCap: 10,
      maxRuntimeMs: null,
      retries: 0,
      retryDelayMs: 1000,
      retryBackoff: 'fixed',
      jitterMs: 0,
      createdAt: NOW,
    });
  });

  it('accepts 5 and 6 fields, @daily, L, W and # and time zones', () => {
    for (const expr of ['0 2 * * *', '*/10 * * * * *', '@daily', '@hourly', '0 0 L * *', '0 0 15W * *', '0 0 * * 5#2', '0 9 * * MON-FRI']) {
      expect(validateCron(expr, 'Europe/Berlin')).toBe(expr);
    }
  });

  it('rejects an invalid cron expression with croner\'s reason', () => {
    const err = errorOf(() => validateCron('99 * * * *'));
    expect(err.code).toBe('INVALID_CRON');
    expect(err.status).toBe(422);
    expect(err.message).toBe(
      'invalid cron expression "99 * * * *": Invalid value for minute: 99; expected 5 fields (minute hour day month weekday) or 6 with seconds first, e.g. "0 2 * * *" or "@daily"',
    );
  });

  it('rejects a cron expression with the wrong number of fields', () => {
    const err = errorOf(() => createSchedule({ name: 'x', trigger: { cron: '0 2 * *' }, command: 'true' }, NOW));
    expect(err.code).toBe('INVALID_CRON');
    expect(err.message).toMatch(/^invalid cron expression "0 2 \* \*": .*exactly five, six, or seven.*; expected 5 fields/);
  });

  it('rejects 7 fields (years)', () => {
    const err = errorOf(() => validateCron('0 0 0 1 1 * 2030'));
    expect(err.message).toBe(
      "invalid cron expression \"0 0 0 1 1 * 2030\": mode '5-or-6-parts' requires exactly 5 or 6 parts, but pattern '0 0 0 1 1 * 2030' has 7 parts; expected 5 fields (minute hour day month weekday) or 6 with seconds first, e.g. \"0 2 * * *\" or \"@daily\"",
    );
  });

  it('rejects an unknown time zone', () => {
    const err = errorOf(() => createSchedule({ name: 'x', trigger: { cron: '0 2 * * *', tz: 'Mars/Olympus' }, command: 'true' }, NOW));
    expect(err.code).toBe('INVALID_TIMEZONE');
    expect(err.message).toBe('unknown time zone "Mars/Olympus": expected an IANA zone name, e.g. "Europe/Berlin", "America/New_York" or "UTC"');
    expect(validateTimeZone('UTC')).toBe('UTC');
  });

  it('rejects zero and negative intervals', () => {
    for (const everyMs of [0, -5000]) {
      const err = errorOf(() => createSchedule({ name: 'x', trigger: { everyMs }, command: 'true' }, NOW));
      expect(err.code).toBe('INVALID_SCHEDULE');
      expect(err.message).toBe(`interval ${everyMs}ms is not allowed: expected a positive duration, e.g. --every 30s or --every 5m`);
    }
  });

  it('rejects a one-time run in the past', () => {
    const err = errorOf(() => createSchedule({ name: 'x', trigger: { at: NOW - 1000 }, command: 'true' }, NOW));
    expect(err.code).toBe('SCHEDULE_IN_PAST');
    expect(err.message).toBe(
      'one-time run at 2026-06-01T11:59:59.000Z is in the past (now 2026-06-01T12:00:00.000Z): expected a future time, e.g. --at 2026-06-01T13:00',
    );
  });

  it('keeps a stored one-time run whose time has passed (createdAt before it)', () => {
    const s = createSchedule({ name: 'x', trigger: { at: NOW - 1000 }, command: 'true', createdAt: NOW - 5000 }, NOW);
    expect(s.trigger).toEqual({ at: NOW - 1000 });
  });

  it('rejects bad names, empty commands and bad policies', () => {
    expect(errorOf(() => createSchedule({ name: '../etc', trigger: { everyMs: 1000 }, command: 'true' }, NOW)).code).toBe('INVALID_NAME');
    expect(errorOf(() => createSchedule({ name: 'x', trigger: { everyMs: 1000 }, command: ' ' }, NOW)).message).toBe(
      'schedule "x" has no command: put it after "--", e.g. sentinel schedule add x --every 5m -- ./backup.sh',
    );
    expect(errorOf(() => createSchedule({ name: 'x', trigger: { everyMs: 1000 }, command: 'true', overlap: 'never' as never }, NOW)).message).toBe(
      '--overlap "never" is not one of skip, queue, allow: e.g. --overlap skip',
    );
    expect(errorOf(() => createSchedule({ name: 'x', trigger: { everyMs: 1000 }, command: 'true', missedCap: 0 }, NOW)).message).toBe(
      '--missed-cap 0 is not allowed: expected a whole number ≥ 1, e.g. --missed-cap 10',
    );
    expect(errorOf(() => createSchedule({ name: 'x', trigger: { everyMs: 1000 }, command: 'true', maxRuntimeMs: -1 }, NOW)).message).toBe(
      'max runtime -1ms is not allowed: expected a positive duration, e.g. --max-runtime 10m',
    );
    expect(errorOf(() => createSchedule({ name: 'x', trigger: {} as never, command: 'true' }, NOW)).message).toBe(
      'trigger {} is not one of --cron, --every or --at: e.g. --cron "0 2 * * *", --every 5m or --at 2026-12-01T02:00',
    );
  });
});

describe('trigger options as typed', () => {
  it('reads --every as a duration', () => {
    expect(parseTriggerOptions({ every: '5m' }, NOW)).toEqual({ everyMs: 300_000 });
    expect(errorOf(() => parseTriggerOptions({ every: '0s' }, NOW)).message).toBe(
      'interval 0ms is not allowed: expected a positive duration, e.g. --every 30s or --every 5m',
    );
    expect(errorOf(() => parseTriggerOptions({ every: 'often' }, NOW)).code).toBe('INVALID_DURATION');
  });

  it('reads --at in the given zone, or with its own offset', () => {
    expect(parseAt('2026-12-01T02:00', 'Europe/Berlin')).toBe(Date.parse('2026-12-01T01:00:00Z'));
    expect(parseAt('2026-07-01T02:00', 'Europe/Berlin')).toBe(Date.parse('2026-07-01T00:00:00Z'));
    expect(parseAt('2026-12-01T02:00:00Z')).toBe(Date.parse('2026-12-01T02:00:00Z'));
    expect(parseTriggerOptions({ at: '2026-12-01T02:00', tz: 'Europe/Berlin' }, NOW)).toEqual({ at: Date.parse('2026-12-01T01:00:00Z') });
  });

  it('rejects a malformed or past --at', () => {
    expect(errorOf(() => parseAt('tomorrow')).message).toBe(
      '--at "tomorrow" is not a date-time: expected YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM], e.g. --at 2026-12-01T02:00',
    );
    expect(errorOf(() => parseTriggerOptions({ at: '2020-01-01T00:00Z' }, NOW)).code).toBe('SCHEDULE_IN_PAST');
  });

  it('needs exactly one trigger, and --tz only where it means something', () => {
    expect(errorOf(() => parseTriggerOptions({ cron: '@daily', every: '5m' }, NOW)).message).toBe(
      'a schedule needs exactly one of --cron, --every or --at (got --cron and --every), e.g. --cron "0 2 * * *" --tz Europe/Berlin, --every 5m or --at 2026-12-01T02:00',
    );
    expect(errorOf(() => parseTriggerOptions({}, NOW)).message).toMatch(/\(got none\)/);
    expect(errorOf(() => parseTriggerOptions({ every: '5m', tz: 'UTC' }, NOW)).message).toBe(
      '--tz "UTC" has no effect with --every: time zones apply to --cron and --at, e.g. --cron "0 2 * * *" --tz Europe/Berlin',
    );
    expect(parseTriggerOptions({ cron: '0 2 * * *', tz: 'Europe/Berlin' }, NOW)).toEqual({ cron: '0 2 * * *', tz: 'Europe/Berlin' });
  });
});
