// The daemon's runner: a run starts like a managed process (own process group, the schedule's own
// environment, output on the run's log files) and is stopped like one (signal → timeout → SIGKILL of
// the whole tree), at its max runtime or when the daemon shuts down. It runs on the daemon's ProcessHost,
// so a run goes through the same spawner chain (secrets, and later identity and cgroups) as a process.
import { openSync } from 'node:fs';
import { SentinelError } from '../core/errors.js';
import type { ProcessHost } from '../core/host.js';
import { createRealHost } from '../core/real-host.js';
import { DEFAULT_RESTART_POLICY, DEFAULTS, emptySections, type ProcessSpec } from '../core/spec.js';
import { MAX_TIMER_MS } from './agenda.js';
import type { Schedule } from './schedule.js';
import type { RunContext, RunResult, ScheduleRunner } from './types.js';

export interface ProcessRunnerOptions {
  /** The supervisor's host (the daemon passes it); by default the plain OS with no spawner decorators. */
  host?: ProcessHost;
  stopSignal?: NodeJS.Signals;
  /** Time between the stop signal and SIGKILL. */
  stopTimeoutMs?: number;
}

export interface ProcessRunner extends ScheduleRunner {
  /** Runs in progress. */
  running(): number;
  /** Stops every run in progress (daemon shutdown, `timeoutMs` before SIGKILL); they end with status "interrupted". */
  stopAll(timeoutMs?: number): Promise<void>;
}

/** The schedule as a process spec, so runs share the supervisor's spawn checks and spawner. */
export function specOfSchedule(s: Schedule): ProcessSpec {
  return {
    name: `schedule:${s.name}`,
    command: s.shell ? [s.command, ...s.args].join(' ') : s.command,
    args: s.shell ? [] : s.args,
    shell: s.shell,
    cwd: s.cwd,
    env: s.env,
    group: null,
    restart: DEFAULT_RESTART_POLICY,
    stopSignal: DEFAULTS.stopSignal,
    stopTimeoutMs: DEFAULTS.stopTimeoutMs,
    startWaitMs: 0,
    port: null,
    logMaxBytes: DEFAULTS.logMaxBytes,
    logKeep: DEFAULTS.logKeep,
    ...emptySections(),
  };
}

/** setTimeout that survives waits past 2^31-1 ms (a max runtime of a month). */
function after(ms: number, fn: () => void): { cancel(): void } {
  let timer: NodeJS.Timeout;
  const arm = (left: number) => {
    timer = setTimeout(() => (left > MAX_TIMER_MS ? arm(left - MAX_TIMER_MS) : fn()), Math.min(left, MAX_TIMER_MS));
  };
  arm(ms);
  return { cancel: () => clearTimeout(timer) };
}

export function createProcessRunner(opts: ProcessRunnerOptions = {}): ProcessRunner {
  const host = opts.host ?? createRealHost();
  const stopSignal = opts.stopSignal ?? DEFAULTS.stopSignal;
  const stopTimeoutMs = opts.stopTimeoutMs ?? DEFAULTS.stopTimeoutMs;
  const inProgress = new Set<(why: 'interrupted', timeoutMs?: number) => Promise<void>>();

  async function run(schedule: Schedule, ctx: RunContext): Promise<RunResult> {
    const spec = specOfSchedule(schedule);
    // a cwd removed or a program uninstalled since the schedule was added: the run fails with the reason
    host.checkSpawnable(spec);
    const out = openSync(ctx.stdoutPath ?? '/dev/null', 'a');
    const err = openSync(ctx.stderrPath ?? '/dev/null', 'a');
    const startedAt = Date.now();
    // the host closes our copies of the fds
    const child = host.spawn(spec, { stdout: out, stderr: err });
    const pid = child.pid;
    const target = { pid, startTime: child.startTime };
    if (pid <= 0) throw new SentinelError('SPAWN_FAILED', `could not start the run of "${schedule.name}": the system refused to create the process; check the command and the system's limits`);
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.onExit((code, signal) => resolve({ code, signal })));
    let ending: 'timed-out' | 'interrupted' | null = null;
    let stopping: Promise<unknown> | null = null;
    const stop = (why: 'timed-out' | 'interrupted', timeoutMs = stopTimeoutMs): Promise<void> => {
      ending ??= why;
      stopping ??= host.stopTree(target, { signal: stopSignal, timeoutMs, force: false, exited });
      return stopping.then(() => undefined);
    };
    const runtime = schedule.maxRuntimeMs === null ? null : after(schedule.maxRuntimeMs, () => void stop('timed-out'));
    inProgress.add(stop);
    try {
      const { code, signal } = await exited;
      runtime?.cancel();
      if (stopping) await stopping;
      // what the run left behind in its group (background children) goes with it, at once
      else host.reapGroup(target, 'SIGKILL', 0);
      return { exitCode: code, signal, durationMs: Date.now() - startedAt, timedOut: ending === 'timed-out', interrupted: ending === 'interrupted' };
    } finally {
      inProgress.delete(stop);
    }
  }

  return {
    run,
    running: () => inProgress.size,
    async stopAll(timeoutMs?: number): Promise<void> {
      await Promise.allSettled([...inProgress].map((stop) => stop('interrupted', timeoutMs)));
    },
  };
}
