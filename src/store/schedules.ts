// The scheduler's rows: schedules (with the last claimed due time) and their runs. The tables come from
// migration 3; the repository expects a database opened with openDb.
import { join } from 'node:path';
import { SentinelError } from '../core/errors.js';
import type { RunTrigger, Schedule } from '../scheduler/schedule.js';
import type { Db } from './db.js';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'timed-out' | 'skipped' | 'interrupted';

export interface RunRecord {
  id: number;
  schedule: string;
  /** The due time this run served (null for nothing timed, e.g. run-now). */
  dueAt: number | null;
  startedAt: number;
  endedAt: number | null;
  durationMs: number | null;
  exitCode: number | null;
  signal: string | null;
  trigger: RunTrigger;
  attempt: number;
  status: RunStatus;
  /** Why it was skipped, interrupted or failed to start. */
  reason: string | null;
  stdoutPath: string | null;
  stderrPath: string | null;
}

export interface StoredSchedule {
  schedule: Schedule;
  /** The latest due time claimed (run, skipped or waived); due times up to it are never run again. */
  lastDueAt: number | null;
  nextDueAt: number | null;
}

export interface StartRunInput {
  name: string;
  dueAt: number | null;
  /** Claim dueAt as served, in the same transaction; the run is refused if it was already claimed. */
  claim: boolean;
  trigger: RunTrigger;
  attempt: number;
  startedAt: number;
}

export interface FinishRunInput {
  endedAt: number;
  durationMs: number;
  exitCode: number | null;
  signal: string | null;
  status: RunStatus;
  reason?: string | null;
}

/** Where one run's output goes: <logsDir>/schedules/<name>/<runId>.stdout.log and .stderr.log. */
export function runLogPaths(logsDir: string, name: string, runId: number): { stdout: string; stderr: string } {
  const dir = join(logsDir, 'schedules', name);
  return { stdout: join(dir, `${runId}.stdout.log`), stderr: join(dir, `${runId}.stderr.log`) };
}

interface ScheduleRow {
  name: string;
  spec: string;
  enabled: number;
  created_at: number;
  last_due_at: number | null;
  next_due_at: number | null;
}

interface RunRow {
  id: number;
  schedule: string;
  due_at: number | null;
  started_at: number;
  ended_at: number | null;
  duration_ms: number | null;
  exit_code: number | null;
  signal: string | null;
  trigger: string;
  attempt: number;
  status: string;
  reason: string | null;
  stdout_path: string | null;
  stderr_path: string | null;
}

function toStored(row: ScheduleRow): StoredSchedule {
  const schedule = { ...(JSON.parse(row.spec) as Schedule), enabled: row.enabled === 1, createdAt: row.created_at };
  return { schedule, lastDueAt: row.last_due_at, nextDueAt: row.next_due_at };
}

function toRun(row: RunRow): RunRecord {
  return {
    id: row.id,
    schedule: row.schedule,
    dueAt: row.due_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    durationMs: row.duration_ms,
    exitCode: row.exit_code,
    signal: row.signal,
    trigger: row.trigger as RunTrigger,
    attempt: row.attempt,
    status: row.status as RunStatus,
    reason: row.reason,
    stdoutPath: row.stdout_path,
    stderrPath: row.stderr_path,
  };
}

export type SchedulerRepo = ReturnType<typeof createSchedulerRepo>;

/** The repository over a migrated database; `logsDir` (optional) is where run logs are placed. */
export function createSchedulerRepo(db: Db, opts: { logsDir?: string } = {}) {
  const q = {
    insert: db.prepare(
      'INSERT INTO schedules (name, spec, enabled, created_at, last_due_at, next_due_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    update: db.prepare('UPDATE schedules SET spec = ?, enabled = ?, updated_at = ? WHERE name = ?'),
    get: db.prepare('SELECT * FROM schedules WHERE name = ?'),
    list: db.prepare('SELECT * FROM schedules ORDER BY name'),
    remove: db.prepare('DELETE FROM schedules WHERE name = ?'),
    removeRuns: db.prepare('DELETE FROM schedule_runs WHERE schedule = ?'),
    setEnabled: db.prepare('UPDATE schedules SET enabled = ?, updated_at = ? WHERE name = ?'),
    claim: db.prepare('UPDATE schedules SET last_due_at = ? WHERE name = ? AND (last_due_at IS NULL OR last_due_at < ?)'),
    setNext: db.prepare('UPDATE schedules SET next_due_at = ? WHERE name = ?'),
    insertRun: db.prepare(
      'INSERT INTO schedule_runs (schedule, due_at, started_at, trigger, attempt, status, reason, ended_at, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    setRunLogs: db.prepare('UPDATE schedule_runs SET stdout_path = ?, stderr_path = ? WHERE id = ?'),
    finishRun: db.prepare(
      'UPDATE schedule_runs SET ended_at = ?, duration_ms = ?, exit_code = ?, signal = ?, status = ?, reason = ? WHERE id = ? AND status = ?',
    ),
    interrupt: db.prepare("UPDATE schedule_runs SET status = 'interrupted', ended_at = ?, reason = ? WHERE status = 'running'"),
    history: db.prepare('SELECT * FROM schedule_runs WHERE schedule = ? ORDER BY id DESC LIMIT ?'),
    getRun: db.prepare('SELECT * FROM schedule_runs WHERE id = ?'),
    lastRuns: db.prepare(
      "SELECT r.* FROM schedule_runs r JOIN (SELECT schedule, MAX(id) AS id FROM schedule_runs WHERE status != 'skipped' GROUP BY schedule) m ON r.id = m.id",
    ),
    oldRuns: db.prepare('SELECT id, stdout_path, stderr_path FROM schedule_runs WHERE schedule = ? ORDER BY id DESC LIMIT -1 OFFSET ?'),
    removeRun: db.prepare('DELETE FROM schedule_runs WHERE id = ?'),
  };

  function claimDue(name: string, dueAt: number): boolean {
    return q.claim.run(dueAt, name, dueAt).changes === 1;
  }

  const startRunTx = db.transaction((input: StartRunInput): RunRecord | null => {
    if (input.claim && input.dueAt !== null && !claimDue(input.name, input.dueAt)) return null;
    const id = Number(q.insertRun.run(input.name, input.dueAt, input.startedAt, input.trigger, input.attempt, 'running', null, null, null).lastInsertRowid);
    if (opts.logsDir) {
      const paths = runLogPaths(opts.logsDir, input.name, id);
      q.setRunLogs.run(paths.stdout, paths.stderr, id);
    }
    return toRun(q.getRun.get(id) as RunRow);
  });

  const skipRunTx = db.transaction((input: StartRunInput & { reason: string }): RunRecord | null => {
    if (input.claim && input.dueAt !== null && !claimDue(input.name, input.dueAt)) return null;
    const r = q.insertRun.run(input.name, input.dueAt, input.startedAt, input.trigger, input.attempt, 'skipped', input.reason, input.startedAt, 0);
    return toRun(q.getRun.get(Number(r.lastInsertRowid)) as RunRow);
  });

  const setNextManyTx = db.transaction((items: Array<[string, number | null]>) => {
    for (const [name, at] of items) q.setNext.run(at, name);
  });

  const removeTx = db.transaction((name: string) => {
    q.removeRuns.run(name);
    return q.remove.run(name).changes === 1;
  });

  const pruneTx = db.transaction((name: string, keep: number): string[] => {
    const rows = q.oldRuns.all(name, keep) as Array<{ id: number; stdout_path: string | null; stderr_path: string | null }>;
    const files: string[] = [];
    for (const row of rows) {
      q.removeRun.run(row.id);
      if (row.stdout_path) files.push(row.stdout_path);
      if (row.stderr_path) files.push(row.stderr_path);
    }
    return files;
  });

  return {
    logsDir: opts.logsDir ?? null,
    /** `lastDueAt` marks due times up to it as not owed (a schedule created with an earlier createdAt). */
    insertSchedule(schedule: Schedule, now: number, nextDueAt: number | null = null, lastDueAt: number | null = null): void {
      try {
        q.insert.run(schedule.name, JSON.stringify(schedule), schedule.enabled ? 1 : 0, schedule.createdAt, lastDueAt, nextDueAt, now);
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
          throw new SentinelError('NAME_TAKEN', `a schedule named "${schedule.name}" already exists: pick another name or remove it first (sentinel schedule rm ${schedule.name})`);
        }
        throw err;
      }
    },
    updateSchedule(schedule: Schedule, now: number): boolean {
      return q.update.run(JSON.stringify(schedule), schedule.enabled ? 1 : 0, now, schedule.name).changes === 1;
    },
    getSchedule(name: string): StoredSchedule | null {
      const row = q.get.get(name) as ScheduleRow | undefined;
      return row ? toStored(row) : null;
    },
    listSchedules(): StoredSchedule[] {
      return (q.list.all() as ScheduleRow[]).map(toStored);
    },
    /** Deletes the schedule and its run history; returns false when it did not exist. */
    deleteSchedule(name: string): boolean {
      return removeTx(name);
    },
    setEnabled(name: string, enabled: boolean, now: number): boolean {
      return q.setEnabled.run(enabled ? 1 : 0, now, name).changes === 1;
    },
    /** Marks due times up to `dueAt` as served without running them; false if already claimed that far. */
    claimDue,
    setNextDue(name: string, at: number | null): void {
      q.setNext.run(at, name);
    },
    setNextDueMany(items: Array<[string, number | null]>): void {
      setNextManyTx(items);
    },
    /** Claims the due time (when asked) and records the run as started, atomically; null if already claimed. */
    startRun(input: StartRunInput): RunRecord | null {
      return startRunTx(input);
    },
    /** Records a run that did not happen (overlap policy), claiming its due time the same way. */
    recordSkipped(input: StartRunInput & { reason: string }): RunRecord | null {
      return skipRunTx(input);
    },
    finishRun(id: number, r: FinishRunInput): boolean {
      return q.finishRun.run(r.endedAt, r.durationMs, r.exitCode, r.signal, r.status, r.reason ?? null, id, 'running').changes === 1;
    },
    /** Runs still marked running when a scheduler starts were cut off by a daemon stop or crash. */
    markInterrupted(now: number, reason = 'the daemon stopped while it ran'): number {
      return q.interrupt.run(now, reason).changes;
    },
    history(name: string, limit = 20): RunRecord[] {
      return (q.history.all(name, limit) as RunRow[]).map(toRun);
    },
    getRun(id: number): RunRecord | null {
      const row = q.getRun.get(id) as RunRow | undefined;
      return row ? toRun(row) : null;
    },
    /** The latest run (not counting skips) of every schedule. */
    lastRuns(): Map<string, RunRecord> {
      return new Map((q.lastRuns.all() as RunRow[]).map((row) => [row.schedule, toRun(row)]));
    },
    /** Keeps the newest `keep` runs of a schedule; returns the log files of the deleted ones. */
    pruneRuns(name: string, keep: number): string[] {
      return pruneTx(name, keep);
    },
  };
}
