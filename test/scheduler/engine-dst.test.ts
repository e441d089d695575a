// The engine over DST changes in Europe/Berlin, driven day by day with a fake clock.
import { afterEach, describe, expect, it } from 'vitest';
import { createScheduler } from '../../src/scheduler/engine.js';
import { createSchedulerRepo } from '../../src/store/schedules.js';
import { createFakeClock, createFakeRunner, createTempDb, HOUR, type TempDb } from './helpers.js';

let tmp: TempDb;
afterEach(() => tmp?.cleanup());

async function runAcross(cron: string, from: string, hours: number): Promise<string[]> {
  tmp = createTempDb();
  const clock = createFakeClock(Date.parse(from));
  const fake = createFakeRunner(clock);
  const scheduler = createScheduler({ clock, repo: createSchedulerRepo(tmp.open()), runner: fake.runner });
  scheduler.start();
  scheduler.add({ name: 'dst', trigger: { cron, tz: 'Europe/Berlin' }, command: 'true', cwd: tmp.dir });
  await clock.advance(hours * HOUR);
  expect(clock.maxPendingTimers()).toBe(1);
  return fake.calls.map((c) => new Date(c.at).toISOString());
}

describe('engine across DST in Europe/Berlin', () => {
  it('spring forward: the daily 02:30 job runs once on the short day (at 03:00 CEST)', async () => {
    expect(await runAcross('30 2 * * *', '2026-03-28T12:00:00Z', 60)).toEqual([
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
  });

  it('fall back: the daily 02:30 job runs once on the long day, not twice', async () => {
    expect(await runAcross('30 2 * * *', '2026-10-24T12:00:00Z', 60)).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
  });

  it('fall back: an hourly job runs 25 times on the 25-hour day', async () => {
    const runs = await runAcross('0 * * * *', '2026-10-24T21:59:00Z', 25);
    expect(runs).toHaveLength(25);
    expect(runs[0]).toBe('2026-10-24T22:00:00.000Z');
    expect(runs[24]).toBe('2026-10-25T22:00:00.000Z');
  });

  it('spring forward: an hourly job runs 23 times on the 23-hour day', async () => {
    const runs = await runAcross('0 * * * *', '2026-03-28T22:59:00Z', 23);
    expect(runs).toHaveLength(23);
    expect(runs[0]).toBe('2026-03-28T23:00:00.000Z');
  });
});
