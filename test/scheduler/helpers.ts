// Test doubles for the scheduler: a fake clock that counts the engine's pending timers, a fake
// runner whose runs end in fake time, and a real SQLite file in a temp dir.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb, type Db } from '../../src/store/db.js';
import type { SchedulerClock } from '../../src/scheduler/agenda.js';
import type { RunContext, RunResult, ScheduleRunner } from '../../src/scheduler/engine.js';
import type { Schedule } from '../../src/scheduler/schedule.js';

interface Pending {
  id: number;
  at: number;
  fn: () => void;
  /** Engine timers count towards pendingTimers(); runner completions do not. */
  engine: boolean;
}

export interface FakeClock extends SchedulerClock {
  /** Timers the code under test has pending right now. */
  pendingTimers(): number;
  /** The most timers ever pending at once. */
  maxPendingTimers(): number;
  /** Delays the code under test asked for, in order. */
  requestedDelays: number[];
  /** Runs everything due up to now + ms, in time order, letting promises settle between steps. */
  advance(ms: number): Promise<void>;
  advanceTo(at: number): Promise<void>;
  /** Moves time forward without firing anything (a suspended machine); timers then fire late. */
  jump(ms: number): void;
  /** Queues a test-side event (not counted as an engine timer). */
  later(ms: number, fn: () => void): void;
}

export async function flush(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
}

export function createFakeClock(start: number): FakeClock {
  let now = start;
  let seq = 0;
  let maxPending = 0;
  const queue = new Map<number, Pending>();
  const requestedDelays: number[] = [];
  const countEngine = () => [...queue.values()].filter((p) => p.engine).length;
  const add = (fn: () => void, ms: number, engine: boolean): number => {
    const id = ++seq;
    queue.set(id, { id, at: now + Math.max(0, ms), fn, engine });
    maxPending = Math.max(maxPending, countEngine());
    return id;
  };
  const clock: FakeClock = {
    now: () => now,
    setTimer(fn, ms) {
      requestedDelays.push(ms);
      return add(fn, ms, true);
    },
    clearTimer(handle) {
      queue.delete(handle as number);
    },
    pendingTimers: countEngine,
    maxPendingTimers: () => maxPending,
    requestedDelays,
    jump(ms) {
      now += ms;
    },
    later(ms, fn) {
      add(fn, ms, false);
    },
    async advanceTo(target) {
      await flush();
      for (;;) {
        const next = [...queue.values()].filter((p) => p.at <= target).sort((a, b) => a.at - b.at || a.id - b.id)[0];
        if (!next) break;
        queue.delete(next.id);
        now = Math.max(now, next.at);
        next.fn();
        await flush();
      }
      now = Math.max(now, target);
      await flush();
    },
    advance(ms) {
      return clock.advanceTo(now + ms);
    },
  };
  return clock;
}

export interface FakeCall {
  name: string;
  ctx: RunContext;
  at: number;
}

export interface Outcome {
  durationMs?: number;
  exitCode?: number | null;
  signal?: string | null;
  /** Reject instead of resolving (a spawn failure). */
  throws?: string;
}

/** A runner whose runs last `durationMs` of fake time; it honours maxRuntimeMs like the real one. */
export function createFakeRunner(clock: FakeClock, decide: (s: Schedule, ctx: RunContext) => Outcome = () => ({})) {
  const calls: FakeCall[] = [];
  let running = 0;
  let maxRunning = 0;
  const runner: ScheduleRunner = {
    run(schedule, ctx) {
      calls.push({ name: schedule.name, ctx, at: clock.now() });
      const o = decide(schedule, ctx);
      if (o.throws) return Promise.reject(new Error(o.throws));
      running++;
      maxRunning = Math.max(maxRunning, running);
      const duration = o.durationMs ?? 100;
      const timedOut = schedule.maxRuntimeMs !== null && duration > schedule.maxRuntimeMs;
      return new Promise<RunResult>((resolve) => {
        clock.later(timedOut ? (schedule.maxRuntimeMs as number) : duration, () => {
          running--;
          resolve(
            timedOut
              ? { exitCode: null, signal: 'SIGTERM', durationMs: schedule.maxRuntimeMs as number, timedOut: true }
              : { exitCode: o.exitCode ?? 0, signal: o.signal ?? null, durationMs: duration, timedOut: false },
          );
        });
      });
    },
  };
  return { runner, calls, maxRunning: () => maxRunning, running: () => running };
}

export interface TempDb {
  dir: string;
  file: string;
  /** Opens the file the way the daemon does (openDb: WAL, migrations). */
  open(): Db;
  cleanup(): void;
}

export function createTempDb(): TempDb {
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-sched-'));
  const file = join(dir, 'state.db');
  const opened: Db[] = [];
  return {
    dir,
    file,
    open() {
      const db = openDb(file);
      opened.push(db);
      return db;
    },
    cleanup() {
      for (const db of opened) if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const MIN = 60_000;
export const HOUR = 3_600_000;
