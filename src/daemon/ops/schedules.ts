// Schedule operations: the scheduler (one timer, runs as process groups, history in SQLite) and
// --restart-cron for managed processes, started with the daemon and stopped at its shutdown.
import { humanDuration } from '../../core/duration.js';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { buildEnv } from '../../core/env.js';
import { SentinelError } from '../../core/errors.js';
import { checkSpawnable } from '../../core/spawn.js';
import {
  connectProcessRestarts,
  createProcessRunner,
  createSchedule,
  createScheduler,
  createSchedulerRepo,
  parseTriggerOptions,
  realClock,
  specOfSchedule,
  type RestartCronEvent,
  type RunRecord,
  type ScheduleInfo,
  type ScheduleInput,
  type SchedulerEvent,
  type Trigger,
} from '../../scheduler/index.js';
import type { OpParams } from '../../contracts/index.js';
import type { Daemon, Handlers } from '../context.js';
import { parseEnvPairs } from '../params.js';
import { envMsOrUnset } from '../../core/env-ms.js';

/** What clients see of a schedule: its definition without the environment's values (they may hold secrets). */
export interface ScheduleView {
  name: string;
  trigger: Trigger;
  command: string;
  args: string[];
  shell: boolean;
  cwd: string;
  envKeys: string[];
  enabled: boolean;
  overlap: string;
  missed: string;
  missedCap: number;
  maxRuntimeMs: number | null;
  retries: number;
  retryDelayMs: number;
  retryBackoff: string;
  jitterMs: number;
  createdAt: number;
  nextRunAt: number | null;
  lastRun: RunRecord | null;
  running: number;
  queued: number;
}

export type { RunRecord as RunView };

/** The most of a run's log file one answer carries (the end of it). */
const LOG_TAIL_BYTES = 1024 * 1024;

function viewSchedule(info: ScheduleInfo): ScheduleView {
  const { env, ...s } = info.schedule;
  return { ...s, envKeys: Object.keys(env).sort(), nextRunAt: info.nextRunAt, lastRun: info.lastRun, running: info.running, queued: info.queued };
}

/** Reads `schedule.add` parameters into a schedule input; the trigger is checked here, the rest by createSchedule. */
function inputFromParams(d: Daemon, p: OpParams<'schedule.add'>, now: number): ScheduleInput {
  const name = p.name;
  // durations arrive in milliseconds (checked at the door)
  const trigger = parseTriggerOptions({ cron: p.cron, tz: p.tz, every: p.every === undefined ? undefined : `${p.every}ms`, at: p.at }, now);
  const command = p.command ?? '';
  const args = p.args ?? [];
  const cwd = path.resolve(p.cwd ?? process.cwd());
  const env = buildEnv({
    clientEnv: p.env ?? {},
    keepOnly: null,
    globalEnvFile: d.paths.globalEnv,
    projectEnvFile: path.join(cwd, '.env'),
    groupEnv: {},
    envFiles: [],
    envFlags: parseEnvPairs(p.envVars ?? []),
  });
  return {
    name,
    trigger,
    command,
    args,
    shell: p.shell ?? args.length === 0,
    cwd,
    env,
    enabled: p.enabled ?? true,
    overlap: p.overlap,
    missed: p.missed,
    missedCap: p.missedCap,
    maxRuntimeMs: p.maxRuntime,
    retries: p.retries,
    retryDelayMs: p.retryDelay,
    retryBackoff: p.retryBackoff,
    jitterMs: p.jitter,
  };
}

/** The end of a log file (at most LOG_TAIL_BYTES); a missing file reads as empty. */
function readTail(file: string | null): { text: string; truncated: boolean } {
  if (!file) return { text: '', truncated: false };
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return { text: '', truncated: false };
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, LOG_TAIL_BYTES);
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    return { text: buf.toString('utf8'), truncated: size > length };
  } finally {
    closeSync(fd);
  }
}

function logSchedulerEvent(d: Daemon, ev: SchedulerEvent): void {
  switch (ev.type) {
    case 'run-finished': {
      const r = ev.run;
      const how = r.signal ? `killed by ${r.signal}` : `exit code ${r.exitCode ?? 'unknown'}`;
      const fields = { schedule: ev.name, runId: r.id, trigger: r.trigger, attempt: r.attempt, status: r.status, exitCode: r.exitCode, signal: r.signal, durationMs: r.durationMs };
      const msg = `schedule ${ev.name}: run ${r.id} (${r.trigger}) ${r.status}, ${how}, after ${humanDuration(r.durationMs ?? 0)}${r.reason ? `: ${r.reason}` : ''}`;
      if (r.status === 'succeeded') d.log.info('SCHEDULE_RUN', msg, fields);
      else d.log.warn('SCHEDULE_RUN_FAILED', msg, fields);
      return;
    }
    case 'run-started':
      return d.log.debug('SCHEDULE_RUN_STARTED', `schedule ${ev.name}: run ${ev.run.id} started (${ev.run.trigger})`, { schedule: ev.name, runId: ev.run.id });
    case 'run-skipped':
      return d.log.info('SCHEDULE_RUN_SKIPPED', `schedule ${ev.name}: run skipped: ${ev.reason}`, { schedule: ev.name, dueAt: ev.dueAt, trigger: ev.trigger });
    case 'missed':
      return d.log.info('SCHEDULE_MISSED', `schedule ${ev.name}: ${ev.count} runs were due while the daemon was away or late (missed: ${ev.policy}, ${ev.catchUpRuns} to catch up)`, { schedule: ev.name, count: ev.count, policy: ev.policy });
    case 'retry-scheduled':
      return d.log.info('SCHEDULE_RETRY', `schedule ${ev.name}: attempt ${ev.attempt} in ${humanDuration(ev.delayMs)}`, { schedule: ev.name, attempt: ev.attempt, delayMs: ev.delayMs });
    case 'error':
      return d.log.error('SCHEDULER_ERROR', ev.name ? `schedule ${ev.name}: ${ev.message}` : ev.message, { schedule: ev.name });
  }
}

function logRestartEvent(d: Daemon, ev: RestartCronEvent): void {
  const fields = { process: ev.name, dueAt: ev.dueAt };
  if (ev.type === 'restart') d.log.info('RESTART_CRON', `${ev.name}: restarting on its restart-cron (it was ${ev.state})`, fields);
  else if (ev.type === 'restart-skipped') d.log.info('RESTART_CRON_SKIPPED', `${ev.name}: restart-cron skipped: ${ev.reason}`, fields);
  else d.log.warn('RESTART_CRON_FAILED', `${ev.name}: restart-cron restart failed: ${ev.message}`, fields);
}

type ScheduleOp = 'schedule.add' | 'schedule.list' | 'schedule.get' | 'schedule.next' | 'schedule.enable' | 'schedule.disable' | 'schedule.run-now' | 'schedule.rm' | 'schedule.history' | 'schedule.logs';

export function scheduleOps(d: Daemon): Handlers<ScheduleOp> {
  const repo = createSchedulerRepo(d.db, { logsDir: d.paths.logsDir });
  // runs start on the supervisor's host: the same spawner chain (secrets...) as managed processes
  const runner = createProcessRunner({ host: d.supervisor.host });
  // the same bound the daemon gives its processes at shutdown
  const shutdownTimeoutMs = envMsOrUnset('SENTINEL_SHUTDOWN_STOP_TIMEOUT');
  const scheduler = createScheduler({
    clock: realClock, repo, runner,
    onEvent: (ev) => {
      logSchedulerEvent(d, ev);
      // counted for sentinel_schedule_runs_total
      if (ev.type === 'run-finished') d.metrics.runs.record(ev.name, ev.run.status);
      else if (ev.type === 'run-skipped') d.metrics.runs.record(ev.name, 'skipped');
    },
  });
  scheduler.start();
  const restarts = connectProcessRestarts(d.supervisor, {
    clock: realClock,
    agenda: scheduler.agenda,
    onEvent: (ev) => logRestartEvent(d, ev),
    onInvalid: (name, message) => d.log.warn('RESTART_CRON_INVALID', `${name}: restart-cron ignored: ${message}`, { process: name }),
  });
  d.onShutdown(async () => {
    restarts.stop();
    const stopping = scheduler.stop();
    await runner.stopAll(shutdownTimeoutMs);
    await stopping;
  });

  return {
    'schedule.add'(p) {
      const now = Date.now();
      const input = inputFromParams(d, p, now);
      // everything is checked before anything is stored: definition, name clash, cwd and program
      const schedule = createSchedule(input, now);
      if (d.supervisor.find(schedule.name)) {
        throw new SentinelError('NAME_TAKEN', `a process named "${schedule.name}" already exists; schedules and processes share names, so pick another name for the schedule`);
      }
      checkSpawnable(specOfSchedule(schedule));
      if (p.dryRun) return { schedule: viewSchedule({ schedule, nextRunAt: null, lastRun: null, running: 0, queued: 0 }) };
      return { schedule: viewSchedule(scheduler.add(input)) };
    },

    'schedule.list'() {
      return { schedules: scheduler.list().map(viewSchedule) };
    },

    'schedule.get'(p) {
      return { schedule: viewSchedule(scheduler.get(p.name)) };
    },

    'schedule.next'(p) {
      return { name: p.name, times: scheduler.next(p.name, p.n ?? 5) };
    },

    'schedule.enable'(p) {
      return { schedule: viewSchedule(scheduler.enable(p.name)) };
    },

    'schedule.disable'(p) {
      return { schedule: viewSchedule(scheduler.disable(p.name)) };
    },

    'schedule.run-now'(p) {
      return scheduler.runNow(p.name);
    },

    'schedule.rm'(p) {
      scheduler.remove(p.name);
      return { removed: p.name };
    },

    'schedule.history'(p) {
      return { runs: scheduler.history(p.name, p.limit ?? 20) };
    },

    /** One run's output: the given run, or the latest one that ran. */
    'schedule.logs'(p) {
      const n = p.name;
      scheduler.get(n);
      let run: RunRecord | null;
      if (p.run === undefined) {
        run = repo.history(n, 1000).find((r) => r.status !== 'skipped') ?? null;
        if (!run) throw new SentinelError('NOT_FOUND', `schedule "${n}" has not run yet; start a run with "sentinel schedule run-now ${n}"`);
      } else {
        const id = p.run;
        run = repo.getRun(id);
        if (!run || run.schedule !== n) throw new SentinelError('NOT_FOUND', `schedule "${n}" has no run ${id}; "sentinel schedule history ${n}" lists its runs`);
      }
      const stdout = readTail(run.stdoutPath);
      const stderr = readTail(run.stderrPath);
      return { run, stdout: stdout.text, stderr: stderr.text, truncated: stdout.truncated || stderr.truncated };
    },
  };
}
