// The scheduling engine: one timer for the next due job, overlap/missed/retry policies, and
// due times claimed in SQLite together with the run start, so a restart neither doubles nor loses a run.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { SentinelError } from '../core/errors.js';
import { createAgenda, type Agenda, type SchedulerClock } from './agenda.js';
import { startJob, type JobContext, type JobRequest } from './jobs.js';
import { missedWindowSize, planMissed } from './missed.js';
import { dueBetween, nextRunAfter, upcoming } from './next-run.js';
import type { RunRecord, SchedulerRepo } from '../store/schedules.js';
import { createSchedule, triggerKind, validateTrigger, type ScheduleInput } from './schedule.js';
import type { Entry, RunNowResult, ScheduleInfo, ScheduleRunner, SchedulerEvent } from './types.js';

export type { Entry, RunContext, RunNowResult, RunResult, ScheduleInfo, ScheduleRunner, SchedulerEvent } from './types.js';

export interface SchedulerOptions {
  clock: SchedulerClock;
  repo: SchedulerRepo;
  runner: ScheduleRunner;
  onEvent?: (event: SchedulerEvent) => void;
  /** Share one agenda (one timer) with restart-cron; the scheduler makes its own otherwise. */
  agenda?: Agenda;
  /** Runs kept per schedule in history (older runs and their logs are deleted). */
  historyKeep?: number;
  random?: () => number;
}

const KEY = 'sched\u0000';
const dueKey = (name: string) => `${KEY}due\u0000${name}`;

export function createScheduler(opts: SchedulerOptions) {
  const { clock, repo } = opts;
  const agenda = opts.agenda ?? createAgenda(clock, { onError: (err) => emit({ type: 'error', name: null, message: String(err) }) });
  const entries = new Map<string, Entry>();
  let started = false;
  const ctx: JobContext = {
    clock,
    repo,
    runner: opts.runner,
    agenda,
    emit,
    random: opts.random ?? Math.random,
    historyKeep: opts.historyKeep ?? 200,
    stopped: false,
    inFlight: new Set(),
    waiting: new Map(),
    idleWaiters: [],
    keyPrefix: KEY,
  };

  function emit(event: SchedulerEvent): void {
    try {
      opts.onEvent?.(event);
    } catch {
      // a listener's failure must not break scheduling
    }
  }

  function must(name: string): Entry {
    const entry = entries.get(name);
    if (!entry) throw new SentinelError('SCHEDULE_NOT_FOUND', `no schedule named "${name}": see the names with "sentinel schedule list"`);
    return entry;
  }

  /** Points the entry's wake-up at its next due time (none when disabled) and records it. */
  function armNext(entry: Entry, now: number, persist = true): void {
    const s = entry.schedule;
    const next = s.enabled && !entry.removed && !ctx.stopped ? nextRunAfter(s, Math.max(now, entry.cursor)) : null;
    if (next === null) agenda.delete(dueKey(s.name));
    else agenda.set(dueKey(s.name), next, () => onDue(entry));
    if (persist && next !== entry.nextDue) repo.setNextDue(s.name, next);
    entry.nextDue = next;
  }

  function catchUp(entry: Entry, requests: JobRequest[]): void {
    // catch-up runs go one after another whatever the overlap policy: they were all meant to run
    for (const req of requests) dispatch(entry, req, true);
  }

  /** The single timer reached this schedule's due time (possibly late: then earlier due times were missed). */
  function onDue(entry: Entry): void {
    const s = entry.schedule;
    const now = clock.now();
    const window = dueBetween(s, entry.cursor, now, missedWindowSize(s.missed, s.missedCap) + 1);
    if (window.times.length > 0) {
      const latest = window.times[window.times.length - 1];
      const timed: JobRequest = { dueAt: latest, trigger: triggerKind(s.trigger), claim: true };
      const late = window.total - 1;
      const catchUps = s.missed === 'run-all' ? window.times.slice(0, -1).slice(-s.missedCap) : [];
      if (late > 0) emit({ type: 'missed', name: s.name, count: late, policy: s.missed, catchUpRuns: catchUps.length });
      if (catchUps.length > 0) catchUp(entry, [...catchUps.map((dueAt): JobRequest => ({ dueAt, trigger: 'catch-up', claim: true })), timed]);
      else dispatch(entry, timed, false);
      entry.cursor = latest;
    }
    armNext(entry, now);
  }

  /** Starts a job now, or applies the overlap policy when one is already in progress. */
  function dispatch(entry: Entry, req: JobRequest, batch: boolean): void {
    const s = entry.schedule;
    const busy = entry.active > 0 || entry.queue.length > 0;
    // claims only move forward: a due time must not be claimed (run or skipped) ahead of earlier
    // ones still waiting in the queue (catch-ups), or those would be refused as already claimed
    const behind = !batch && req.claim && entry.queue.some((q) => q.claim);
    if (!busy || (!batch && !behind && s.overlap === 'allow')) {
      startJob(ctx, entry, req);
      return;
    }
    if (batch) return void entry.queue.push(req);
    if (behind && entry.queue.length < QUEUE_LIMIT + s.missedCap) return void entry.queue.push(req);
    if (!behind && s.overlap === 'queue' && entry.queue.length < QUEUE_LIMIT) return void entry.queue.push(req);
    const reason = behind
      ? `${entry.queue.length} earlier runs are still waiting to catch up`
      : s.overlap === 'queue'
        ? `the queue already holds ${QUEUE_LIMIT} runs (overlap: queue)`
        : 'the previous run is still running (overlap: skip)';
    // recorded without a claim when earlier due times are still queued: they claim in their turn
    const run = repo.recordSkipped({ name: s.name, dueAt: req.dueAt, claim: req.claim && !behind, trigger: req.trigger, attempt: 1, startedAt: clock.now(), reason });
    emit({ type: 'run-skipped', name: s.name, dueAt: req.dueAt, trigger: req.trigger, reason: run ? reason : 'due time already claimed' });
  }

  /** Settles what a scheduler that was not running owes each schedule, then arms the timer. */
  function recoverMissed(entry: Entry, now: number): void {
    const s = entry.schedule;
    const window = dueBetween(s, entry.cursor, now, missedWindowSize(s.missed, s.missedCap));
    const plan = planMissed(window, s.missed, s.missedCap);
    if (plan.latest === null) return;
    emit({ type: 'missed', name: s.name, count: window.total, policy: s.missed, catchUpRuns: plan.runs.length });
    // waiving needs its own claim; a catch-up run claims its due time when it starts
    if (plan.runs.length === 0) repo.claimDue(s.name, plan.latest);
    catchUp(entry, plan.runs.map((dueAt) => ({ dueAt, trigger: 'catch-up', claim: true })));
    entry.cursor = plan.latest;
  }

  function cancelWaits(entry: Entry): void {
    entry.queue.length = 0;
    for (const [key, owner] of [...ctx.waiting]) {
      if (owner.entry !== entry) continue;
      agenda.delete(key);
      ctx.waiting.delete(key);
      owner.end();
    }
  }

  function info(entry: Entry, last: RunRecord | null): ScheduleInfo {
    return { schedule: { ...entry.schedule }, nextRunAt: entry.nextDue, lastRun: last, running: entry.active, queued: entry.queue.length };
  }

  return {
    agenda,
    /** Loads schedules, marks runs cut off by the last stop as interrupted, settles missed runs, arms the timer. */
    start(): void {
      if (started) return;
      started = true;
      const now = clock.now();
      repo.markInterrupted(now);
      const nextDues: Array<[string, number | null]> = [];
      for (const stored of repo.listSchedules()) {
        const s = stored.schedule;
        if (entries.has(s.name)) continue;
        const entry: Entry = { schedule: s, cursor: Math.max(stored.lastDueAt ?? s.createdAt, s.createdAt), nextDue: stored.nextDueAt, active: 0, queue: [], removed: false };
        entries.set(s.name, entry);
        if (s.enabled) recoverMissed(entry, now);
        const before = entry.nextDue;
        armNext(entry, now, false);
        if (entry.nextDue !== before) nextDues.push([s.name, entry.nextDue]);
      }
      if (nextDues.length > 0) repo.setNextDueMany(nextDues);
    },

    /** Validates, stores and arms a new schedule. Throws NAME_TAKEN when the name exists. */
    add(input: ScheduleInput): ScheduleInfo {
      const now = clock.now();
      const s = createSchedule({ ...input, createdAt: input.createdAt ?? now }, now);
      if (input.createdAt !== undefined) validateTrigger(s.trigger, now);
      // nothing is owed from before it was added, even with an earlier createdAt (the interval anchor)
      const entry: Entry = { schedule: s, cursor: Math.max(s.createdAt, now), nextDue: null, active: 0, queue: [], removed: false };
      // one write: the row goes in with its next due time
      const next = s.enabled ? nextRunAfter(s, entry.cursor) : null;
      repo.insertSchedule(s, now, next, s.createdAt < now ? now : null);
      entry.nextDue = next;
      entries.set(s.name, entry);
      armNext(entry, now);
      return info(entry, null);
    },

    /** Replaces a schedule's definition, keeping its history, claimed due times and enabled state. */
    update(name: string, input: Omit<ScheduleInput, 'name'>): ScheduleInfo {
      const entry = must(name);
      const now = clock.now();
      if (JSON.stringify(input.trigger) !== JSON.stringify(entry.schedule.trigger)) validateTrigger(input.trigger, now);
      const s = createSchedule({ ...input, name, enabled: entry.schedule.enabled, createdAt: entry.schedule.createdAt }, now);
      repo.updateSchedule(s, now);
      entry.schedule = s;
      armNext(entry, now);
      return info(entry, repo.history(name, 1)[0] ?? null);
    },

    /** Deletes the schedule, its history and its run logs; a run in progress finishes but is not recorded. */
    remove(name: string): void {
      const entry = must(name);
      entry.removed = true;
      cancelWaits(entry);
      agenda.delete(dueKey(name));
      entries.delete(name);
      repo.deleteSchedule(name);
      if (repo.logsDir) rmSync(join(repo.logsDir, 'schedules', name), { recursive: true, force: true });
    },

    enable(name: string): ScheduleInfo {
      const entry = must(name);
      const now = clock.now();
      if (!entry.schedule.enabled) {
        entry.schedule = { ...entry.schedule, enabled: true };
        repo.setEnabled(name, true, now);
        // due times that passed while disabled are not owed
        entry.cursor = Math.max(entry.cursor, now);
        repo.claimDue(name, entry.cursor);
        armNext(entry, now);
      }
      return info(entry, repo.history(name, 1)[0] ?? null);
    },

    /** Stops future runs; a run in progress finishes, its pending retries and queued runs are dropped. */
    disable(name: string): ScheduleInfo {
      const entry = must(name);
      if (entry.schedule.enabled) {
        entry.schedule = { ...entry.schedule, enabled: false };
        repo.setEnabled(name, false, clock.now());
        cancelWaits(entry);
        armNext(entry, clock.now());
      }
      return info(entry, repo.history(name, 1)[0] ?? null);
    },

    /** Runs the schedule now (trigger "manual"), enabled or not, within its overlap policy. */
    runNow(name: string): RunNowResult {
      const entry = must(name);
      const req: JobRequest = { dueAt: null, trigger: 'manual', claim: false };
      if (entry.active > 0 || entry.queue.length > 0) {
        if (entry.schedule.overlap === 'skip') {
          throw new SentinelError('ALREADY_RUNNING', `schedule "${name}" is already running and its overlap policy is skip: wait for it to finish (sentinel schedule history ${name}) or set --overlap queue or allow`);
        }
        if (entry.schedule.overlap === 'queue') {
          entry.queue.push(req);
          return { status: 'queued' };
        }
      }
      const run = startJob(ctx, entry, req);
      return run ? { status: 'started', run } : { status: 'queued' };
    },

    get(name: string): ScheduleInfo {
      const entry = must(name);
      return info(entry, repo.lastRuns().get(name) ?? null);
    },

    list(): ScheduleInfo[] {
      const last = repo.lastRuns();
      return [...entries.values()].sort((a, b) => a.schedule.name.localeCompare(b.schedule.name)).map((e) => info(e, last.get(e.schedule.name) ?? null));
    },

    /** The next n due times from now (ignores enabled, so a disabled schedule can be previewed). */
    next(name: string, n = 5): number[] {
      const entry = must(name);
      return upcoming(entry.schedule, Math.max(clock.now(), entry.cursor), n);
    },

    history(name: string, limit = 20): RunRecord[] {
      must(name);
      return repo.history(name, limit);
    },

    has: (name: string): boolean => entries.has(name),

    /** Resolves once no job is running or waiting to retry. */
    whenIdle(): Promise<void> {
      if (ctx.inFlight.size === 0 && ctx.waiting.size === 0) return Promise.resolve();
      return new Promise((resolve) => ctx.idleWaiters.push(resolve));
    },

    /** Cancels the timer and pending retries, then waits for runs in progress to be recorded. */
    async stop(): Promise<void> {
      ctx.stopped = true;
      agenda.deletePrefix(KEY);
      for (const entry of entries.values()) cancelWaits(entry);
      await Promise.allSettled([...ctx.inFlight]);
    },
  };
}

/** Runs waiting behind a busy one (overlap: queue); more than this are recorded as skipped. */
export const QUEUE_LIMIT = 10;

export type Scheduler = ReturnType<typeof createScheduler>;
