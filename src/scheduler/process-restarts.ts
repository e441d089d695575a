// --restart-cron for managed processes: registers every process whose spec carries
// spec.restartCron (cron and optional time zone) and keeps the registrations in step with
// the supervisor's events; restarts go through the supervisor like a user's restart.
import type { Supervisor } from '../core/supervisor.js';
import type { ProcessRecord } from '../store/processes.js';
import type { Agenda, SchedulerClock } from './agenda.js';
import { createRestartCron, type RestartCron, type RestartCronEvent, type RestartTargetState } from './restart-cron.js';

export interface ProcessRestartsOptions {
  clock: SchedulerClock;
  /** The scheduler's agenda, so cron restarts share its single timer. */
  agenda?: Agenda;
  /** Recorded as the actor of the restarts (default "schedule"). */
  actor?: string;
  onEvent?(event: RestartCronEvent): void;
  /** A process carries a restart cron that croner refuses; said once per distinct value. */
  onInvalid?(name: string, message: string): void;
}

/** How restart-cron sees a process: user-stopped processes are left alone, ended ones are started again. */
export function restartTargetState(rec: ProcessRecord | undefined): RestartTargetState {
  if (!rec) return 'absent';
  switch (rec.state) {
    case 'starting':
    case 'running':
      return 'running';
    case 'stopping':
      return rec.wantRunning ? 'running' : 'stopped';
    case 'stopped':
      return 'stopped';
    default:
      // exited, backoff, failed: it ended on its own
      return 'exited';
  }
}

function cronOf(rec: ProcessRecord | undefined): { cron: string; tz: string | undefined } | null {
  const rc = rec?.spec.restartCron;
  if (!rc || rc.cron.trim() === '') return null;
  return { cron: rc.cron, tz: rc.tz ?? undefined };
}

export interface ProcessRestarts {
  restartCron: RestartCron;
  /** Brings one process's registration up to date with its current record. */
  sync(name: string): void;
  stop(): void;
}

export function connectProcessRestarts(sup: Supervisor, opts: ProcessRestartsOptions): ProcessRestarts {
  const actor = opts.actor ?? 'schedule';
  const restartCron = createRestartCron({
    clock: opts.clock,
    agenda: opts.agenda,
    stateOf: (name) => restartTargetState(sup.find(name)),
    async restart(name) {
      const rec = sup.find(name);
      if (rec) await sup.restart(rec, actor);
    },
    onEvent: opts.onEvent,
  });
  /** The last refused value per process, so a bad cron is reported once, not on every event. */
  const refused = new Map<string, string>();

  function sync(name: string): void {
    const wanted = cronOf(sup.find(name));
    if (!wanted) {
      refused.delete(name);
      restartCron.unregister(name);
      return;
    }
    try {
      restartCron.register(name, wanted.cron, wanted.tz);
      refused.delete(name);
    } catch (err) {
      restartCron.unregister(name);
      const key = `${wanted.cron}\u0000${wanted.tz ?? ''}`;
      if (refused.get(name) !== key) opts.onInvalid?.(name, err instanceof Error ? err.message : String(err));
      refused.set(name, key);
    }
  }

  for (const rec of sup.list()) sync(rec.name);
  // state changes and created/updated/deleted events all carry the process name
  const onState = (ev: { processName?: string | null }) => {
    if (ev.processName) sync(ev.processName);
  };
  sup.on('state', onState);

  return {
    restartCron,
    sync,
    stop(): void {
      sup.off('state', onState);
      restartCron.stop();
    },
  };
}
