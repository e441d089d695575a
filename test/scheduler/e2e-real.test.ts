// Real time, real processes (sh -c), a real SQLite file: runs every second, a restart in the middle,
// and a run stopped at its max runtime.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { realClock } from '../../src/scheduler/agenda.js';
import { createScheduler, type Scheduler } from '../../src/scheduler/engine.js';
import { createSchedulerRepo } from '../../src/store/schedules.js';
import { createSpawnRunner } from '../../src/scheduler/spawn-runner.js';
import { createTempDb, type TempDb } from './helpers.js';

let tmp: TempDb;
const running: Scheduler[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
  tmp?.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function boot() {
  const repo = createSchedulerRepo(tmp.open(), { logsDir: join(tmp.dir, 'logs') });
  const scheduler = createScheduler({ clock: realClock, repo, runner: createSpawnRunner({ killGraceMs: 500 }) });
  scheduler.start();
  running.push(scheduler);
  return scheduler;
}

describe('end to end with real processes', () => {
  it('runs `sh -c` every second, across a scheduler restart, with no due time doubled or lost', async () => {
    tmp = createTempDb();
    const a = boot();
    a.add({ name: 'tick', trigger: { everyMs: 1000 }, command: 'echo "tick $$"; echo warn >&2', shell: true, cwd: tmp.dir });
    await sleep(1700);
    await a.stop();
    const b = boot();
    await sleep(1800);
    await b.stop();
    await b.whenIdle();

    const runs = b.history('tick', 50).reverse();
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.length).toBeLessThanOrEqual(8);
    const dueAts = runs.map((r) => r.dueAt as number);
    // consecutive due times, each exactly one interval after the previous: none doubled, none lost
    expect(dueAts.slice(1).map((d, i) => d - dueAts[i])).toEqual(Array(runs.length - 1).fill(1000));
    for (const run of runs) {
      expect(run.status).toBe('succeeded');
      expect(run.exitCode).toBe(0);
      expect(['interval', 'catch-up']).toContain(run.trigger);
      expect(readFileSync(run.stdoutPath as string, 'utf8')).toMatch(/^tick \d+\n$/);
      expect(readFileSync(run.stderrPath as string, 'utf8')).toBe('warn\n');
    }
  });

  it('stops a run at its max runtime and records it as timed out', async () => {
    tmp = createTempDb();
    const s = boot();
    s.add({ name: 'slow', trigger: { cron: '0 0 1 1 *', tz: 'UTC' }, command: 'sleep', args: ['30'], cwd: tmp.dir, maxRuntimeMs: 300 });
    const started = s.runNow('slow');
    expect(started.status).toBe('started');
    await s.whenIdle();
    const [run] = s.history('slow', 1);
    expect(run).toMatchObject({ status: 'timed-out', signal: 'SIGTERM', exitCode: null, trigger: 'manual' });
    expect(run.durationMs).toBeGreaterThanOrEqual(300);
    expect(run.durationMs).toBeLessThan(20_000);
  });

  it('records a command that does not exist as failed', async () => {
    tmp = createTempDb();
    const s = boot();
    s.add({ name: 'missing', trigger: { everyMs: 3_600_000 }, command: 'no-such-command-sentinel', cwd: tmp.dir });
    s.runNow('missing');
    await s.whenIdle();
    const [run] = s.history('missing', 1);
    expect(run.status).toBe('failed');
    expect(run.reason).toBe('could not run: spawn no-such-command-sentinel ENOENT');
  });
});
