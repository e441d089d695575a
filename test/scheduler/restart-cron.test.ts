import { afterEach, describe, expect, it } from 'vitest';
import { SentinelError } from '../../src/core/errors.js';
import { createScheduler } from '../../src/scheduler/engine.js';
import { createSchedulerRepo } from '../../src/store/schedules.js';
import { createRestartCron, type RestartCronEvent, type RestartTargetState } from '../../src/scheduler/restart-cron.js';
import { createFakeClock, createFakeRunner, createTempDb, HOUR, MIN, type TempDb } from './helpers.js';

const T0 = Date.parse('2026-06-01T03:30:00Z');
let tmp: TempDb | undefined;
afterEach(() => {
  tmp?.cleanup();
  tmp = undefined;
});

function setup(states: Record<string, RestartTargetState>, restartMs = 0) {
  const clock = createFakeClock(T0);
  const restarts: Array<[string, string]> = [];
  const events: RestartCronEvent[] = [];
  const rc = createRestartCron({
    clock,
    stateOf: (name) => states[name] ?? 'absent',
    restart: (name, dueAt) => {
      restarts.push([name, new Date(dueAt).toISOString()]);
      if (restartMs > 0) return new Promise<void>((resolve) => clock.later(restartMs, resolve));
    },
    onEvent: (e) => events.push(e),
  });
  return { clock, rc, restarts, events };
}

describe('restart-cron', () => {
  it('does not fire on registration (pm2#2817) and restarts at each due time once', async () => {
    const t = setup({ web: 'running' });
    expect(new Date(t.rc.register('web', '0 4 * * *', 'UTC')!).toISOString()).toBe('2026-06-01T04:00:00.000Z');
    expect(t.restarts).toEqual([]);
    await t.clock.advance(2 * 24 * HOUR);
    expect(t.restarts).toEqual([
      ['web', '2026-06-01T04:00:00.000Z'],
      ['web', '2026-06-02T04:00:00.000Z'],
    ]);
  });

  it('re-registering (process restarted, config reloaded) neither resets nor doubles (pm2#5834)', async () => {
    const t = setup({ web: 'running' });
    t.rc.register('web', '*/10 * * * *', 'UTC');
    await t.clock.advance(30 * MIN);
    for (let i = 0; i < 5; i++) {
      t.rc.unregister('web');
      t.rc.register('web', '*/10 * * * *', 'UTC');
      t.rc.register('web', '*/10 * * * *', 'UTC');
    }
    await t.clock.advance(30 * MIN);
    const times = t.restarts.map(([, at]) => at);
    expect(times).toEqual([...new Set(times)]);
    expect(times).toHaveLength(6);
  });

  it('never restarts a process the user stopped; starts one that exited on its own (pm2#1767)', async () => {
    const states: Record<string, RestartTargetState> = { job: 'stopped' };
    const t = setup(states);
    t.rc.register('job', '0 * * * *', 'UTC');
    await t.clock.advance(HOUR);
    expect(t.restarts).toEqual([]);
    expect(t.events[0]).toEqual({ type: 'restart-skipped', name: 'job', dueAt: Date.parse('2026-06-01T04:00:00Z'), reason: 'the process was stopped by a user' });
    states.job = 'exited';
    await t.clock.advance(HOUR);
    expect(t.restarts).toEqual([['job', '2026-06-01T05:00:00.000Z']]);
    expect(t.events[1]).toMatchObject({ type: 'restart', state: 'exited' });
  });

  it('drops the registration of a process that no longer exists', async () => {
    const t = setup({});
    t.rc.register('gone', '* * * * *', 'UTC');
    await t.clock.advance(5 * MIN);
    expect(t.rc.list()).toEqual([]);
    expect(t.clock.pendingTimers()).toBe(0);
    expect(t.events).toHaveLength(1);
  });

  it('skips a due time while the previous restart is still in progress', async () => {
    const t = setup({ web: 'running' }, 90_000);
    t.rc.register('web', '* * * * *', 'UTC');
    await t.clock.advance(3 * MIN);
    expect(t.restarts.map(([, at]) => at)).toEqual(['2026-06-01T03:31:00.000Z', '2026-06-01T03:33:00.000Z']);
    expect(t.events.some((e) => e.type === 'restart-skipped' && e.reason === 'the previous cron restart has not finished')).toBe(true);
  });

  it('rejects an invalid expression with croner\'s reason', () => {
    const t = setup({});
    let err: unknown;
    try {
      t.rc.register('web', '0 25 * * *');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SentinelError);
    expect((err as SentinelError).code).toBe('INVALID_CRON');
    expect((err as SentinelError).message).toMatch(/^invalid cron expression "0 25 \* \* \*": Invalid value for hour: 25;/);
  });

  it('shares the scheduler\'s single timer', async () => {
    tmp = createTempDb();
    const clock = createFakeClock(T0);
    const fake = createFakeRunner(clock);
    const scheduler = createScheduler({ clock, repo: createSchedulerRepo(tmp.open()), runner: fake.runner });
    scheduler.start();
    const restarts: number[] = [];
    const rc = createRestartCron({ clock, agenda: scheduler.agenda, stateOf: () => 'running', restart: (_n, at) => void restarts.push(at) });
    scheduler.add({ name: 'job', trigger: { everyMs: 7 * MIN }, command: 'true', cwd: tmp.dir });
    for (let i = 0; i < 20; i++) rc.register(`p${i}`, `${i} * * * *`, 'UTC');
    await clock.advance(2 * HOUR);
    expect(restarts).toHaveLength(40);
    expect(fake.calls).toHaveLength(17);
    expect(clock.maxPendingTimers()).toBe(1);
  });
});
