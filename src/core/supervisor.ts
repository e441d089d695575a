// The supervisor owns every managed process: it starts, watches, stops and restarts them, and is the
// only place where a process changes state (changeState), each change stored with its event. The OS
// comes in through a ProcessHost and time through a Clock; recovery after a daemon restart is recovery.ts.
import { EventEmitter } from 'node:events';
import type { Clock } from './clock.js';
import { SentinelError } from './errors.js';
import { humanDuration } from './duration.js';
import { suggest } from './suggest.js';
import { displayName, instanceEnv, instanceKey, parseInstanceRef } from './instances.js';
import { canTransition, LIVE_STATES, type ProcessState } from './states.js';
import type { ExitRecord, ProcessSpec } from './spec.js';
import { decideRestart, describeExit, RESTART_RATE, takeToken, type Bucket } from './restart-policy.js';
import type { ChildHandle, ProcessHost, ProcessTarget, SpawnRequest, StopTreeResult } from './host.js';
import { isChild, spawnAll } from './spawn-many.js';
import type { LiveRun } from './live-run.js';
import { recoverProcesses, watchGone, type RecoveryDeps, type RecoveryResult } from './recovery.js';
import type { EventInput, ProcessPatch, ProcessRecord, ProcessRepo } from '../store/processes.js';

/** What the supervisor needs from the log subsystem. */
export interface LogPort {
  /**
   * The fds a child writes its output to. `sizes` are the log files' sizes when the fds are not the files
   * themselves (output stamped by the daemon through a pipe); else the fds' own sizes are.
   */
  open(name: string, spec: ProcessSpec): { stdout: number; stderr: number; sizes?: { stdout: number; stderr: number } };
  watch(name: string, spec: ProcessSpec): void;
  unwatch(name: string): void;
  /**
   * Optional: opens the log files of processes about to start ahead of time, all at once off the event
   * loop; open() then takes them. Resolves to a function that closes the ones no start took.
   */
  openAhead?(starts: Array<{ name: string; spec: ProcessSpec }>): Promise<() => void>;
  /** The last n lines; with `from`, only those written after the file had that size. */
  lastLines(name: string, stream: 'stdout' | 'stderr', n: number, from?: number): Promise<string[]>;
}

/**
 * Optional readiness gate, set by the health subsystem: resolves when the process is ready, or null when
 * it has no readiness check. `logOffsets` are the log sizes just before this run started.
 */
/**
 * Awaited between a process's `stopping` and its stop signal (never for a forced stop): the cluster's
 * proxy lets the connections already routed to an instance finish. It must resolve by itself, bounded.
 */
export type StopGate = (rec: ProcessRecord, reason: string) => Promise<void> | null;
export type ReadinessGate = (rec: ProcessRecord, isAlive: () => boolean, logOffsets: { stdout: number; stderr: number }) => Promise<void> | null;

/**
 * Optional per-run additions, set by the cluster subsystem: variables (PORT of an instance, LISTEN_FDS)
 * and a listening socket the child inherits as fd 3. Throws when the run cannot get them.
 */
export type SpawnExtras = (rec: ProcessRecord) => { env?: Record<string, string>; listenFd?: number } | null;

/**
 * Optional, set by the plugin subsystem: what to run instead of `spec` (a runtime plugin's wrap), or null
 * when the process has no wrap — then the spawn stays synchronous, as for every process without one.
 * Rejects when the wrap cannot be had (the start then fails like a crash: event, last exit, restart policy).
 */
export type SpawnWrap = (rec: ProcessRecord, spec: ProcessSpec) => Promise<ProcessSpec> | null;

export interface SupervisorOptions {
  repo: ProcessRepo;
  clock: Clock;
  /** The OS: spawning (through the decorated spawner chain), signals, liveness, stopping trees. */
  host: ProcessHost;
  logs: LogPort;
  /** How often a re-adopted process (not our child) is checked for exit. */
  adoptPollMs?: number;
  readiness?: ReadinessGate;
  spawnExtras?: SpawnExtras;
  wrap?: SpawnWrap;
  stopGate?: StopGate;
}

type Live = LiveRun;

/** A start waiting inside startingTogether for its child: `then` goes on with it, `fail` rejects the start. */
interface DeferredSpawn {
  request: SpawnRequest;
  then: (child: ChildHandle) => void;
  fail: (err: unknown) => void;
}

/** A process to signal: pid, start time and, when known, the run marker its children carry. */
export function targetOf(rec: ProcessRecord, pid: number): ProcessTarget {
  return { pid, startTime: rec.pidStartTime, marker: rec.runMarker };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export type Actor = string;

export interface StartResult {
  record: ProcessRecord;
}

/** How many processes the daemon stops at once when it shuts down (each wave of independent ones). */
const SHUTDOWN_CONCURRENCY = 200;

export class Supervisor extends EventEmitter {
  private readonly records = new Map<number, ProcessRecord>();
  /**
   * The records of each definition, by instance: find and instancesOf were linear searches, and an `up`
   * of N processes makes a few per process (N² steps: 0.25 s of a 1000-process up in the profile).
   */
  private readonly byName = new Map<string, ProcessRecord[]>();
  /** Starts waiting out their startWaitMs, in due order, and the one timer that promotes them (see promoteLater). */
  private promotions: Array<{ at: number; promote: () => void }> = [];
  private promotionTimer: { handle: unknown; at: number } | null = null;
  private readonly live = new Map<number, Live>();
  /** Restart-rate token buckets: per process, and one for all (RESTART_RATE). */
  private readonly buckets = new Map<number, Bucket>();
  private overallBucket: Bucket | undefined;
  private seq: number;
  /** Starts waiting for their wrap (a runtime plugin's answer): `cancelled` says a stop or delete came meanwhile. */
  private readonly wrapping = new Map<number, { cancelled: string | null }>();
  private readonly adoptPollMs: number;
  private shuttingDown = false;
  /** Writes held while an exit is handled (see record). */
  private held: Array<() => void> | null = null;
  /** The spawns asked for inside startingTogether, made together at its end (see launch), by process id. */
  private deferred: Map<number, DeferredSpawn> | null = null;
  /** Set while the disk under SENTINEL_HOME refuses writes: live processes' output is being lost (shown in their status). */
  storageWarning: string | null = null;

  /** The host processes are started on: schedule runs use the same one, so every spawner decorator applies. */
  get host(): ProcessHost {
    return this.opts.host;
  }

  /** Set once, after construction, by the subsystem that checks readiness. */
  setReadinessGate(gate: ReadinessGate): void {
    this.opts.readiness = gate;
  }

  get readinessGate(): ReadinessGate | undefined {
    return this.opts.readiness;
  }

  /** Set once, by the cluster subsystem (ports of instances, the shared socket). */
  setSpawnExtras(extras: SpawnExtras): void {
    this.opts.spawnExtras = extras;
  }

  /** Set once, by the cluster subsystem (the proxy drains an instance before its signal). */
  setStopGate(gate: StopGate): void {
    this.opts.stopGate = gate;
  }

  /** Set once, by the plugin subsystem (runtime plugins). */
  setSpawnWrap(wrap: SpawnWrap): void {
    this.opts.wrap = wrap;
  }

  /** A start of it is waiting for its runtime plugin's wrap (its state still the one before the start). */
  isWrapping(rec: ProcessRecord): boolean {
    return this.wrapping.has(rec.id);
  }

  constructor(private readonly opts: SupervisorOptions) {
    super();
    for (const rec of opts.repo.list()) this.addRecord(rec);
    this.seq = opts.repo.maxStartSeq();
    this.adoptPollMs = opts.adoptPollMs ?? 1000;
  }

  list(): ProcessRecord[] {
    return [...this.records.values()].sort((a, b) => a.id - b.id);
  }

  /** Finds one process by id ("3"), instance ("web:2") or name ("web": its instance 0). */
  resolve(ref: string | number): ProcessRecord {
    return this.resolveAll(ref)[0];
  }

  /** Every record a reference names: a definition's name gives all its instances, in order. */
  resolveAll(ref: string | number): ProcessRecord[] {
    const text = String(ref);
    if (/^\d+$/.test(text)) {
      const rec = this.records.get(Number(text));
      if (rec) return [rec];
    }
    const all = this.instancesOf(text);
    if (all.length > 0) return all;
    const { name, instance } = parseInstanceRef(text);
    if (instance !== null) {
      const members = this.instancesOf(name);
      const rec = members.find((r) => r.instance === instance);
      if (rec) return [rec];
      if (members.length > 0) {
        throw new SentinelError('PROCESS_NOT_FOUND', `"${name}" has no instance ${instance}; its instances are ${name}:0 to ${name}:${members.length - 1}`);
      }
    }
    throw new SentinelError('PROCESS_NOT_FOUND', `no process named or numbered "${text}"; ${this.hintFor(text)}`);
  }

  /** A did-you-mean for an unknown reference, or where to look. */
  private hintFor(text: string): string {
    if (text === 'all') return 'to act on every process use stopall, startall or restartall (e.g. "sentinel stopall")';
    const names = [...new Set([...this.records.values()].flatMap((r) => [r.name, displayName(r)]))];
    const close = suggest(text, names);
    return close ? `did you mean "${close}"?` : 'run "sentinel list" to see the managed processes';
  }

  /** The record with this id, if it exists (a lookup, not a reference's resolution: no error). */
  byId(id: number): ProcessRecord | undefined {
    return this.records.get(id);
  }

  /** Instance `instance` (default 0) of a definition. */
  find(name: string, instance = 0): ProcessRecord | undefined {
    return this.byName.get(name)?.find((r) => r.instance === instance);
  }

  /** All instances of a definition, by index. */
  instancesOf(name: string): ProcessRecord[] {
    return [...(this.byName.get(name) ?? [])];
  }

  private addRecord(rec: ProcessRecord): void {
    this.records.set(rec.id, rec);
    const members = this.byName.get(rec.name);
    if (!members) this.byName.set(rec.name, [rec]);
    else {
      members.push(rec);
      members.sort((a, b) => a.instance - b.instance);
    }
  }

  private dropRecord(rec: ProcessRecord): void {
    this.records.delete(rec.id);
    const members = this.byName.get(rec.name)?.filter((r) => r.id !== rec.id) ?? [];
    if (members.length > 0) this.byName.set(rec.name, members);
    else this.byName.delete(rec.name);
  }

  /**
   * Gets ready to start these processes at once (a bulk start): their log files opened together, on the
   * threadpool (LogPort.openAhead). Resolves to what closes the files of those that did not start after all.
   */
  async prepareStarts(recs: ProcessRecord[]): Promise<() => void> {
    const logs = this.opts.logs;
    if (!logs.openAhead) return () => undefined;
    return logs.openAhead(recs.filter((r) => !this.isLive(r) && !this.wrapping.has(r.id)).map((r) => ({ name: instanceKey(r), spec: r.spec })));
  }

  /** Creates a definition: one record per instance (spec.instances). Returns instance 0. */
  create(spec: ProcessSpec, actor: Actor): ProcessRecord {
    if (this.instancesOf(spec.name).length > 0) {
      throw new SentinelError('NAME_TAKEN', `a process named "${spec.name}" already exists; choose another --name or "sentinel delete ${spec.name}" first`);
    }
    this.opts.host.checkSpawnable(spec);
    const first = this.createInstance(spec, 0, actor);
    for (let i = 1; i < spec.instances; i++) this.createInstance(spec, i, actor);
    return first;
  }

  /** Adds one instance with a spec of its own (a deploy's new revision beside the old one), stopped. */
  addInstance(spec: ProcessSpec, instance: number, actor: Actor): ProcessRecord {
    if (this.find(spec.name, instance)) throw new SentinelError('NAME_TAKEN', `"${spec.name}" already has an instance ${instance}`);
    this.opts.host.checkSpawnable(spec);
    return this.createInstance(spec, instance, actor);
  }

  /**
   * Creates many definitions at once (an `up` of a file): every row in one transaction, one commit instead
   * of one per process. All are checked first; none is created when one cannot be. Returns each instance 0.
   */
  createMany(specs: ProcessSpec[], actor: Actor): ProcessRecord[] {
    const names = new Set<string>();
    for (const spec of specs) {
      if (this.byName.has(spec.name) || names.has(spec.name)) {
        throw new SentinelError('NAME_TAKEN', `a process named "${spec.name}" already exists; choose another --name or "sentinel delete ${spec.name}" first`);
      }
      names.add(spec.name);
      this.opts.host.checkSpawnable(spec);
    }
    const rows = specs.flatMap((spec) => Array.from({ length: Math.max(1, spec.instances) }, (_, instance) => ({
      spec, instance, event: this.event(null, { kind: 'created', reason: 'created', actor }, instanceKey({ name: spec.name, instance })),
    })));
    const recs = this.opts.repo.insertMany(rows, this.opts.clock.now());
    recs.forEach((rec) => this.addRecord(rec));
    recs.forEach((rec, i) => this.emit('state', { ...rows[i].event, processId: rec.id }));
    return recs.filter((rec) => rec.instance === 0);
  }

  private createInstance(spec: ProcessSpec, instance: number, actor: Actor): ProcessRecord {
    const ev = this.event(null, { kind: 'created', reason: 'created', actor }, instanceKey({ name: spec.name, instance }));
    const rec = this.opts.repo.insert(spec, this.opts.clock.now(), ev, instance);
    this.addRecord(rec);
    this.emit('state', { ...ev, processId: rec.id });
    return rec;
  }

  /**
   * Gives every instance of a definition a new spec and brings their number to spec.instances: missing
   * instances are created (stopped; the caller starts them), surplus ones stopped and removed, last first.
   */
  async updateSpec(rec: ProcessRecord, spec: ProcessSpec, actor: Actor, reason = 'configuration changed'): Promise<{ added: ProcessRecord[]; removed: ProcessRecord[] }> {
    const members = this.instancesOf(rec.name);
    for (const m of members) {
      m.spec = spec;
      const ev = this.event(m, { kind: 'updated', reason, actor });
      this.opts.repo.update(m.id, { spec }, ev);
      this.emit('state', ev);
    }
    const added: ProcessRecord[] = [];
    for (let i = members.length; i < spec.instances; i++) added.push(this.createInstance(spec, i, actor));
    const removed = members.filter((m) => m.instance >= spec.instances).reverse();
    for (const m of removed) await this.remove(m, actor);
    return { added, removed };
  }

  /** The one place a process changes state: checks the transition, stores it with its event, announces it. */
  private changeState(
    rec: ProcessRecord,
    to: ProcessState,
    patch: ProcessPatch,
    info: { reason?: string | null; actor?: Actor; exitCode?: number | null; signal?: string | null },
  ): void {
    if (!canTransition(rec.state, to)) {
      throw new SentinelError('ILLEGAL_TRANSITION', `process "${displayName(rec)}" cannot go from ${rec.state} to ${to}`);
    }
    const from = rec.state;
    const ev = this.event(rec, { kind: 'state', oldState: from, newState: to, ...info }, instanceKey(rec), patch.pid);
    const stored = { ...patch, state: to };
    Object.assign(rec, patch, { state: to });
    this.record(() => {
      this.opts.repo.update(rec.id, stored, ev);
      this.emit('state', ev);
    });
  }

  /**
   * Stores a change and announces it, at once — or, while an exit is being handled, right after the next
   * run has been spawned: a crash loop's restart then waits for no SQLite write and no listener (about a
   * millisecond of the crash → running gap). Every change is still written, in order, in the same turn of
   * the event loop (before any request can read the store), and the in-memory record is current throughout.
   */
  private record(write: () => void): void {
    if (this.held) this.held.push(write);
    else write();
  }

  /**
   * Runs `fn` with the writes it makes held (see record), then makes them in order, in one transaction.
   * Also for callers making many changes at once (a bulk start: one commit per batch, not per process).
   */
  holdingWrites<T>(fn: () => T): T {
    if (this.held) return fn();
    const held: Array<() => void> = (this.held = []);
    try {
      return fn();
    } finally {
      this.held = null;
      let failure: unknown = null;
      // one transaction for all (a bulk start holds a thousand state changes: one commit, not a thousand)
      this.opts.repo.inOneWrite(() => {
        for (const write of held) {
          try {
            write();
          } catch (err) {
            failure ??= err;
          }
        }
      });
      if (failure !== null) throw failure;
    }
  }

  private event(
    rec: ProcessRecord | null,
    info: Partial<EventInput>,
    name = rec ? instanceKey(rec) : null,
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
    this.record(() => {
      this.opts.repo.addEvent(ev);
      this.emit('state', ev);
    });
  }

  setHealth(rec: ProcessRecord, health: string | null): void {
    rec.health = health;
    this.record(() => this.opts.repo.update(rec.id, { health }));
  }

  isLive(rec: ProcessRecord): boolean {
    return LIVE_STATES.has(rec.state);
  }

  /**
   * Starts a process; resolves when it is running (or ready), rejects if it crashed first. `reason`: why it
   * starts (a restart's cause, "file changed: ..."), kept as its reason while it runs.
   */
  async start(rec: ProcessRecord, actor: Actor, opts: { wait?: boolean; reason?: string } = {}): Promise<ProcessRecord> {
    if (this.shuttingDown) throw new SentinelError('DAEMON_SHUTTING_DOWN', 'the daemon is shutting down; try again once it is back');
    if (this.isLive(rec)) {
      throw new SentinelError('ALREADY_RUNNING', `process "${displayName(rec)}" is already ${rec.state} (pid ${rec.pid}); use "sentinel restart ${displayName(rec)}" to restart it`);
    }
    if (this.deferred?.has(rec.id)) {
      throw new SentinelError('ALREADY_RUNNING', `process "${displayName(rec)}" is being started; wait for it, or stop it first`);
    }
    if (this.wrapping.has(rec.id)) {
      throw new SentinelError('ALREADY_RUNNING', `process "${displayName(rec)}" is being started (its runtime plugin ${rec.spec.wrap?.plugin ?? ''} is asked how); wait for it, or stop it first`);
    }
    this.cancelTimer(rec.id);
    const running = this.spawn(rec, actor, { wantRunning: true, reason: opts.reason ?? null });
    if (opts.wait === false) {
      running.catch(() => undefined);
      return rec;
    }
    await running;
    return rec;
  }

  /** Throws (the state unchanged) when the process cannot be spawned. */
  private spawn(rec: ProcessRecord, actor: Actor, how: { wantRunning: boolean; reason: string | null }): Promise<void> {
    this.opts.host.checkSpawnable(rec.spec);
    const extras = this.opts.spawnExtras?.(rec) ?? null;
    const spec = { ...rec.spec, env: { ...rec.spec.env, ...instanceEnv(rec), ...extras?.env } };
    const wrapped = this.opts.wrap?.(rec, spec) ?? null;
    return wrapped === null ? this.launch(rec, actor, how, spec, extras?.listenFd) : this.launchWrapped(rec, actor, how, wrapped, extras?.listenFd);
  }

  /**
   * Waits for the wrap, then spawns what it answered. Meanwhile the state stays as it was (no child
   * exists yet); a stop, delete or shutdown in between means nothing is spawned. A wrap that fails is a
   * failed start: a run that ended at once, with the reason as its exit's cause, under the restart policy.
   */
  private async launchWrapped(rec: ProcessRecord, actor: Actor, how: { wantRunning: boolean; reason: string | null }, wrapped: Promise<ProcessSpec>, listenFd: number | undefined): Promise<void> {
    const pending = { cancelled: null as string | null };
    this.wrapping.set(rec.id, pending);
    let spec: ProcessSpec | null = null;
    let failure: unknown = null;
    try {
      spec = await wrapped;
      // what the plugin answered must be startable too (its program found, its cwd there)
      this.opts.host.checkSpawnable(spec);
    } catch (err) {
      failure = err;
    }
    if (this.wrapping.get(rec.id) === pending) this.wrapping.delete(rec.id);
    if (pending.cancelled !== null || !this.records.has(rec.id) || this.shuttingDown || this.isLive(rec)) {
      throw new SentinelError('START_INTERRUPTED', `process "${displayName(rec)}" was not started: ${pending.cancelled ?? 'it was stopped or deleted'} while its runtime plugin was asked how to start it`);
    }
    if (failure === null) return this.launch(rec, actor, how, spec!, listenFd);
    const why = `runtime plugin "${rec.spec.wrap?.plugin ?? '?'}" gave no command to start: ${messageOf(failure)}`;
    const now = this.opts.clock.now();
    this.changeState(
      rec,
      'starting',
      { pid: null, pidStartTime: null, runMarker: null, startedAt: now, wantRunning: how.wantRunning, startSeq: ++this.seq, nextRestartAt: null, reason: how.reason },
      { actor, reason: how.reason ?? 'start' },
    );
    const exit: ExitRecord = { pid: 0, exitCode: null, signal: null, startedAt: now, endedAt: now, durationMs: 0, stoppedByUs: false, forceKilled: false, timedOut: false, cause: why };
    const outcome = this.recordExit(rec, exit);
    // as for a run that crashed at once: one its policy restarts is started as far as the caller is concerned
    if (outcome === 'restarting') return;
    throw new SentinelError('PLUGIN_FAILED', `could not start "${displayName(rec)}": ${why}`);
  }

  /**
   * Runs `fn`, which starts processes, with their spawns made together when it returns (host.spawnMany:
   * from a few threads) and every state change it makes written in one transaction. `fn` is synchronous:
   * nothing else runs between a start and its spawn, and each start is 'starting' with its pid once this returns.
   */
  startingTogether<T>(fn: () => T): T {
    return this.holdingWrites(() => {
      if (this.deferred) return fn();
      const deferred: Map<number, DeferredSpawn> = (this.deferred = new Map());
      try {
        return fn();
      } finally {
        this.deferred = null;
        this.spawnDeferred([...deferred.values()]);
      }
    });
  }

  private spawnDeferred(deferred: DeferredSpawn[]): void {
    if (deferred.length === 0) return;
    let spawned: ReturnType<typeof spawnAll>;
    try {
      spawned = spawnAll(this.opts.host, deferred.map((d) => d.request));
    } catch (err) {
      // a host whose spawnMany throws answered for none: each start fails with it, none waits forever
      for (const d of deferred) d.fail(err);
      return;
    }
    deferred.forEach((d, i) => {
      const s = spawned[i];
      if (isChild(s)) d.then(s);
      else d.fail(s.error);
    });
  }

  private launch(rec: ProcessRecord, actor: Actor, how: { wantRunning: boolean; reason: string | null }, spec: ProcessSpec, listenFd: number | undefined): Promise<void> {
    const host = this.opts.host;
    const fds = this.opts.logs.open(instanceKey(rec), rec.spec);
    const logOffsets = fds.sizes ?? { stdout: host.outputSize(fds.stdout), stderr: host.outputSize(fds.stderr) };
    const request = { spec, fds: listenFd !== undefined ? { ...fds, listen: listenFd } : fds };
    const deferred = this.deferred;
    if (!deferred) return this.launched(rec, actor, how, host.spawn(request.spec, request.fds), logOffsets);
    return new Promise<void>((ok, fail) => deferred.set(rec.id, {
      request,
      then: (child) => {
        try {
          this.launched(rec, actor, how, child, logOffsets).then(ok, fail);
        } catch (err) {
          fail(err);
        }
      },
      fail,
    }));
  }

  /** The rest of a start once its child exists: the record 'starting' with the pid, the exit watched, the promotion armed. */
  private launched(rec: ProcessRecord, actor: Actor, how: { wantRunning: boolean; reason: string | null }, child: ChildHandle, logOffsets: { stdout: number; stderr: number }): Promise<void> {
    if (child.pid <= 0) {
      throw new SentinelError('SPAWN_FAILED', `could not start "${displayName(rec)}": the system refused to create the process; check the command and the system's limits`);
    }
    let resolveExit!: (e: ExitRecord) => void;
    const exited = new Promise<ExitRecord>((r) => (resolveExit = r));
    const live: Live = { child, exited, stopRequested: false };
    this.live.set(rec.id, live);
    const startedAt = this.opts.clock.now();
    this.changeState(
      rec,
      'starting',
      { pid: child.pid, pidStartTime: child.startTime, runMarker: child.runMarker ?? null, startedAt, wantRunning: how.wantRunning, startSeq: ++this.seq, nextRestartAt: null, reason: how.reason },
      { actor, reason: how.reason ?? 'start' },
    );
    this.opts.logs.watch(instanceKey(rec), rec.spec);

    let settled = false;
    let settle!: { ok: () => void; fail: (e: Error) => void };
    const ready = new Promise<void>((ok, fail) => (settle = {
      ok: () => { settled = true; ok(); },
      fail: (e) => { settled = true; fail(e); },
    }));
    child.onExit((code, signal, cause) => this.holdingWrites(() => {
      const exit = this.exitRecord(live, child.pid, startedAt, code, signal, cause);
      resolveExit(exit);
      const crashedStarting = rec.state === 'starting' && rec.pid === child.pid;
      const interrupted = !crashedStarting && !settled
        ? new SentinelError('START_INTERRUPTED', `process "${displayName(rec)}" was stopped before it was up (${rec.reason ?? 'a stop was requested'}); see "sentinel events ${rec.name}"`)
        : null;
      const outcome = this.onExit(rec, live, exit);
      if (crashedStarting) {
        // a one-shot command that finished its work at once is not a crash; one its policy restarts is
        // started as far as the caller is concerned (the answer shows the crash and the next attempt)
        if (exit.exitCode === 0 || outcome === 'restarting') settle.ok();
        else void this.crashReport(rec, exit, logOffsets.stderr).then((err) => settle.fail(err));
      } else if (interrupted) {
        // stopped (or restarted by someone else) while still starting: the caller waiting for it hears why
        settle.fail(interrupted);
      }
    }));

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
      this.promoteLater(promote, rec.spec.startWaitMs);
    }
    return ready;
  }

  /**
   * Promotes a start to running once it stayed up: one timer for all the starts waiting, and the ones due
   * promoted together with their writes in one transaction. A 1000-process `up` armed 1000 timers, each
   * promotion a commit of its own (about 0.5 ms each).
   */
  private promoteLater(promote: () => void, ms: number): void {
    const at = this.opts.clock.now() + ms;
    // kept in due order; with one startWaitMs for all, always appended
    let i = this.promotions.length;
    while (i > 0 && this.promotions[i - 1].at > at) i--;
    this.promotions.splice(i, 0, { at, promote });
    this.armPromotions();
  }

  private armPromotions(): void {
    const next = this.promotions[0];
    if (!next || (this.promotionTimer && this.promotionTimer.at <= next.at)) return;
    if (this.promotionTimer) this.opts.clock.clearTimeout(this.promotionTimer.handle);
    const at = next.at;
    this.promotionTimer = { at, handle: this.opts.clock.setTimeout(() => this.promoteDue(), Math.max(0, at - this.opts.clock.now())) };
  }

  private promoteDue(): void {
    this.promotionTimer = null;
    const now = this.opts.clock.now();
    let n = 0;
    while (n < this.promotions.length && this.promotions[n].at <= now) n++;
    const due = this.promotions.splice(0, n);
    let failure: unknown = null;
    try {
      this.holdingWrites(() => {
        for (const p of due) {
          try {
            p.promote();
          } catch (err) {
            failure ??= err;
          }
        }
      });
    } finally {
      this.armPromotions();
    }
    if (failure !== null) throw failure;
  }

  private exitRecord(live: Live, pid: number, startedAt: number, code: number | null, signal: string | null, cause?: string): ExitRecord {
    const endedAt = this.opts.clock.now();
    return {
      pid, exitCode: code, signal, startedAt, endedAt, durationMs: endedAt - startedAt,
      stoppedByUs: live.stopRequested, forceKilled: false, timedOut: false, ...(cause ? { cause } : {}),
    };
  }

  /** Why a start failed at once, with the stderr lines of this run only (those after `stderrFrom`). */
  private async crashReport(rec: ProcessRecord, exit: ExitRecord, stderrFrom: number): Promise<SentinelError> {
    const lines = await this.opts.logs.lastLines(instanceKey(rec), 'stderr', 10, stderrFrom).catch(() => [] as string[]);
    const tail = lines.length ? `\nlast stderr lines:\n${lines.map((l) => `  ${l}`).join('\n')}` : ' (nothing on stderr)';
    return new SentinelError(
      'CRASHED_IMMEDIATELY',
      `process "${displayName(rec)}" crashed immediately (${describeExit(exit)} after ${humanDuration(exit.durationMs)})${tail}`,
      { exit, stderr: lines },
    );
  }

  /** Records an ending and decides what follows: 'restarting' when an automatic restart is planned. */
  private onExit(rec: ProcessRecord, live: Live, exit: ExitRecord): 'restarting' | 'ended' | 'ignored' {
    if (this.live.get(rec.id) !== live) return 'ignored';
    if (live.stopRequested) return 'ignored'; // the stop procedure records the ending
    this.live.delete(rec.id);
    // the run's marker, read before the record moves on to the next run
    const ended = targetOf(rec, exit.pid);
    const outcome = this.recordExit(rec, exit);
    // What the run left is looked for after the restart, not before: the look reads every /proc/PID/stat
    // (and the environ of recent processes, for escapees) — milliseconds on a busy machine that a crash
    // loop would wait each time. It finds only this run's group and marker, never the new run's, and the
    // leftovers get the stop signal a moment later than the new run starts, as they would anyway (a reap
    // never waited for them to end).
    this.reapLeftovers(rec, ended);
    return outcome;
  }

  private recordExit(rec: ProcessRecord, exit: ExitRecord): 'restarting' | 'ended' {
    this.opts.logs.unwatch(instanceKey(rec));
    const now = this.opts.clock.now();
    const decision = decideRestart(exit, rec.spec.restart, rec.restartHistory, now);
    const info = { exitCode: exit.exitCode, signal: exit.signal, actor: 'sentinel' };
    if (!decision.restart) {
      this.changeState(rec, decision.final, { lastExit: exit, restartHistory: decision.history, reason: decision.reason }, { ...info, reason: `${describeExit(exit)}: ${decision.reason}` });
      return 'ended';
    }
    const held = this.rateLimitWait(rec.id, now + decision.delayMs);
    if (decision.delayMs <= 0 && held <= 0) {
      this.changeState(rec, 'exited', { lastExit: exit, restartHistory: decision.history, reason: decision.reason }, { ...info, reason: `${describeExit(exit)}: restarting` });
      this.autoRestart(rec);
      return 'restarting';
    }
    const delayMs = decision.delayMs + held;
    const at = now + delayMs;
    // a stable reason while held back, so that a storm's events fold into one row
    const why = held > 0 && decision.delayMs <= 0
      ? 'restarting, held back by the restart rate limit'
      : `restart ${decision.attempt} in ${humanDuration(delayMs)}${held > 0 ? ' (restart rate limit)' : ''}`;
    this.changeState(
      rec,
      'backoff',
      { lastExit: exit, restartHistory: decision.history, nextRestartAt: at, reason: `${decision.reason}; ${why}` },
      { ...info, reason: `${describeExit(exit)}: ${why}` },
    );
    this.armRestart(rec, exit, delayMs);
    return 'restarting';
  }

  /** How much longer than planned an automatic restart at `at` must wait under RESTART_RATE. */
  private rateLimitWait(id: number, at: number): number {
    const own = takeToken(this.buckets.get(id), at, RESTART_RATE.perProcess);
    const all = takeToken(this.overallBucket, at, RESTART_RATE.overall);
    this.buckets.set(id, own.bucket);
    this.overallBucket = all.bucket;
    return Math.max(own.waitMs, all.waitMs);
  }

  /** A process in backoff: its automatic restart runs after `delayMs`. */
  private armRestart(rec: ProcessRecord, exit: ExitRecord, delayMs: number): void {
    this.live.set(rec.id, { exited: Promise.resolve(exit), stopRequested: false, timer: this.opts.clock.setTimeout(() => this.autoRestart(rec), delayMs) });
  }

  /** Stops what a process that ended on its own left behind in its group, and says so in the event log. */
  private reapLeftovers(rec: ProcessRecord, target: ProcessTarget): void {
    const { stopSignal, stopTimeoutMs } = rec.spec;
    const noteFound = (found: number) => {
      if (found > 0 && this.records.has(rec.id)) this.note(rec, 'reaped', `${found} leftover processes of pid ${target.pid}'s group stopped (${stopSignal}, SIGKILL after ${humanDuration(stopTimeoutMs)})`);
    };
    try {
      noteFound(this.opts.host.reapGroup(target, stopSignal, stopTimeoutMs, noteFound));
    } catch (err) {
      // never in the way of the exit being recorded (and the restart that follows)
      this.note(rec, 'reap-failed', `could not look for leftovers of pid ${target.pid}'s group: ${messageOf(err)}`);
    }
  }

  private autoRestart(rec: ProcessRecord): void {
    if (this.shuttingDown || !this.records.has(rec.id)) return;
    if (rec.state !== 'exited' && rec.state !== 'backoff') return;
    this.live.delete(rec.id);
    try {
      rec.restarts += 1;
      const restarts = rec.restarts;
      this.record(() => this.opts.repo.update(rec.id, { restarts }));
      this.spawn(rec, 'sentinel', { wantRunning: true, reason: 'automatic restart' }).catch(() => undefined);
    } catch (err) {
      // spawn throws before the process leaves exited/backoff: it is failed, with the reason, never left "restarting"
      this.failToRestart(rec, err);
    }
  }

  private failToRestart(rec: ProcessRecord, err: unknown): void {
    const why = `cannot restart: ${messageOf(err)}`;
    this.changeState(rec, 'failed', { reason: why, nextRestartAt: null }, { actor: 'sentinel', reason: why });
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
    const wrapping = this.wrapping.get(rec.id);
    if (wrapping) {
      // a start waiting for its wrap: nothing is spawned once the answer comes
      wrapping.cancelled = opts.reason ?? 'a stop was requested';
      this.wrapping.delete(rec.id);
    }
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
    const host = this.opts.host;
    const target = targetOf(rec, pid);
    // an adopted process is not our child: no exit event, so watch for its end closely while stopping
    const exited = current.child
      ? current.exited
      : watchGone(host, this.opts.clock, target).then(() => this.exitRecord(current, pid, rec.startedAt ?? 0, null, null));
    const procedure = (async () => {
      let result: StopTreeResult;
      const gate = opts.force ? null : this.opts.stopGate?.(rec, opts.reason ?? 'stop') ?? null;
      if (gate) await gate.catch(() => undefined);
      try {
        result = await host.stopTree(target, { signal: rec.spec.stopSignal, timeoutMs: opts.timeoutMs ?? rec.spec.stopTimeoutMs, force: opts.force ?? false, exited });
      } catch (err) {
        // the tree could not be walked (say /proc unreadable): SIGKILL the process itself rather than stay stopping
        this.note(rec, 'stop-failed', `stopping the tree of pid ${pid} failed (${messageOf(err)}); sending SIGKILL to pid ${pid}`);
        host.signal(target, 'SIGKILL');
        result = { forceKilled: true, survivors: [] };
      }
      const exit: ExitRecord = { ...(await exited), stoppedByUs: true, forceKilled: result.forceKilled };
      this.live.delete(rec.id);
      this.opts.logs.unwatch(instanceKey(rec));
      const survivors = result.survivors.length ? `; ${result.survivors.length} processes survived SIGKILL: ${result.survivors.join(', ')}` : '';
      const why = `${describeExit(exit)}${exit.forceKilled ? ' after the stop timeout' : ''}${survivors}`;
      this.changeState(rec, 'stopped', { lastExit: exit, pid: null, reason: opts.reason ?? 'stopped' }, { actor, reason: why, exitCode: exit.exitCode, signal: exit.signal });
      return exit;
    })();
    current.stopping = procedure.then(() => undefined);
    const exit = await procedure;
    return { alreadyStopped: false, exit };
  }

  /** `keepReason`: the reason stays the process's reason while the new run lasts (a file change that restarted it). */
  async restart(rec: ProcessRecord, actor: Actor, opts: { wait?: boolean; reason?: string; keepReason?: boolean } = {}): Promise<ProcessRecord> {
    if (this.isLive(rec)) await this.stop(rec, actor, { reason: opts.reason ?? 'restart' });
    else this.cancelTimer(rec.id);
    if (rec.state !== 'stopped' && !['exited', 'failed'].includes(rec.state)) {
      // backoff and the like: make it a plain stopped process first
      this.changeState(rec, 'stopped', {}, { actor, reason: 'restart' });
    }
    rec.restarts += 1;
    this.opts.repo.update(rec.id, { restarts: rec.restarts, restartHistory: { restartTimes: [], consecutive: 0 } });
    return this.start(rec, actor, { wait: opts.wait, reason: opts.keepReason ? opts.reason : undefined });
  }

  async remove(rec: ProcessRecord, actor: Actor): Promise<void> {
    if (this.isLive(rec)) await this.stop(rec, actor, { reason: 'delete' });
    this.cancelTimer(rec.id);
    this.live.delete(rec.id);
    this.buckets.delete(rec.id);
    this.dropRecord(rec);
    const ev = this.event(rec, { kind: 'deleted', reason: 'deleted', actor });
    this.opts.repo.remove(rec.id, ev);
    this.emit('state', ev);
  }

  /** Removes every instance of a definition (each stopped first, in parallel). */
  async removeDefinition(rec: ProcessRecord, actor: Actor): Promise<void> {
    await Promise.all(this.instancesOf(rec.name).map((m) => this.remove(m, actor)));
  }

  /** On daemon start: re-adopt children that outlived the previous daemon and resume what should run (recovery.ts). */
  recover(rebooted = false): RecoveryResult {
    return recoverProcesses(this.recoveryDeps(), rebooted);
  }

  /**
   * Daemon start: brings back a process that should run. One that cannot be spawned any more (its cwd
   * was deleted) is failed with the reason rather than left waiting as exited; the error is passed on.
   */
  async resume(rec: ProcessRecord): Promise<void> {
    try {
      await this.start(rec, 'daemon', { wait: false });
    } catch (err) {
      if (rec.state === 'exited' || rec.state === 'backoff') this.failToRestart(rec, err);
      else if (!this.isLive(rec)) this.note(rec, 'resume-failed', `cannot resume: ${messageOf(err)}`, 'daemon');
      throw err;
    }
  }

  private recoveryDeps(): RecoveryDeps {
    return {
      host: this.opts.host,
      clock: this.opts.clock,
      adoptPollMs: this.adoptPollMs,
      list: () => this.list(),
      isLive: (rec) => this.isLive(rec),
      liveOf: (rec) => this.live.get(rec.id),
      setLive: (rec, live) => void this.live.set(rec.id, live),
      changeState: (rec, to, patch, info) => this.changeState(rec, to, patch, info),
      note: (rec, kind, reason) => this.note(rec, kind, reason),
      watchLogs: (rec) => this.opts.logs.watch(instanceKey(rec), rec.spec),
      reapLeftovers: (rec, target) => this.reapLeftovers(rec, target),
      exitRecord: (live, pid, startedAt, code, signal) => this.exitRecord(live, pid, startedAt, code, signal),
      onExit: (rec, live, exit) => this.onExit(rec, live, exit),
      armRestart: (rec, exit, delayMs) => this.armRestart(rec, exit, delayMs),
      resumeStop: (rec) => void this.stop(rec, 'sentinel', { keepWanted: true, reason: 'stop resumed after a daemon restart' }).catch(() => undefined),
    };
  }

  /** Daemon shutdown: stop everything in reverse start order, remembering what was running. */
  /** Stops watching without stopping anything (daemon restart): no timer fires, no new start is taken. */
  detach(): void {
    this.shuttingDown = true;
    for (const id of [...this.live.keys()]) this.cancelTimer(id);
  }

  async shutdown(timeoutMs?: number): Promise<void> {
    this.shuttingDown = true;
    for (const live of this.live.values()) {
      if (live.timer !== undefined) this.opts.clock.clearTimeout(live.timer);
    }
    // in waves: a process stops once every live process that depends on it has stopped; a wave's stops run
    // together (up to SHUTDOWN_CONCURRENCY at once), sharing their /proc sweeps. A thousand processes one
    // at a time took 46 s (three sweeps of a thousand entries each); together, a few seconds.
    let left = this.list().filter((r) => this.isLive(r)).sort((a, b) => b.startSeq - a.startSeq);
    const stopOne = (rec: ProcessRecord) =>
      this.stop(rec, 'daemon', { keepWanted: true, reason: 'daemon shutdown', ...(timeoutMs !== undefined ? { timeoutMs } : {}) }).then(() => undefined, () => undefined);
    while (left.length > 0) {
      const needed = new Set(left.flatMap((r) => Object.keys(r.spec.source.dependsOn)));
      let wave = left.filter((r) => !needed.has(r.name));
      // a dependency cycle (refused by config checks, but never hang on one): newest first, as before
      if (wave.length === 0) wave = [left[0]];
      const inWave = new Set(wave);
      left = left.filter((r) => !inWave.has(r));
      for (let i = 0; i < wave.length; i += SHUTDOWN_CONCURRENCY) await Promise.all(wave.slice(i, i + SHUTDOWN_CONCURRENCY).map(stopOne));
    }
  }
}
