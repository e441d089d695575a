// One job = one due time's execution: optional jitter wait, the run, and its retries with backoff.
// Waits go through the shared agenda, so the scheduler still holds a single timer.
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { backoffDelay } from '../core/restart-policy.js';
import { DEFAULT_RESTART_POLICY } from '../core/spec.js';
import type { Agenda, SchedulerClock } from './agenda.js';
import type { Entry, RunResult, ScheduleRunner, SchedulerEvent } from './types.js';
import type { RunRecord, RunStatus, SchedulerRepo } from '../store/schedules.js';
import type { RunTrigger, Schedule } from './schedule.js';

export interface JobRequest {
  dueAt: number | null;
  trigger: RunTrigger;
  /** Claim dueAt in the repo when the first attempt starts (timed and catch-up runs). */
  claim: boolean;
}

export interface JobContext {
  clock: SchedulerClock;
  repo: SchedulerRepo;
  runner: ScheduleRunner;
  agenda: Agenda;
  emit: (event: SchedulerEvent) => void;
  random: () => number;
  historyKeep: number;
  stopped: boolean;
  /** Runner promises not yet settled. */
  inFlight: Set<Promise<void>>;
  /** Agenda keys of jobs waiting (jitter or retry backoff), with how to end them when cancelled. */
  waiting: Map<string, { entry: Entry; end: () => void }>;
  idleWaiters: Array<() => void>;
  keyPrefix: string;
}

interface Job {
  id: number;
  entry: Entry;
  req: JobRequest;
  ended: boolean;
}

const TIMED: ReadonlySet<RunTrigger> = new Set(['cron', 'interval', 'at']);
/** Exponential retry delays stop growing here. */
const RETRY_MAX_DELAY_MS = 3_600_000;
let lastJobId = 0;

/** The wait before retry number `attempt` (1-based), computed by the restart-policy backoff. */
export function retryDelay(s: Pick<Schedule, 'retryDelayMs' | 'retryBackoff'>, attempt: number): number {
  const policy = { ...DEFAULT_RESTART_POLICY, delayMs: s.retryDelayMs, backoff: s.retryBackoff, backoffMaxMs: Math.max(RETRY_MAX_DELAY_MS, s.retryDelayMs) };
  return backoffDelay(policy, attempt);
}

export function runStatus(result: RunResult, failedToStart: boolean): RunStatus {
  if (result.interrupted) return 'interrupted';
  if (result.timedOut) return 'timed-out';
  if (failedToStart) return 'failed';
  return result.exitCode === 0 && !result.signal ? 'succeeded' : 'failed';
}

/** Starts a job: at once (returning its run), or after a jitter wait (returning null). */
export function startJob(ctx: JobContext, entry: Entry, req: JobRequest): RunRecord | null {
  entry.active++;
  const job: Job = { id: ++lastJobId, entry, req, ended: false };
  const s = entry.schedule;
  const jitter = TIMED.has(req.trigger) && s.jitterMs > 0 ? Math.floor(ctx.random() * (s.jitterMs + 1)) : 0;
  if (jitter > 0) {
    waitThen(ctx, job, jitter, () => launch(ctx, job, 1));
    return null;
  }
  return launch(ctx, job, 1);
}

function waitThen(ctx: JobContext, job: Job, delayMs: number, then: () => void): void {
  const key = `${ctx.keyPrefix}job\u0000${job.entry.schedule.name}\u0000${job.id}`;
  ctx.waiting.set(key, { entry: job.entry, end: () => endJob(ctx, job) });
  ctx.agenda.set(key, ctx.clock.now() + delayMs, () => {
    ctx.waiting.delete(key);
    then();
  });
}

/** Records the attempt's start (claiming the due time on the first one) and hands it to the runner. */
function launch(ctx: JobContext, job: Job, attempt: number): RunRecord | null {
  const { entry, req } = job;
  const name = entry.schedule.name;
  if (ctx.stopped || entry.removed) {
    endJob(ctx, job);
    return null;
  }
  const trigger: RunTrigger = attempt === 1 ? req.trigger : 'retry';
  let run: RunRecord | null;
  try {
    run = ctx.repo.startRun({ name, dueAt: req.dueAt, claim: req.claim && attempt === 1, trigger, attempt, startedAt: ctx.clock.now() });
  } catch (err) {
    ctx.emit({ type: 'error', name, message: `could not record the start of a run: ${(err as Error).message}` });
    endJob(ctx, job);
    return null;
  }
  if (!run) {
    ctx.emit({ type: 'run-skipped', name, dueAt: req.dueAt, trigger, reason: 'due time already claimed' });
    endJob(ctx, job);
    return null;
  }
  ctx.emit({ type: 'run-started', name, run });
  const running = execute(ctx, job, attempt, run);
  ctx.inFlight.add(running);
  void running.finally(() => {
    ctx.inFlight.delete(running);
    notifyIdle(ctx);
  });
  return run;
}

async function execute(ctx: JobContext, job: Job, attempt: number, run: RunRecord): Promise<void> {
  const entry = job.entry;
  let result: RunResult;
  let reason: string | null = null;
  try {
    if (run.stdoutPath) mkdirSync(dirname(run.stdoutPath), { recursive: true });
    result = await ctx.runner.run(entry.schedule, {
      trigger: run.trigger,
      attempt,
      runId: run.id,
      dueAt: run.dueAt,
      stdoutPath: run.stdoutPath,
      stderrPath: run.stderrPath,
    });
  } catch (err) {
    reason = `could not run: ${err instanceof Error ? err.message : String(err)}`;
    result = { exitCode: null, signal: null, durationMs: Math.max(0, ctx.clock.now() - run.startedAt), timedOut: false };
  }
  const status = runStatus(result, reason !== null);
  if (status === 'interrupted') reason ??= 'stopped because the daemon was shutting down';
  const finished: RunRecord = { ...run, endedAt: ctx.clock.now(), durationMs: result.durationMs, exitCode: result.exitCode, signal: result.signal, status, reason };
  if (!entry.removed) recordFinish(ctx, finished);
  ctx.emit({ type: 'run-finished', name: run.schedule, run: finished });
  const s = entry.schedule;
  const retry = status !== 'succeeded' && attempt <= s.retries && !ctx.stopped && !entry.removed && (s.enabled || job.req.trigger === 'manual');
  if (!retry) return endJob(ctx, job);
  const delayMs = retryDelay(s, attempt);
  ctx.emit({ type: 'retry-scheduled', name: s.name, attempt: attempt + 1, delayMs, at: ctx.clock.now() + delayMs });
  waitThen(ctx, job, delayMs, () => launch(ctx, job, attempt + 1));
}

function recordFinish(ctx: JobContext, run: RunRecord): void {
  try {
    ctx.repo.finishRun(run.id, { endedAt: run.endedAt ?? 0, durationMs: run.durationMs ?? 0, exitCode: run.exitCode, signal: run.signal, status: run.status, reason: run.reason });
    for (const file of ctx.repo.pruneRuns(run.schedule, ctx.historyKeep)) rmSync(file, { force: true });
  } catch (err) {
    ctx.emit({ type: 'error', name: run.schedule, message: `could not record the end of run ${run.id}: ${(err as Error).message}` });
  }
}

/** A job is over: free its slot and start the next queued one. */
function endJob(ctx: JobContext, job: Job): void {
  if (job.ended) return;
  job.ended = true;
  const entry = job.entry;
  entry.active--;
  if (!ctx.stopped && !entry.removed && entry.active === 0 && entry.queue.length > 0) {
    startJob(ctx, entry, entry.queue.shift() as JobRequest);
  }
  notifyIdle(ctx);
}

function notifyIdle(ctx: JobContext): void {
  if (ctx.inFlight.size > 0 || ctx.waiting.size > 0) return;
  const waiters = ctx.idleWaiters.splice(0);
  for (const resolve of waiters) resolve();
}
