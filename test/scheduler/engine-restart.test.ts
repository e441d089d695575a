// A scheduler stopped (or crashed) and a new one started over the same SQLite file: missed-run
// policies, and no due time run twice or lost.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunContext, SchedulerEvent } from '../../src/scheduler/engine.js';
import { createScheduler } from '../../src/scheduler/engine.js';
import { createSchedulerRepo } from '../../src/store/schedules.js';
import type { MissedPolicy, Schedule } from '../../src/scheduler/schedule.js';
import { createFakeClock, createFakeRunner, createTempDb, MIN, type FakeCall, type Outcome, type TempDb } from './helpers.js';

const T0 = Date.parse('2026-06-01T00:00:00Z');
let tmp: TempDb;
afterEach(() => tmp?.cleanup());

/** One "daemon life": its own clock starting at `at`, a scheduler over the shared SQLite file. */
function boot(at: number, calls: FakeCall[], decide?: (s: Schedule, ctx: RunContext) => Outcome) {
  const clock = createFakeClock(at);
  const fake = createFakeRunner(clock, decide);
  const repo = createSchedulerRepo(tmp.open(), { logsDir: join(tmp.dir, 'logs') });
  const events: SchedulerEvent[] = [];
  const scheduler = createScheduler({ clock, repo, runner: fake.runner, onEvent: (e) => events.push(e) });
  scheduler.start();
  const collect = () => calls.push(...fake.calls.splice(0));
  return { clock, scheduler, events, repo, collect, fake };
}

function addEveryMinute(s: ReturnType<typeof boot>['scheduler'], missed: MissedPolicy = 'run-once', missedCap = 10) {
  s.add({ name: 'job', trigger: { everyMs: MIN }, command: 'true', cwd: tmp.dir, missed, missedCap, createdAt: T0 });
}

const dues = (calls: FakeCall[]) => calls.map((c) => (c.ctx.dueAt === null ? null : (c.ctx.dueAt - T0) / MIN));

describe('missed runs after downtime', () => {
  async function downtime(missed: MissedPolicy, cap = 10) {
    tmp = createTempDb();
    const calls: FakeCall[] = [];
    const a = boot(T0, calls);
    addEveryMinute(a.scheduler, missed, cap);
    await a.clock.advance(2 * MIN + 30_000);
    await a.scheduler.stop();
    a.collect();
    // down from 2m30s to 10m30s: due times 3..10 were missed
    const b = boot(T0 + 10 * MIN + 30_000, calls);
    await b.clock.advance(2 * MIN);
    b.collect();
    return { calls, b };
  }

  it('run-once (default): one catch-up run, then back on schedule', async () => {
    const { calls, b } = await downtime('run-once');
    expect(dues(calls)).toEqual([1, 2, 10, 11, 12]);
    expect(calls.map((c) => c.ctx.trigger)).toEqual(['interval', 'interval', 'catch-up', 'interval', 'interval']);
    expect(b.events.find((e) => e.type === 'missed')).toEqual({ type: 'missed', name: 'job', count: 8, policy: 'run-once', catchUpRuns: 1 });
  });

  it('skip: nothing for the downtime, and the waiver is persisted', async () => {
    const { calls, b } = await downtime('skip');
    expect(dues(calls)).toEqual([1, 2, 11, 12]);
    expect(b.repo.getSchedule('job')?.lastDueAt).toBe(T0 + 12 * MIN);
    expect(b.events.find((e) => e.type === 'missed')).toMatchObject({ count: 8, catchUpRuns: 0 });
  });

  it('run-all: every missed due time, one after another', async () => {
    const { calls } = await downtime('run-all');
    expect(dues(calls)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(calls.slice(2, 10).every((c) => c.ctx.trigger === 'catch-up')).toBe(true);
    // sequential: each catch-up starts when the previous (100 ms) ended
    expect(calls.slice(2, 10).map((c) => c.at - calls[2].at)).toEqual([0, 100, 200, 300, 400, 500, 600, 700]);
  });

  it('run-all with a cap: only the latest `cap` missed due times', async () => {
    const { calls, b } = await downtime('run-all', 3);
    expect(dues(calls)).toEqual([1, 2, 8, 9, 10, 11, 12]);
    expect(b.events.find((e) => e.type === 'missed')).toMatchObject({ count: 8, catchUpRuns: 3 });
  });

  it('a late timer (machine asleep) applies the policy to the due times it slept through', async () => {
    tmp = createTempDb();
    const calls: FakeCall[] = [];
    const a = boot(T0, calls);
    a.scheduler.add({ name: 'job', trigger: { everyMs: MIN }, command: 'true', cwd: tmp.dir, missed: 'run-all', missedCap: 2, createdAt: T0 });
    await a.clock.advance(MIN + 1000);
    a.clock.jump(5 * MIN);
    await a.clock.advance(1000);
    a.collect();
    // asleep from 1m01s to 6m01s: 2..6 were due; the cap allows two catch-ups (4, 5) before the regular 6
    expect(dues(calls)).toEqual([1, 4, 5, 6]);
    expect(calls.map((c) => c.ctx.trigger)).toEqual(['interval', 'catch-up', 'catch-up', 'interval']);
    expect(a.events.find((e) => e.type === 'missed')).toEqual({ type: 'missed', name: 'job', count: 4, policy: 'run-all', catchUpRuns: 2 });
  });

  it('a late timer with run-once just runs the latest due time', async () => {
    tmp = createTempDb();
    const calls: FakeCall[] = [];
    const a = boot(T0, calls);
    addEveryMinute(a.scheduler, 'run-once');
    await a.clock.advance(MIN + 1000);
    a.clock.jump(5 * MIN);
    await a.clock.advance(1000);
    a.collect();
    expect(dues(calls)).toEqual([1, 6]);
    expect(calls.map((c) => c.ctx.trigger)).toEqual(['interval', 'interval']);
  });
});

describe('restart in the middle: no double, no loss', () => {
  it('a scheduler replaced mid-schedule continues exactly where the old one stopped', async () => {
    tmp = createTempDb();
    const calls: FakeCall[] = [];
    const a = boot(T0, calls);
    addEveryMinute(a.scheduler);
    await a.clock.advance(2 * MIN + 30_000);
    await a.scheduler.stop();
    a.collect();
    const b = boot(T0 + 2 * MIN + 30_000, calls);
    await b.clock.advance(3 * MIN);
    b.collect();
    expect(dues(calls)).toEqual([1, 2, 3, 4, 5]);
    expect(calls.map((c) => c.ctx.trigger)).toEqual(Array(5).fill('interval'));
  });

  it('a restart right after a due time (not yet run) runs it once as a catch-up', async () => {
    tmp = createTempDb();
    const calls: FakeCall[] = [];
    const a = boot(T0, calls);
    addEveryMinute(a.scheduler);
    await a.clock.advance(MIN - 1);
    await a.scheduler.stop();
    const b = boot(T0 + MIN + 500, calls);
    await b.clock.advance(MIN);
    b.collect();
    expect(dues(calls)).toEqual([1, 2]);
    expect(calls.map((c) => c.ctx.trigger)).toEqual(['catch-up', 'interval']);
  });

  it('a crash during a run: the run is marked interrupted and its due time is not run again', async () => {
    tmp = createTempDb();
    const calls: FakeCall[] = [];
    const a = boot(T0, calls, () => ({ durationMs: 10 * MIN }));
    addEveryMinute(a.scheduler);
    await a.clock.advance(MIN + 30_000);
    a.collect();
    // no stop(): the old scheduler is simply abandoned, like a killed daemon
    const b = boot(T0 + MIN + 40_000, calls);
    await b.clock.advance(MIN);
    b.collect();
    expect(dues(calls)).toEqual([1, 2]);
    const history = b.scheduler.history('job', 10).reverse();
    expect(history.map((r) => [(r.dueAt! - T0) / MIN, r.status])).toEqual([
      [1, 'interrupted'],
      [2, 'succeeded'],
    ]);
    expect(history[0].reason).toBe('the daemon stopped while it ran');
  });

  it('two schedulers on one file (a second daemon by mistake) do not double a due time', async () => {
    tmp = createTempDb();
    const calls: FakeCall[] = [];
    const a = boot(T0, calls);
    addEveryMinute(a.scheduler);
    const b = boot(T0, calls);
    await Promise.all([a.clock.advance(3 * MIN), b.clock.advance(3 * MIN)]);
    a.collect();
    b.collect();
    expect(dues(calls).sort()).toEqual([1, 2, 3]);
    expect(b.events.filter((e) => e.type === 'run-skipped').length + a.events.filter((e) => e.type === 'run-skipped').length).toBe(3);
  });

  it('a schedule added with an earlier createdAt (interval anchor) owes nothing from before it was added', async () => {
    tmp = createTempDb();
    const calls: FakeCall[] = [];
    const a = boot(T0 + 30 * MIN + 30_000, calls);
    a.scheduler.add({ name: 'job', trigger: { everyMs: MIN }, command: 'true', cwd: tmp.dir, missed: 'run-all', createdAt: T0 });
    await a.scheduler.stop();
    const b = boot(T0 + 30 * MIN + 40_000, calls);
    await b.clock.advance(MIN);
    b.collect();
    expect(dues(calls)).toEqual([31]);
    expect(calls[0].ctx.trigger).toBe('interval');
  });

  it('a one-time run missed while down still runs once, and only once', async () => {
    tmp = createTempDb();
    const calls: FakeCall[] = [];
    const a = boot(T0, calls);
    a.scheduler.add({ name: 'once', trigger: { at: T0 + 5 * MIN }, command: 'true', cwd: tmp.dir });
    await a.scheduler.stop();
    const b = boot(T0 + 10 * MIN, calls);
    await b.clock.advance(MIN);
    await b.scheduler.stop();
    const c = boot(T0 + 20 * MIN, calls);
    await c.clock.advance(MIN);
    b.collect();
    c.collect();
    expect(calls.map((x) => [x.name, x.ctx.trigger, (x.ctx.dueAt! - T0) / MIN])).toEqual([['once', 'catch-up', 5]]);
  });
});

describe('due times that come while catch-up runs are still queued', () => {
  // found end to end: a timed due time arriving during a slow catch-up batch claimed past the queued
  // catch-ups (skip) or started ahead of them (allow), and the queued ones were then refused as claimed
  for (const overlap of ['skip', 'allow', 'queue'] as const) {
    it(`wait behind the catch-ups (overlap ${overlap}): every due time is served once, in order`, async () => {
      tmp = createTempDb();
      const calls: FakeCall[] = [];
      const a = boot(T0, calls);
      a.scheduler.add({ name: 'job', trigger: { everyMs: MIN }, command: 'true', cwd: tmp.dir, missed: 'run-all', overlap, createdAt: T0 });
      await a.clock.advance(2 * MIN + 30_000);
      await a.scheduler.stop();
      a.collect();
      // down until 6m30s (3..6 missed); each run now lasts 40 s, so 7 and 8 fall due during the batch
      const b = boot(T0 + 6 * MIN + 30_000, calls, () => ({ durationMs: 40_000 }));
      await b.clock.advance(10 * MIN);
      b.collect();
      const history = b.scheduler.history('job', 50).reverse();
      const served = history.map((r) => (r.dueAt! - T0) / MIN);
      expect(served).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
      // the missed ones and those that came during the batch all ran, in order
      expect(dues(calls).slice(0, 8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(calls.slice(2, 6).every((c) => c.ctx.trigger === 'catch-up')).toBe(true);
      const skipped = history.filter((r) => r.status === 'skipped').map((r) => (r.dueAt! - T0) / MIN);
      if (overlap === 'skip') expect(skipped.every((d) => d > 8)).toBe(true);
      else expect(skipped).toEqual([]);
      expect(history.every((r) => r.status === 'succeeded' || r.status === 'skipped' || r.status === 'running')).toBe(true);
    });
  }
});
