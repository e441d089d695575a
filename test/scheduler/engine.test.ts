import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SentinelError } from '../../src/core/errors.js';
import type { RunContext, SchedulerEvent } from '../../src/scheduler/engine.js';
import { createScheduler } from '../../src/scheduler/engine.js';
import { createSchedulerRepo } from '../../src/store/schedules.js';
import type { Schedule, ScheduleInput } from '../../src/scheduler/schedule.js';
import { createFakeClock, createFakeRunner, createTempDb, HOUR, MIN, type Outcome, type TempDb } from './helpers.js';

const T0 = Date.parse('2026-06-01T00:00:00Z');
let tmp: TempDb;
afterEach(() => tmp?.cleanup());

function setup(decide?: (s: Schedule, ctx: RunContext) => Outcome, start = T0) {
  tmp = createTempDb();
  const clock = createFakeClock(start);
  const fake = createFakeRunner(clock, decide);
  const repo = createSchedulerRepo(tmp.open(), { logsDir: join(tmp.dir, 'logs') });
  const events: SchedulerEvent[] = [];
  const scheduler = createScheduler({ clock, repo, runner: fake.runner, onEvent: (e) => events.push(e), random: () => 0.5 });
  scheduler.start();
  const add = (input: Partial<ScheduleInput> & Pick<ScheduleInput, 'trigger'>) =>
    scheduler.add({ name: 'job', command: 'true', cwd: tmp.dir, ...input });
  const offsets = () => fake.calls.map((c) => (c.at - start) / 1000);
  return { clock, fake, repo, events, scheduler, add, offsets };
}

function errorOf(fn: () => unknown): SentinelError {
  try {
    fn();
  } catch (err) {
    return err as SentinelError;
  }
  throw new Error('expected an error');
}

describe('timed runs with a fake clock', () => {
  it('interval: runs on the creation-anchored grid', async () => {
    const t = setup();
    t.add({ trigger: { everyMs: MIN } });
    await t.clock.advance(5 * MIN);
    expect(t.offsets()).toEqual([60, 120, 180, 240, 300]);
    expect(t.fake.calls.map((c) => c.ctx.trigger)).toEqual(Array(5).fill('interval'));
    await t.clock.advance(1000);
    const h = t.scheduler.history('job', 10);
    expect(h).toHaveLength(5);
    expect(h.every((r) => r.status === 'succeeded' && r.exitCode === 0 && r.durationMs === 100)).toBe(true);
    expect(t.clock.maxPendingTimers()).toBe(1);
  });

  it('cron: runs at the expression\'s times', async () => {
    const t = setup();
    t.add({ trigger: { cron: '*/10 * * * *', tz: 'UTC' } });
    await t.clock.advance(HOUR);
    expect(t.offsets()).toEqual([600, 1200, 1800, 2400, 3000, 3600]);
    expect(t.fake.calls[0].ctx).toMatchObject({ trigger: 'cron', attempt: 1, dueAt: T0 + 10 * MIN });
    expect(t.fake.calls[0].ctx.stdoutPath).toBe(join(tmp.dir, 'logs', 'schedules', 'job', `${t.fake.calls[0].ctx.runId}.stdout.log`));
  });

  it('one-time: runs once at its time, then holds no timer', async () => {
    const t = setup();
    t.add({ trigger: { at: T0 + 90_000 } });
    expect(t.scheduler.get('job').nextRunAt).toBe(T0 + 90_000);
    await t.clock.advance(HOUR);
    expect(t.offsets()).toEqual([90]);
    expect(t.fake.calls[0].ctx.trigger).toBe('at');
    expect(t.scheduler.get('job').nextRunAt).toBeNull();
    expect(t.clock.pendingTimers()).toBe(0);
  });

  it('holds one timer for 200 schedules of every kind', async () => {
    const t = setup();
    for (let i = 0; i < 200; i++) {
      const trigger = i % 3 === 0 ? { everyMs: (i + 1) * 1000 } : i % 3 === 1 ? { cron: `${i % 60} * * * * *`, tz: 'UTC' } : { at: T0 + (i + 1) * 7000 };
      t.scheduler.add({ name: `s${i}`, trigger, command: 'true', cwd: tmp.dir });
      expect(t.clock.pendingTimers()).toBe(1);
    }
    await t.clock.advance(10 * MIN);
    expect(t.fake.calls.length).toBeGreaterThan(500);
    expect(t.clock.maxPendingTimers()).toBe(1);
    t.scheduler.disable('s0');
    t.scheduler.remove('s1');
    expect(t.clock.pendingTimers()).toBe(1);
  });
});

describe('overlap policies', () => {
  it('skip: a due time that finds the previous run still going is recorded as skipped', async () => {
    const t = setup(() => ({ durationMs: 150_000 }));
    t.add({ trigger: { everyMs: MIN }, overlap: 'skip' });
    await t.clock.advance(5 * MIN + 1);
    expect(t.offsets()).toEqual([60, 240]);
    const h = t.scheduler.history('job', 10).reverse();
    expect(h.map((r) => [r.dueAt! - T0, r.status])).toEqual([
      [60_000, 'succeeded'],
      [120_000, 'skipped'],
      [180_000, 'skipped'],
      [240_000, 'running'],
      [300_000, 'skipped'],
    ]);
    expect(h[1].reason).toBe('the previous run is still running (overlap: skip)');
  });

  it('queue: a due time waits for the running one and then runs', async () => {
    const t = setup(() => ({ durationMs: 90_000 }));
    t.add({ trigger: { everyMs: MIN }, overlap: 'queue' });
    await t.clock.advance(6 * MIN);
    expect(t.offsets()).toEqual([60, 150, 240, 330]);
    expect(t.fake.calls.map((c) => (c.ctx.dueAt! - T0) / 1000)).toEqual([60, 120, 180, 240]);
    expect(t.fake.maxRunning()).toBe(1);
    expect(t.scheduler.get('job').queued).toBe(2);
  });

  it('allow: runs concurrently', async () => {
    const t = setup(() => ({ durationMs: 150_000 }));
    t.add({ trigger: { everyMs: MIN }, overlap: 'allow' });
    await t.clock.advance(5 * MIN);
    expect(t.offsets()).toEqual([60, 120, 180, 240, 300]);
    expect(t.fake.maxRunning()).toBe(3);
  });
});

describe('retries, max runtime, jitter, failures', () => {
  it('retries a failed run with exponential backoff, then gives up', async () => {
    const t = setup(() => ({ exitCode: 1 }));
    t.add({ trigger: { at: T0 + MIN }, retries: 3, retryDelayMs: 10_000, retryBackoff: 'exponential' });
    await t.clock.advance(10 * MIN);
    expect(t.offsets()).toEqual([60, 70.1, 90.2, 130.3]);
    expect(t.fake.calls.map((c) => [c.ctx.trigger, c.ctx.attempt])).toEqual([
      ['at', 1],
      ['retry', 2],
      ['retry', 3],
      ['retry', 4],
    ]);
    expect(t.events.filter((e) => e.type === 'retry-scheduled').map((e) => (e as { delayMs: number }).delayMs)).toEqual([10_000, 20_000, 40_000]);
    expect(t.scheduler.history('job', 10).map((r) => r.status)).toEqual(['failed', 'failed', 'failed', 'failed']);
    expect(t.clock.maxPendingTimers()).toBe(1);
  });

  it('stops retrying once a retry succeeds (fixed backoff)', async () => {
    const t = setup((_s, ctx) => ({ exitCode: ctx.attempt === 1 ? 2 : 0 }));
    t.add({ trigger: { at: T0 + MIN }, retries: 5, retryDelayMs: 5000 });
    await t.clock.advance(10 * MIN);
    expect(t.offsets()).toEqual([60, 65.1]);
    expect(t.scheduler.history('job', 10).map((r) => [r.trigger, r.status, r.exitCode])).toEqual([
      ['retry', 'succeeded', 0],
      ['at', 'failed', 2],
    ]);
  });

  it('reports a run stopped at its max runtime as timed out', async () => {
    const t = setup(() => ({ durationMs: HOUR }));
    t.add({ trigger: { at: T0 + MIN }, maxRuntimeMs: 5000 });
    await t.clock.advance(2 * MIN);
    const [run] = t.scheduler.history('job', 1);
    expect(run).toMatchObject({ status: 'timed-out', signal: 'SIGTERM', durationMs: 5000, trigger: 'at' });
  });

  it('delays a timed start by the jitter, through the same single timer', async () => {
    const t = setup();
    t.add({ trigger: { everyMs: MIN }, jitterMs: 10_000 });
    await t.clock.advance(3 * MIN);
    // random() is 0.5 in these tests: floor(0.5 * 10001) = 5000 ms
    expect(t.offsets()).toEqual([65, 125]);
    expect(t.clock.maxPendingTimers()).toBe(1);
  });

  it('records a runner that cannot start the command as failed, with the reason', async () => {
    const t = setup(() => ({ throws: 'spawn nosuchcmd ENOENT' }));
    t.add({ trigger: { at: T0 + MIN } });
    await t.clock.advance(2 * MIN);
    expect(t.scheduler.history('job', 1)[0]).toMatchObject({ status: 'failed', reason: 'could not run: spawn nosuchcmd ENOENT', exitCode: null });
  });
});

describe('operations', () => {
  it('run-now runs at once (trigger manual), even when disabled', async () => {
    const t = setup();
    t.add({ trigger: { cron: '0 3 * * *', tz: 'UTC' } });
    t.scheduler.disable('job');
    const res = t.scheduler.runNow('job');
    expect(res.status).toBe('started');
    await t.clock.advance(1000);
    expect(t.fake.calls.map((c) => c.ctx.trigger)).toEqual(['manual']);
    expect(t.scheduler.history('job', 1)[0]).toMatchObject({ trigger: 'manual', status: 'succeeded', dueAt: null });
  });

  it('run-now respects the overlap policy', async () => {
    const t = setup(() => ({ durationMs: 10_000 }));
    t.add({ trigger: { cron: '0 3 * * *', tz: 'UTC' } });
    t.scheduler.runNow('job');
    const err = errorOf(() => t.scheduler.runNow('job'));
    expect(err.code).toBe('ALREADY_RUNNING');
    expect(err.message).toBe(
      'schedule "job" is already running and its overlap policy is skip: wait for it to finish (sentinel schedule history job) or set --overlap queue or allow',
    );
    t.scheduler.update('job', { trigger: { cron: '0 3 * * *', tz: 'UTC' }, command: 'true', cwd: tmp.dir, overlap: 'queue' });
    expect(t.scheduler.runNow('job')).toEqual({ status: 'queued' });
    await t.clock.advance(30_000);
    expect(t.offsets()).toEqual([0, 10]);
  });

  it('disable stops runs; enable does not run what was due while disabled', async () => {
    const t = setup();
    t.add({ trigger: { everyMs: MIN } });
    await t.clock.advance(2 * MIN);
    t.scheduler.disable('job');
    expect(t.scheduler.get('job').nextRunAt).toBeNull();
    await t.clock.advance(10 * MIN);
    t.scheduler.enable('job');
    expect(t.scheduler.get('job').nextRunAt).toBe(T0 + 13 * MIN);
    await t.clock.advance(2 * MIN);
    expect(t.offsets()).toEqual([60, 120, 780, 840]);
  });

  it('lists, previews the next runs, and removes with history', async () => {
    const t = setup();
    t.add({ trigger: { cron: '0 2 * * *', tz: 'Europe/Berlin' } });
    // T0 is 02:00 in Berlin: the next runs are strictly after it
    expect(t.scheduler.next('job', 2).map((ms) => new Date(ms).toISOString())).toEqual(['2026-06-02T00:00:00.000Z', '2026-06-03T00:00:00.000Z']);
    t.scheduler.runNow('job');
    await t.clock.advance(1000);
    const [item] = t.scheduler.list();
    expect(item).toMatchObject({ nextRunAt: Date.parse('2026-06-02T00:00:00Z'), running: 0, queued: 0 });
    expect(item.lastRun?.status).toBe('succeeded');
    expect(errorOf(() => t.scheduler.add({ name: 'job', trigger: { everyMs: 1000 }, command: 'true' })).code).toBe('NAME_TAKEN');
    t.scheduler.remove('job');
    expect(t.scheduler.list()).toEqual([]);
    const err = errorOf(() => t.scheduler.history('job'));
    expect(err.code).toBe('SCHEDULE_NOT_FOUND');
    expect(err.message).toBe('no schedule named "job": see the names with "sentinel schedule list"');
    expect(t.clock.pendingTimers()).toBe(0);
  });
});
