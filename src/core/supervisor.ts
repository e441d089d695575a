// The supervisor owns every managed process: it starts, watches, stops and restarts them, and is the
// only place where a process changes state (changeState), each change stored with its event.
import { EventEmitter } from 'node:events';
import { closeSync, fstatSync } from 'node:fs';
import type { Clock } from './clock.js';
import { SentinelError } from './errors.js';
import { canTransition, LIVE_STATES, type ProcessState } from './states.js';
import type { ExitRecord, ProcessSpec } from './spec.js';
import { decideRestart, describeExit } from './restart-policy.js';
import { checkSpawnable, type ChildHandle, type Spawner } from './spawn.js';
import { reapGroup, stopTree } from './kill-tree.js';
import { isAlive } from './proc.js';
import type { EventInput, ProcessPatch, ProcessRecord, ProcessRepo } from '../store/processes.js';

/** What the supervisor needs from the log subsystem. */
export interface LogPort {
  open(name: string): { stdout: number; stderr: number };
  watch(name: string, spec: ProcessSpec): void;
  unwatch(name: string): void;
  lastLines(name: string, stream: 'stdout' | 'stderr', n: number): Promise<string[]>;
}

/**
 * Optional readiness gate, set by the health subsystem: resolves when the process is ready, or null when
 * it has no readiness check. `logOffsets` are the log sizes just before this run started.
 */
export type ReadinessGate = (rec: ProcessRecord, isAlive: () => boolean, logOffsets: { stdout: number; stderr: number }) => Promise<void> | null;

export interface SupervisorOptions {
  repo: ProcessRepo;
  clock: Clock;
  spawner: Spawner;
  logs: LogPort;
  /** How often a re-adopted process (not our child) is checked for exit. */
  adoptPollMs?: number;
  readiness?: ReadinessGate;
}

interface Live {
  child?: ChildHandle;
  /** Resolves with the exit record when the current run ends. */
  exited: Promise<ExitRecord>;
  stopRequested: boolean;
  stopping?: Promise<void>;
  timer?: unknown;
  adoptTimer?: unknown;
}

export type Actor = string;

export interface StartResult {
  record: ProcessRecord;
}

export class Supervisor extends EventEmitter {
  private readonly records = new Map<number, ProcessRecord>();
  private readonly live = new Map<number, Live>();
  private seq: number;
  private readonly adoptPollMs: number;
  private shuttingDown = false;

  /** Set once, after construction, by the subsystem that checks readiness. */
  setReadinessGate(gate: ReadinessGate): void {
    this.opts.readiness = gate;
  }

  constructor(private readonly opts: SupervisorOptions) {
    super();
    for (const rec of opts.repo.list()) this.records.set(rec.id, rec);
    this.seq = opts.repo.maxStartSeq();
    this.adoptPollMs = opts.adoptPollMs ?? 1000;
  }

  list(): ProcessRecord[] {
    return [...this.records.values()].sort((a, b) => a.id - b.id);
  }

  /** Finds a process by id ("3") or by name. */
  resolve(ref: string | number): ProcessRecord {
    const text = String(ref);
    if (/^\d+$/.test(text)) {
      const rec = this.records.get(Number(text));
      if (rec) return rec;
    }
    for (const rec of this.records.values()) if (rec.name === text) return rec;
    throw new SentinelError('PROCESS_NOT_FOUND', `no process named or numbered "${text}"; run "sentinel list" to see the managed processes`);
  }

  find(name: string): ProcessRecord | undefined {
    for (const rec of this.records.values()) if (rec.name === name) return rec;
    return undefined;
  }

  create(spec: ProcessSpec, actor: Actor): ProcessRecord {
    if (this.find(spec.name)) {
      throw new SentinelError('NAME_TAKEN', `a process named "${spec.name}" already exists; choose another --name or "sentinel delete ${spec.name}" first`);
    }
    checkSpawnable(spec);
    const ev = this.event(null, { kind: 'created', reason: 'created', actor }, spec.name);
    const rec = this.opts.repo.insert(spec, this.opts.clock.now(), ev);
    this.records.set(rec.id, rec);
    this.emit('state', { ...ev, processId: rec.id });
    return rec;
  }

  updateSpec(rec: ProcessRecord, spec: ProcessSpec, actor: Actor, reason = 'configuration changed'): void {
    rec.spec = spec;
    const ev = this.event(rec, { kind: 'updated', reason, actor });
    this.opts.repo.update(rec.id, { spec }, ev);
    this.emit('state', ev);
  }

  /** The one place a process changes state: checks the transition, stores it with its event, announces it. */
  private changeState(
    rec: ProcessRecord,
    to: ProcessState,
    patch: ProcessPatch,
    info: { reason?: string | null; actor?: Actor; exitCode?: number | null; signal?: string | null },
  ): void {
    if (!canTransition(rec.state, to)) {
      throw new SentinelError('ILLEGAL_TRANSITION', `process "${rec.name}" cannot go from ${rec.state} to ${to}`);
    }
    const from = rec.state;
    const ev = this.event(rec, { kind: 'state', oldState: from, newState: to, ...info }, rec.name, patch.pid);
    this.opts.repo.update(rec.id, { ...patch, state: to }, ev);
    Object.assign(rec, patch, { state: to });
    this.emit('state', ev);
  }

  private event(
    rec: ProcessRecord | null,
    info: Partial<EventInput>,
    name = rec?.name ?? null,
    pid: number | null | undefined = rec?.pid,
  ): EventInput {
    return {
      time: this.opts.clock.now(), processId: rec?.id ?? null, processName: name, kind: info.kind ?? 'state',
      oldState: info.oldState ?? null, newState: info.newState ?? null, pid: pid ?? null,
      exitCode: info.exitCode ?? null, signal: info.signal ?? null, reason: info.reason ?? null, actor: info.actor ?? null,
    };
  }

  /** Records an event that is not a state change (health, thresholds, notifications...). */
  note(rec: ProcessRecord, kind: string, reason: string, actor: Actor = 'sentinel'): void {
    const ev = this.event(rec, { kind, reason, actor });
    this.opts.repo.addEvent(ev);
    this.emit('state', ev);
  }

  setHealth(rec: ProcessRecord, health: string | null): void {
    rec.health = health;
    this.opts.repo.update(rec.id, { health });
  }

  isLive(rec: ProcessRecord): boolean {
    return LIVE_STATES.has(rec.state);
  }

  /** Starts a process; resolves when it is running (or ready), rejects if it crashed first. */
  async start(rec: ProcessRecord, actor: Actor, opts: { wait?: boolean } = {}): Promise<ProcessRecord> {
    if (this.shuttingDown) throw new SentinelError('DAEMON_SHUTTING_DOWN', 'the daemon is shutting down; try again once it is back');
    if (this.isLive(rec)) {
      throw new SentinelError('ALREADY_RUNNING', `process "${rec.name}" is already ${rec.state} (pid ${rec.pid}); use "sentinel restart ${rec.name}" to restart it`);
    }
    this.cancelTimer(rec.id);
    const running = this.spawn(rec, actor, { wantRunning: true, reason: null });
    if (opts.wait === false) {
      running.catch(() => undefined);
      return rec;
    }
    await running;
    return rec;
  }

  private spawn(rec: ProcessRecord, actor: Actor, how: { wantRunning: boolean; reason: string | null }): Promise<void> {
    checkSpawnable(rec.spec);
    const fds = this.opts.logs.open(rec.name);
    const logOffsets = { stdout: fstatSync(fds.stdout).size, stderr: fstatSync(fds.stderr).size };
    let child: ChildHandle;
    try {
      child = this.opts.spawner.spawn(rec.spec, fds);
    } finally {
      closeSync(fds.stdout);
      closeSync(fds.stderr);
    }
    if (child.pid <= 0) {
      throw new SentinelError('SPAWN_FAILED', `could not start "${rec.name}": the system refused to create the process; check the command and the system's limits`);
    }
    let resolveExit!: (e: ExitRecord) => void;
    const exited = new Promise<ExitRecord>((r) => (resolveExit = r));
    const live: Live = { child, exited, stopRequested: false };
    this.live.set(rec.id, live);
    const startedAt = this.opts.clock.now();
    this.changeState(
      rec,
      'starting',
      { pid: child.pid, pidStartTime: child.startTime, startedAt, wantRunning: how.wantRunning, startSeq: ++this.seq, nextRestartAt: null, reason: how.reason },
      { actor, reason: how.reason ?? 'start' },
    );
    this.opts.logs.watch(rec.name, rec.spec);

    let settle!: { ok: () => void; fail: (e: Error) => void };
    const ready = new Promise<void>((ok, fail) => (settle = { ok, fail }));
    child.onExit((code, signal) => {
      const exit = this.exitRecord(rec, live, child.pid, startedAt, code, signal);
      resolveExit(exit);
      if (rec.state === 'starting' && rec.pid === child.pid) {
        // a one-shot command that finished its work at once is not a crash
        if (exit.exitCode === 0) settle.ok();
        else void this.crashReport(rec, exit).then((err) => settle.fail(err));
      }
      this.onExit(rec, live, exit);
    });

    const alive = () => rec.pid === child.pid && rec.state === 'starting';
    const gate = this.opts.readiness?.(rec, alive, logOffsets) ?? null;
    const promote = () => {
      if (!alive()) return;
      this.changeState(rec, 'running', {}, { actor: 'sentinel', reason: gate ? 'ready' : 'stayed up' });
      settle.ok();
    };
    if (gate) {
      gate.then(promote, (err: Error) => {
        if (!alive()) return;
        settle.fail(err);
        void this.stop(rec, 'sentinel', { reason: `not ready: ${err.message}` }).catch(() => undefined);
      });
    } else if (rec.spec.startWaitMs <= 0) {
      promote();
    } else {
      this.opts.clock.setTimeout(promote, rec.spec.startWaitMs);
    }
    return ready;
  }

  private exitRecord(rec: ProcessRecord, live: Live, pid: number, startedAt: number, code: number | null, signal: string | null): ExitRecord {
    const endedAt = this.opts.clock.now();
    return {
      pid, exitCode: code, signal, startedAt, endedAt, durationMs: endedAt - startedAt,
      stoppedByUs: live.stopRequested, forceKilled: false, timedOut: false,
    };
  }

  private async crashReport(rec: ProcessRecord, exit: ExitRecord): Promise<SentinelError> {
    const lines = await this.opts.logs.lastLines(rec.name, 'stderr', 10).catch(() => [] as string[]);
    const tail = lines.length ? `\nlast stderr lines:\n${lines.map((l) => `  ${l}`).join('\n')}` : ' (nothing on stderr)';
    return new SentinelError(
      'CRASHED_IMMEDIATELY',
      `process "${rec.name}" crashed immediately (${describeExit(exit)} after ${exit.durationMs} ms)${tail}`,
      { exit, stderr: lines },
    );
  }

  private onExit(rec: ProcessRecord, live: Live, exit: ExitRecord): void {
    if (this.live.get(rec.id) !== live) return;
    if (live.stopRequested) return; // the stop procedure records the ending
    this.live.delete(rec.id);
    this.reapLeftovers(rec, exit.pid);
    this.opts.logs.unwatch(rec.name);
    const now = this.opts.clock.now();
    const decision = decideRestart(exit, rec.spec.restart, rec.restartHistory, now);
    const info = { exitCode: exit.exitCode, signal: exit.signal, actor: 'sentinel' };
    if (!decision.restart) {
      this.changeState(rec, decision.final, { lastExit: exit, restartHistory: decision.history, reason: decision.reason }, { ...info, reason: `${describeExit(exit)}: ${decision.reason}` });
      return;
    }
    if (decision.delayMs <= 0) {
      this.changeState(rec, 'exited', { lastExit: exit, restartHistory: decision.history, reason: decision.reason }, { ...info, reason: `${describeExit(exit)}: restarting` });
      this.autoRestart(rec);
      return;
    }
    const at = now + decision.delayMs;
    this.changeState(
      rec,
      'backoff',
      { lastExit: exit, restartHistory: decision.history, nextRestartAt: at, reason: `${decision.reason}; restart ${decision.attempt} in ${decision.delayMs} ms` },
      { ...info, reason: `${describeExit(exit)}: restart ${decision.attempt} in ${decision.delayMs} ms` },
    );
    this.live.set(rec.id, { exited: Promise.resolve(exit), stopRequested: false, timer: this.opts.clock.setTimeout(() => this.autoRestart(rec), decision.delayMs) });
  }

  /** Stops what a process that ended on its own left behind in its group, and says so in the event log. */
  private reapLeftovers(rec: ProcessRecord, pid: number): void {
    const found = reapGroup(pid, rec.spec.stopSignal, rec.spec.stopTimeoutMs);
    if (found > 0) this.note(rec, 'reaped', `${found} leftover processes of pid ${pid}'s group stopped (${rec.spec.stopSignal}, SIGKILL after ${rec.spec.stopTimeoutMs} ms)`);
  }

  private autoRestart(rec: ProcessRecord): void {
    if (this.shuttingDown || !this.records.has(rec.id)) return;
    if (rec.state !== 'exited' && rec.state !== 'backoff') return;
    this.live.delete(rec.id);
    try {
      rec.restarts += 1;
      this.opts.repo.update(rec.id, { restarts: rec.restarts });
      this.spawn(rec, 'sentinel', { wantRunning: true, reason: 'automatic restart' }).catch(() => undefined);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.changeState(rec, 'failed', { reason: `restart failed: ${message}` }, { actor: 'sentinel', reason: `restart failed: ${message}` });
    }
  }

  private cancelTimer(id: number): void {
    const live = this.live.get(id);
    if (live?.timer !== undefined) {
      this.opts.clock.clearTimeout(live.timer);
      this.live.delete(id);
    }
  }

  /** Stops a process and its whole tree; resolves once nothing of it is left. */
  async stop(
    rec: ProcessRecord,
    actor: Actor,
    opts: { force?: boolean; timeoutMs?: number; keepWanted?: boolean; reason?: string } = {},
  ): Promise<{ alreadyStopped: boolean; exit: ExitRecord | null }> {
    const live = this.live.get(rec.id);
    if (rec.state === 'stopping' && live?.stopping) {
      await live.stopping;
      return { alreadyStopped: false, exit: rec.lastExit };
    }
    if (!this.isLive(rec)) {
      this.cancelTimer(rec.id);
      const wasDown = rec.state === 'stopped';
      if (!wasDown) this.changeState(rec, 'stopped', { wantRunning: opts.keepWanted ? rec.wantRunning : false, nextRestartAt: null }, { actor, reason: opts.reason ?? 'stop' });
      else if (!opts.keepWanted && rec.wantRunning) {
        rec.wantRunning = false;
        this.opts.repo.update(rec.id, { wantRunning: false });
      }
      return { alreadyStopped: true, exit: rec.lastExit };
    }
    const current = live!;
    current.stopRequested = true;
    const pid = rec.pid!;
    // a stop interrupted by a daemon restart is already `stopping`: it is simply carried on
    if (rec.state !== 'stopping') {
      this.changeState(rec, 'stopping', { wantRunning: opts.keepWanted ? rec.wantRunning : false }, { actor, reason: opts.reason ?? (opts.force ? 'stop --force' : 'stop') });
    }
    if (current.adoptTimer !== undefined) this.opts.clock.clearTimeout(current.adoptTimer);
    // an adopted process is not our child: no exit event, so watch for its end closely while stopping
    const exited = current.child ? current.exited : this.pollGone(rec, current, pid);
    const procedure = (async () => {
      const result = await stopTree(pid, {
        signal: rec.spec.stopSignal,
        timeoutMs: opts.timeoutMs ?? rec.spec.stopTimeoutMs,
        force: opts.force ?? false,
        exited,
      });
      const exit: ExitRecord = { ...(await exited), stoppedByUs: true, forceKilled: result.forceKilled };
      this.live.delete(rec.id);
      this.opts.logs.unwatch(rec.name);
      const survivors = result.survivors.length ? `; ${result.survivors.length} processes survived SIGKILL: ${result.survivors.join(', ')}` : '';
      const why = `${describeExit(exit)}${exit.forceKilled ? ' after the stop timeout' : ''}${survivors}`;
      this.changeState(rec, 'stopped', { lastExit: exit, pid: null, reason: opts.reason ?? 'stopped' }, { actor, reason: why, exitCode: exit.exitCode, signal: exit.signal });
      return exit;
    })();
    current.stopping = procedure.then(() => undefined);
    const exit = await procedure;
    return { alreadyStopped: false, exit };
  }

  async restart(rec: ProcessRecord, actor: Actor, opts: { wait?: boolean; reason?: string } = {}): Promise<ProcessRecord> {
    if (this.isLive(rec)) await this.stop(rec, actor, { reason: opts.reason ?? 'restart' });
    else this.cancelTimer(rec.id);
    if (rec.state !== 'stopped' && !['exited', 'failed'].includes(rec.state)) {
      // backoff and the like: make it a plain stopped process first
      this.changeState(rec, 'stopped', {}, { actor, reason: 'restart' });
    }
    rec.restarts += 1;
    this.opts.repo.update(rec.id, { restarts: rec.restarts, restartHistory: { restartTimes: [], consecutive: 0 } });
    return this.start(rec, actor, opts);
  }

  async remove(rec: ProcessRecord, actor: Actor): Promise<void> {
    if (this.isLive(rec)) await this.stop(rec, actor, { reason: 'delete' });
    this.cancelTimer(rec.id);
    this.live.delete(rec.id);
    this.records.delete(rec.id);
    const ev = this.event(rec, { kind: 'deleted', reason: 'deleted', actor });
    this.opts.repo.remove(rec.id, ev);
    this.emit('state', ev);
  }

  /**
   * On daemon start: re-adopt children that outlived the previous daemon and resume what should run.
   * A process that died while the daemon was down follows its restart policy; after a machine
   * reboot (`rebooted`) everything that was wanted running is brought back.
   */
  recover(rebooted = false): { adopted: string[]; lost: string[]; resumed: ProcessRecord[] } {
    const adopted: string[] = [];
    const lost: string[] = [];
    const resumed: ProcessRecord[] = [];
    for (const rec of this.list()) {
      let decided = false;
      if (this.isLive(rec) && rec.pid) {
        if (!rebooted && isAlive(rec.pid, rec.pidStartTime)) {
          this.adopt(rec);
          adopted.push(rec.name);
          if (rec.state === 'stopping') {
            void this.stop(rec, 'sentinel', { keepWanted: true, reason: 'stop resumed after a daemon restart' }).catch(() => undefined);
          }
          continue;
        }
        lost.push(rec.name);
        const now = this.opts.clock.now();
        const exit: ExitRecord = {
          pid: rec.pid, exitCode: null, signal: null, startedAt: rec.startedAt ?? 0, endedAt: now,
          durationMs: now - (rec.startedAt ?? now), stoppedByUs: rec.state === 'stopping', forceKilled: false, timedOut: false,
        };
        const why = rebooted ? 'the machine restarted' : 'ended while the daemon was down (exit status unknown)';
        const to = rec.state === 'stopping' ? 'stopped' : 'exited';
        if (!rebooted) this.reapLeftovers(rec, rec.pid);
        this.changeState(rec, to, { lastExit: exit, pid: null, reason: why }, { actor: 'sentinel', reason: why });
        if (!rebooted && to === 'exited') {
          decided = true;
          if (decideRestart(exit, rec.spec.restart, rec.restartHistory, now).restart) resumed.push(rec);
        }
      }
      if (decided) continue;
      if (rec.state === 'backoff') {
        const delay = Math.max(0, (rec.nextRestartAt ?? 0) - this.opts.clock.now());
        this.live.set(rec.id, { exited: Promise.resolve(rec.lastExit!), stopRequested: false, timer: this.opts.clock.setTimeout(() => this.autoRestart(rec), delay) });
      } else if (rec.wantRunning && !this.isLive(rec) && rec.state !== 'failed') {
        resumed.push(rec);
      }
    }
    resumed.sort((a, b) => a.startSeq - b.startSeq);
    return { adopted, lost, resumed };
  }

  private pollGone(rec: ProcessRecord, live: Live, pid: number): Promise<ExitRecord> {
    const startTime = rec.pidStartTime;
    return new Promise((resolve) => {
      const check = () => {
        if (isAlive(pid, startTime)) setTimeout(check, 10);
        else resolve(this.exitRecord(rec, live, pid, rec.startedAt ?? 0, null, null));
      };
      check();
    });
  }

  /** Watches a process that is not our child (it outlived a daemon): polls for its end. */
  private adopt(rec: ProcessRecord): void {
    const pid = rec.pid!;
    const startTime = rec.pidStartTime;
    let resolveExit!: (e: ExitRecord) => void;
    const live: Live = { exited: new Promise<ExitRecord>((r) => (resolveExit = r)), stopRequested: false };
    this.live.set(rec.id, live);
    if (rec.state === 'starting') this.changeState(rec, 'running', {}, { actor: 'sentinel', reason: 're-adopted' });
    this.note(rec, 'adopted', `re-adopted pid ${pid} after a daemon restart`);
    this.opts.logs.watch(rec.name, rec.spec);
    const poll = () => {
      if (this.live.get(rec.id) !== live) return;
      if (isAlive(pid, startTime)) {
        live.adoptTimer = this.opts.clock.setTimeout(poll, this.adoptPollMs);
        return;
      }
      const exit = this.exitRecord(rec, live, pid, rec.startedAt ?? 0, null, null);
      resolveExit(exit);
      this.onExit(rec, live, exit);
    };
    live.adoptTimer = this.opts.clock.setTimeout(poll, this.adoptPollMs);
  }

  /** Daemon shutdown: stop everything in reverse start order, remembering what was running. */
  async shutdown(timeoutMs?: number): Promise<void> {
    this.shuttingDown = true;
    for (const live of this.live.values()) {
      if (live.timer !== undefined) this.opts.clock.clearTimeout(live.timer);
    }
    const order = this.list().filter((r) => this.isLive(r)).sort((a, b) => b.startSeq - a.startSeq);
    for (const rec of order) {
      await this.stop(rec, 'daemon', { keepWanted: true, reason: 'daemon shutdown', ...(timeoutMs !== undefined ? { timeoutMs } : {}) }).catch(() => undefined);
    }
  }
}
