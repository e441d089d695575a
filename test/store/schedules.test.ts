import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SentinelError } from '../../src/core/errors.js';
import { createSchedulerRepo, runLogPaths } from '../../src/store/schedules.js';
import { createSchedule } from '../../src/scheduler/schedule.js';
import { createTempDb, type TempDb } from '../scheduler/helpers.js';

let tmp: TempDb;
afterEach(() => tmp?.cleanup());

const NOW = 1_780_000_000_000;
const sched = (name: string) => createSchedule({ name, trigger: { everyMs: 60_000 }, command: 'echo hi', shell: true, cwd: '/tmp' }, NOW);

describe('scheduler repository over a real SQLite file', () => {
  it('keeps data across re-opens (the migrations run once)', () => {
    tmp = createTempDb();
    const db = tmp.open();
    createSchedulerRepo(db).insertSchedule(sched('a'), NOW);
    db.close();
    const again = createSchedulerRepo(tmp.open());
    expect(again.listSchedules().map((s) => s.schedule.name)).toEqual(['a']);
    const tables = tmp.open().prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'schedule%' ORDER BY name").all();
    expect(tables).toEqual([{ name: 'schedule_runs' }, { name: 'schedules' }]);
  });

  it('CRUD: insert, duplicate name, update, enable, delete', () => {
    tmp = createTempDb();
    const repo = createSchedulerRepo(tmp.open());
    repo.insertSchedule(sched('backup'), NOW);
    let err: unknown;
    try {
      repo.insertSchedule(sched('backup'), NOW);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SentinelError);
    expect((err as SentinelError).code).toBe('NAME_TAKEN');
    expect((err as SentinelError).message).toBe('a schedule named "backup" already exists: pick another name or remove it first (sentinel schedule rm backup)');
    expect(repo.updateSchedule({ ...sched('backup'), command: 'echo changed' }, NOW + 1)).toBe(true);
    expect(repo.getSchedule('backup')?.schedule.command).toBe('echo changed');
    repo.setEnabled('backup', false, NOW + 2);
    expect(repo.getSchedule('backup')?.schedule.enabled).toBe(false);
    expect(repo.deleteSchedule('backup')).toBe(true);
    expect(repo.deleteSchedule('backup')).toBe(false);
    expect(repo.getSchedule('backup')).toBeNull();
  });

  it('claims a due time once: the second start for the same due time is refused', () => {
    tmp = createTempDb();
    const repo = createSchedulerRepo(tmp.open());
    repo.insertSchedule(sched('a'), NOW);
    const first = repo.startRun({ name: 'a', dueAt: NOW + 60_000, claim: true, trigger: 'interval', attempt: 1, startedAt: NOW + 60_000 });
    expect(first?.status).toBe('running');
    expect(repo.startRun({ name: 'a', dueAt: NOW + 60_000, claim: true, trigger: 'interval', attempt: 1, startedAt: NOW + 60_001 })).toBeNull();
    expect(repo.startRun({ name: 'a', dueAt: NOW + 30_000, claim: true, trigger: 'catch-up', attempt: 1, startedAt: NOW + 60_001 })).toBeNull();
    expect(repo.getSchedule('a')?.lastDueAt).toBe(NOW + 60_000);
    // an unclaimed (manual) run always records
    expect(repo.startRun({ name: 'a', dueAt: null, claim: false, trigger: 'manual', attempt: 1, startedAt: NOW + 61_000 })).not.toBeNull();
    expect(repo.history('a', 10)).toHaveLength(2);
  });

  it('records the end, lists history newest first, and marks leftovers interrupted', () => {
    tmp = createTempDb();
    const repo = createSchedulerRepo(tmp.open(), { logsDir: join(tmp.dir, 'logs') });
    repo.insertSchedule(sched('a'), NOW);
    const r1 = repo.startRun({ name: 'a', dueAt: 1, claim: true, trigger: 'interval', attempt: 1, startedAt: 10 })!;
    repo.finishRun(r1.id, { endedAt: 40, durationMs: 30, exitCode: 3, signal: null, status: 'failed' });
    const r2 = repo.startRun({ name: 'a', dueAt: null, claim: false, trigger: 'retry', attempt: 2, startedAt: 50 })!;
    repo.recordSkipped({ name: 'a', dueAt: 2, claim: true, trigger: 'interval', attempt: 1, startedAt: 60, reason: 'busy' });
    expect(repo.markInterrupted(100)).toBe(1);
    const h = repo.history('a', 10);
    expect(h.map((r) => [r.id, r.status, r.trigger, r.attempt])).toEqual([
      [3, 'skipped', 'interval', 1],
      [r2.id, 'interrupted', 'retry', 2],
      [r1.id, 'failed', 'interval', 1],
    ]);
    expect(h[2]).toMatchObject({ startedAt: 10, endedAt: 40, durationMs: 30, exitCode: 3, signal: null });
    expect(h[2].stdoutPath).toBe(join(tmp.dir, 'logs', 'schedules', 'a', `${r1.id}.stdout.log`));
    expect(h[2].stderrPath).toBe(runLogPaths(join(tmp.dir, 'logs'), 'a', r1.id).stderr);
    expect(repo.history('a', 1)).toHaveLength(1);
    // the last run shown in a list ignores skips
    expect(repo.lastRuns().get('a')?.id).toBe(r2.id);
  });

  it('prunes old runs and returns their log files', () => {
    tmp = createTempDb();
    const repo = createSchedulerRepo(tmp.open(), { logsDir: join(tmp.dir, 'logs') });
    repo.insertSchedule(sched('a'), NOW);
    for (let i = 0; i < 5; i++) repo.startRun({ name: 'a', dueAt: null, claim: false, trigger: 'manual', attempt: 1, startedAt: i });
    const files = repo.pruneRuns('a', 2);
    expect(files).toHaveLength(6);
    expect(repo.history('a', 10).map((r) => r.startedAt)).toEqual([4, 3]);
    expect(existsSync(files[0])).toBe(false);
  });
});
