// Daemon start: what the previous daemon left. A process still alive — the same pid *and* start time —
// is adopted and watched by polling (it is not our child, so no exit event comes); a pid that is gone
// or now belongs to another process is never signalled and counts as ended while the daemon was down.
import { displayName } from './instances.js';
import type { Clock } from './clock.js';
import type { ProcessHost, ProcessTarget } from './host.js';
import type { LiveRun } from './live-run.js';
import { decideRestart } from './restart-policy.js';
import type { ExitRecord } from './spec.js';
import type { ProcessState } from './states.js';
import type { ProcessPatch, ProcessRecord } from '../store/processes.js';

/** What recovery needs of the supervisor. */
export interface RecoveryDeps {
  host: ProcessHost;
  clock: Clock;
  adoptPollMs: number;
  list(): ProcessRecord[];
  isLive(rec: ProcessRecord): boolean;
  liveOf(rec: ProcessRecord): LiveRun | undefined;
  setLive(rec: ProcessRecord, live: LiveRun): void;
  changeState(rec: ProcessRecord, to: ProcessState, patch: ProcessPatch, info: { reason: string; actor: string }): void;
  note(rec: ProcessRecord, kind: string, reason: string): void;
  watchLogs(rec: ProcessRecord): void;
  reapLeftovers(rec: ProcessRecord, target: ProcessTarget): void;
  exitRecord(live: LiveRun, pid: number, startedAt: number, code: number | null, signal: string | null): ExitRecord;
  onExit(rec: ProcessRecord, live: LiveRun, exit: ExitRecord): void;
  /** Arms the automatic restart of a process in backoff. */
  armRestart(rec: ProcessRecord, exit: ExitRecord, delayMs: number): void;
  /** Carries on a stop the previous daemon had begun. */
  resumeStop(rec: ProcessRecord): void;
}

export interface RecoveryResult {
  adopted: string[];
  lost: string[];
  /** To start again, in their earlier start order. */
  resumed: ProcessRecord[];
}

/**
 * A process that died while the daemon was down follows its restart policy; after a machine reboot
 * (`rebooted`) everything that was wanted running is brought back.
 */
export function recoverProcesses(d: RecoveryDeps, rebooted: boolean): RecoveryResult {
  const result: RecoveryResult = { adopted: [], lost: [], resumed: [] };
  for (const rec of d.list()) {
    if (d.isLive(rec) && rec.pid) {
      // with the run marker stored on the record, what escaped the tree is found even though the main process is gone
      const target = { pid: rec.pid, startTime: rec.pidStartTime, marker: rec.runMarker };
      if (!rebooted && d.host.isAlive(target)) {
        adopt(d, rec, target);
        result.adopted.push(displayName(rec));
        if (rec.state === 'stopping') d.resumeStop(rec);
        continue;
      }
      result.lost.push(displayName(rec));
      const decided = recordLost(d, rec, target, rebooted);
      if (decided === 'restart') result.resumed.push(rec);
      if (decided !== 'undecided') continue;
    }
    if (rec.state === 'backoff') {
      d.armRestart(rec, rec.lastExit!, Math.max(0, (rec.nextRestartAt ?? 0) - d.clock.now()));
    } else if (rec.wantRunning && !d.isLive(rec) && rec.state !== 'failed') {
      result.resumed.push(rec);
    }
  }
  result.resumed.sort((a, b) => a.startSeq - b.startSeq);
  return result;
}

/**
 * Records the end of a process that is gone. A process that ended on its own (not rebooted, not being
 * stopped) follows its restart policy; otherwise the ordinary rules for a down process apply.
 */
function recordLost(d: RecoveryDeps, rec: ProcessRecord, target: ProcessTarget, rebooted: boolean): 'restart' | 'stay' | 'undecided' {
  const now = d.clock.now();
  const exit: ExitRecord = {
    pid: target.pid, exitCode: null, signal: null, startedAt: rec.startedAt ?? 0, endedAt: now,
    durationMs: now - (rec.startedAt ?? now), stoppedByUs: rec.state === 'stopping', forceKilled: false, timedOut: false,
  };
  const why = rebooted ? 'the machine restarted' : 'ended while the daemon was down (exit status unknown)';
  const to = rec.state === 'stopping' ? 'stopped' : 'exited';
  // the group is proven by the start time too: a recycled pid's group is not ours
  if (!rebooted) d.reapLeftovers(rec, target);
  d.changeState(rec, to, { lastExit: exit, pid: null, reason: why }, { actor: 'sentinel', reason: why });
  if (rebooted || to !== 'exited') return 'undecided';
  return decideRestart(exit, rec.spec.restart, rec.restartHistory, now).restart ? 'restart' : 'stay';
}

/** Watches a process that is not our child (it outlived a daemon): polls for its end. */
function adopt(d: RecoveryDeps, rec: ProcessRecord, target: ProcessTarget): void {
  let resolveExit!: (e: ExitRecord) => void;
  const live: LiveRun = { exited: new Promise<ExitRecord>((r) => (resolveExit = r)), stopRequested: false };
  d.setLive(rec, live);
  if (rec.state === 'starting') d.changeState(rec, 'running', {}, { actor: 'sentinel', reason: 're-adopted' });
  d.note(rec, 'adopted', `re-adopted pid ${target.pid} after a daemon restart`);
  d.watchLogs(rec);
  const poll = () => {
    if (d.liveOf(rec) !== live) return;
    if (d.host.isAlive(target)) {
      live.adoptTimer = d.clock.setTimeout(poll, d.adoptPollMs);
      return;
    }
    const exit = d.exitRecord(live, target.pid, rec.startedAt ?? 0, null, null);
    resolveExit(exit);
    d.onExit(rec, live, exit);
  };
  live.adoptTimer = d.clock.setTimeout(poll, d.adoptPollMs);
}

/** Resolves once a process that is not our child is gone (a stop watches it closely). */
export function watchGone(host: ProcessHost, clock: Clock, target: ProcessTarget, pollMs = 10): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (host.isAlive(target)) clock.setTimeout(check, pollMs);
      else resolve();
    };
    check();
  });
}
