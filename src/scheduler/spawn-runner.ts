// A self-contained runner that spawns the command directly (own process group, output to the run's
// log files, stopped at max runtime with SIGTERM then SIGKILL). The daemon uses the supervisor
// instead; this one serves tests, benchmarks and embedding the engine alone.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { RunContext, RunResult, ScheduleRunner } from './types.js';
import type { Schedule } from './schedule.js';

export interface SpawnRunnerOptions {
  /** How long a timed-out run gets between SIGTERM and SIGKILL. */
  killGraceMs?: number;
}

function openLog(path: string | null): number | 'ignore' {
  return path ? openSync(path, 'a') : 'ignore';
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

export function createSpawnRunner(opts: SpawnRunnerOptions = {}): ScheduleRunner {
  const grace = opts.killGraceMs ?? 5000;
  return {
    run(schedule: Schedule, ctx: RunContext): Promise<RunResult> {
      return new Promise((resolve, reject) => {
        const out = openLog(ctx.stdoutPath);
        const err = openLog(ctx.stderrPath);
        const startedAt = Date.now();
        const [file, argv] = schedule.shell ? ['/bin/sh', ['-c', [schedule.command, ...schedule.args].join(' ')]] : [schedule.command, schedule.args];
        const child = spawn(file, argv, { cwd: schedule.cwd, env: { ...process.env, ...schedule.env }, stdio: ['ignore', out, err], detached: true });
        for (const fd of [out, err]) if (typeof fd === 'number') closeSync(fd);
        let timedOut = false;
        let killTimer: NodeJS.Timeout | undefined;
        const runtimeTimer =
          schedule.maxRuntimeMs === null
            ? undefined
            : setTimeout(() => {
                timedOut = true;
                if (child.pid) signalGroup(child.pid, 'SIGTERM');
                killTimer = setTimeout(() => child.pid && signalGroup(child.pid, 'SIGKILL'), grace);
              }, schedule.maxRuntimeMs);
        const clear = () => {
          clearTimeout(runtimeTimer);
          clearTimeout(killTimer);
        };
        child.once('error', (e) => {
          clear();
          reject(e);
        });
        child.once('exit', (exitCode, signal) => {
          clear();
          // leftovers of the group (grandchildren) go with it
          if (child.pid) signalGroup(child.pid, 'SIGKILL');
          resolve({ exitCode, signal, durationMs: Date.now() - startedAt, timedOut });
        });
      });
    },
  };
}
