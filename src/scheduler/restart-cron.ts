// --restart-cron: restart a long-running process on a cron schedule (PM2's cron_restart), without
// PM2's misfires: it never fires on registration or daemon start (pm2#2817), fires at most once per
// due time even when re-registered (pm2#5834's deregister/register loop), never for a process the
// user stopped, and starts again a process that exited on its own (pm2#1767, one-shot jobs).
import { createAgenda, type Agenda, type SchedulerClock } from './agenda.js';
import { nextRunAfter } from './next-run.js';
import { validateCron } from './schedule.js';

/** What the supervisor says about a process: running, ended on its own, stopped by a user, or gone. */
export type RestartTargetState = 'running' | 'exited' | 'stopped' | 'absent';

export type RestartCronEvent =
  | { type: 'restart'; name: string; dueAt: number; state: 'running' | 'exited' }
  | { type: 'restart-skipped'; name: string; dueAt: number; reason: string }
  | { type: 'restart-failed'; name: string; dueAt: number; message: string };

export interface RestartCronOptions {
  clock: SchedulerClock;
  /** Pass the scheduler's agenda to share its single timer; a private one is made otherwise. */
  agenda?: Agenda;
  stateOf(name: string): RestartTargetState;
  /** Restarts (or starts, when it had exited) the process. */
  restart(name: string, dueAt: number): void | Promise<void>;
  onEvent?(event: RestartCronEvent): void;
}

export interface RestartCronEntry {
  name: string;
  cron: string;
  tz: string | undefined;
  nextAt: number | null;
  lastFiredAt: number | null;
}

type Registration = RestartCronEntry;

const KEY = 'rcron\u0000';

export function createRestartCron(opts: RestartCronOptions) {
  const { clock } = opts;
  const agenda = opts.agenda ?? createAgenda(clock);
  const regs = new Map<string, Registration>();
  /** Processes whose cron restart is still in progress (by name, so it survives re-registration). */
  const restarting = new Set<string>();
  /** The last due time fired per name, kept across unregister/register so a due time never fires twice. */
  const firedAt = new Map<string, number>();
  const emit = (e: RestartCronEvent) => {
    try {
      opts.onEvent?.(e);
    } catch {
      // a listener's failure must not break the timer
    }
  };

  function arm(reg: Registration): void {
    // strictly after the last fired due time and after now: never twice for one due time, never at once
    const from = Math.max(clock.now(), reg.lastFiredAt ?? -Infinity);
    reg.nextAt = nextRunAfter({ trigger: { cron: reg.cron, tz: reg.tz }, createdAt: 0 }, from);
    if (reg.nextAt === null) agenda.delete(KEY + reg.name);
    else agenda.set(KEY + reg.name, reg.nextAt, () => void fire(reg));
  }

  async function fire(reg: Registration): Promise<void> {
    const dueAt = reg.nextAt as number;
    if (regs.get(reg.name) !== reg) return;
    reg.lastFiredAt = dueAt;
    firedAt.set(reg.name, dueAt);
    arm(reg);
    const state = opts.stateOf(reg.name);
    if (state === 'absent') {
      regs.delete(reg.name);
      firedAt.delete(reg.name);
      agenda.delete(KEY + reg.name);
      return emit({ type: 'restart-skipped', name: reg.name, dueAt, reason: 'the process no longer exists; its restart-cron is removed' });
    }
    if (state === 'stopped') return emit({ type: 'restart-skipped', name: reg.name, dueAt, reason: 'the process was stopped by a user' });
    if (restarting.has(reg.name)) return emit({ type: 'restart-skipped', name: reg.name, dueAt, reason: 'the previous cron restart has not finished' });
    restarting.add(reg.name);
    try {
      emit({ type: 'restart', name: reg.name, dueAt, state });
      await opts.restart(reg.name, dueAt);
    } catch (err) {
      emit({ type: 'restart-failed', name: reg.name, dueAt, message: err instanceof Error ? err.message : String(err) });
    } finally {
      restarting.delete(reg.name);
    }
  }

  return {
    agenda,
    /** Registers (or keeps, when unchanged) a process's restart cron; returns the next restart time. Throws INVALID_CRON. */
    register(name: string, cron: string, tz?: string): number | null {
      validateCron(cron, tz);
      const old = regs.get(name);
      if (old && old.cron === cron && old.tz === tz) return old.nextAt;
      const reg: Registration = { name, cron, tz, nextAt: null, lastFiredAt: firedAt.get(name) ?? null };
      regs.set(name, reg);
      arm(reg);
      return reg.nextAt;
    },
    unregister(name: string): boolean {
      agenda.delete(KEY + name);
      return regs.delete(name);
    },
    nextRestart(name: string): number | null {
      return regs.get(name)?.nextAt ?? null;
    },
    list(): RestartCronEntry[] {
      return [...regs.values()].map(({ name, cron, tz, nextAt, lastFiredAt }) => ({ name, cron, tz, nextAt, lastFiredAt }));
    },
    stop(): void {
      agenda.deletePrefix(KEY);
      regs.clear();
      firedAt.clear();
    },
  };
}

export type RestartCron = ReturnType<typeof createRestartCron>;
