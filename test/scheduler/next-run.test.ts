import { describe, expect, it } from 'vitest';
import { planMissed } from '../../src/scheduler/missed.js';
import { dueBetween, nextRunAfter, upcoming } from '../../src/scheduler/next-run.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const t = (s: string) => Date.parse(s);

describe('next run', () => {
  it('cron: strictly after the given time', () => {
    const s = { trigger: { cron: '0 2 * * *', tz: 'UTC' }, createdAt: 0 };
    expect(iso(nextRunAfter(s, t('2026-06-01T01:59:59.999Z')))).toBe('2026-06-01T02:00:00.000Z');
    expect(iso(nextRunAfter(s, t('2026-06-01T02:00:00.000Z')))).toBe('2026-06-02T02:00:00.000Z');
  });

  it('cron: 6 fields with seconds, L and #', () => {
    expect(upcoming({ trigger: { cron: '*/20 * * * * *', tz: 'UTC' }, createdAt: 0 }, t('2026-06-01T00:00:00Z'), 3).map(iso)).toEqual([
      '2026-06-01T00:00:20.000Z',
      '2026-06-01T00:00:40.000Z',
      '2026-06-01T00:01:00.000Z',
    ]);
    expect(iso(nextRunAfter({ trigger: { cron: '0 12 L * *', tz: 'UTC' }, createdAt: 0 }, t('2026-02-03T00:00:00Z')))).toBe('2026-02-28T12:00:00.000Z');
    expect(iso(nextRunAfter({ trigger: { cron: '0 12 * * 1#2', tz: 'UTC' }, createdAt: 0 }, t('2026-06-01T13:00:00Z')))).toBe('2026-06-08T12:00:00.000Z');
  });

  it('interval: anchored at creation, so a late caller does not shift the grid', () => {
    const s = { trigger: { everyMs: 60_000 }, createdAt: 1_000 };
    expect(nextRunAfter(s, 0)).toBe(61_000);
    expect(nextRunAfter(s, 61_000)).toBe(121_000);
    expect(nextRunAfter(s, 61_250)).toBe(121_000);
    expect(upcoming(s, 200_000, 3)).toEqual([241_000, 301_000, 361_000]);
  });

  it('one-time: once, then never', () => {
    const s = { trigger: { at: 5_000 }, createdAt: 0 };
    expect(nextRunAfter(s, 0)).toBe(5_000);
    expect(nextRunAfter(s, 5_000)).toBeNull();
    expect(upcoming(s, 0, 5)).toEqual([5_000]);
  });
});

describe('DST in Europe/Berlin', () => {
  const berlin = (cron: string) => ({ trigger: { cron, tz: 'Europe/Berlin' }, createdAt: 0 });

  it('spring forward (29 March 2026, 02:00 → 03:00): a 02:30 job runs once, at 03:00 local, and the day after at 02:30', () => {
    expect(upcoming(berlin('30 2 * * *'), t('2026-03-28T12:00:00Z'), 3).map(iso)).toEqual([
      '2026-03-29T01:00:00.000Z', // 03:00 CEST: 02:30 does not exist that day
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
      '2026-03-31T00:30:00.000Z',
    ]);
  });

  it('spring forward: an hourly job skips the missing hour and keeps a one-hour real gap', () => {
    expect(upcoming(berlin('0 * * * *'), t('2026-03-28T23:30:00Z'), 4).map(iso)).toEqual([
      '2026-03-29T00:00:00.000Z', // 01:00 CET
      '2026-03-29T01:00:00.000Z', // 03:00 CEST
      '2026-03-29T02:00:00.000Z', // 04:00 CEST
      '2026-03-29T03:00:00.000Z',
    ]);
  });

  it('fall back (25 October 2026, 03:00 → 02:00): a 02:30 job runs once that day', () => {
    expect(upcoming(berlin('30 2 * * *'), t('2026-10-24T12:00:00Z'), 3).map(iso)).toEqual([
      '2026-10-25T00:30:00.000Z', // the first 02:30 (CEST); the repeated 02:30 (CET) does not run again
      '2026-10-26T01:30:00.000Z', // 02:30 CET
      '2026-10-27T01:30:00.000Z',
    ]);
  });

  it('fall back: an every-30-minutes job runs in both copies of the repeated hour', () => {
    expect(upcoming(berlin('*/30 * * * *'), t('2026-10-24T23:45:00Z'), 6).map(iso)).toEqual([
      '2026-10-25T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T01:00:00.000Z', // 02:00 CET
      '2026-10-25T01:30:00.000Z', // 02:30 CET
      '2026-10-25T02:00:00.000Z', // 03:00 CET
      '2026-10-25T02:30:00.000Z',
    ]);
  });

  it('intervals ignore DST: every hour stays 3600 s apart across the change', () => {
    const created = t('2026-10-24T23:00:00Z');
    const runs = upcoming({ trigger: { everyMs: 3_600_000 }, createdAt: created }, created, 4);
    expect(runs.map((r, i) => (i === 0 ? 0 : r - runs[i - 1]))).toEqual([0, 3_600_000, 3_600_000, 3_600_000]);
  });
});

describe('due times in a window and the missed-run plan', () => {
  const minutely = { trigger: { cron: '* * * * *', tz: 'UTC' }, createdAt: 0 };
  const from = t('2026-06-01T00:00:00Z');

  it('returns the latest ones, oldest first, and the total', () => {
    const w = dueBetween(minutely, from, from + 15 * 60_000, 3);
    expect(w.total).toBe(15);
    expect(w.times.map(iso)).toEqual(['2026-06-01T00:13:00.000Z', '2026-06-01T00:14:00.000Z', '2026-06-01T00:15:00.000Z']);
    expect(dueBetween(minutely, from, from + 30_000, 3)).toEqual({ times: [], total: 0 });
  });

  it('works the same for intervals and one-time runs', () => {
    const every = { trigger: { everyMs: 1000 }, createdAt: 0 };
    expect(dueBetween(every, 2_500, 10_000, 2)).toEqual({ times: [9_000, 10_000], total: 8 });
    expect(dueBetween({ trigger: { at: 5_000 }, createdAt: 0 }, 0, 10_000, 5)).toEqual({ times: [5_000], total: 1 });
    expect(dueBetween({ trigger: { at: 5_000 }, createdAt: 0 }, 5_000, 10_000, 5)).toEqual({ times: [], total: 0 });
  });

  it('plans run-once, skip and run-all with the cap', () => {
    const w = { times: [1, 2, 3], total: 12 };
    expect(planMissed(w, 'run-once', 10)).toEqual({ runs: [3], dropped: 11, latest: 3 });
    expect(planMissed(w, 'skip', 10)).toEqual({ runs: [], dropped: 12, latest: 3 });
    expect(planMissed(w, 'run-all', 2)).toEqual({ runs: [2, 3], dropped: 10, latest: 3 });
    expect(planMissed({ times: [], total: 0 }, 'run-all', 2)).toEqual({ runs: [], dropped: 0, latest: null });
  });
});
