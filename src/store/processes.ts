// Process rows and the event log; every state change is written together with its event.
import type Database from 'better-sqlite3';
import { currentConnection, type Db } from './db.js';
import type { ExitRecord, ProcessSpec } from '../core/spec.js';
import { upgradeSpec } from '../core/spec-upgrade.js';
import type { ProcessState } from '../core/states.js';
import type { RestartHistory } from '../core/restart-policy.js';
import { parseDuration } from '../core/duration.js';
import { SentinelError } from '../core/errors.js';

type Statement = Database.Statement<unknown[]>;

/**
 * A crash storm must not flood the event log: within FOLD.windowMs, the first FOLD.rowsBefore events
 * alike (same process, kind, states, exit and reason) get rows of their own; the ones after that are
 * counted on one more row, whose reason says how many and over how long. At most FOLD.maxFolds storms
 * are followed at once (see ProcessRepo.sweepFolds).
 */
export const FOLD = { windowMs: 60_000, rowsBefore: 3, maxFolds: 10_000 };

/** Limits of the event log, from SENTINEL_EVENTS_MAX_ROWS and SENTINEL_EVENTS_MAX_AGE ("30d"). */
export interface EventRetention {
  maxRows: number;
  maxAgeMs: number;
}

/** Throws on a malformed value (the daemon checks it at its start): it was silently the default. */
export function retentionFromEnv(env: NodeJS.ProcessEnv = process.env): EventRetention {
  let maxRows = 100_000;
  const rows = env.SENTINEL_EVENTS_MAX_ROWS;
  if (rows !== undefined && rows !== '') {
    maxRows = Number(rows);
    if (!Number.isInteger(maxRows) || maxRows < 1) {
      throw new SentinelError('INVALID_CONFIG', `SENTINEL_EVENTS_MAX_ROWS must be a whole number of rows of at least 1 (got ${JSON.stringify(rows)}); unset it for the default of 100000`);
    }
  }
  const maxAgeMs = env.SENTINEL_EVENTS_MAX_AGE ? parseDuration(env.SENTINEL_EVENTS_MAX_AGE, 'SENTINEL_EVENTS_MAX_AGE') : 30 * 86_400_000;
  return { maxRows, maxAgeMs };
}

/**
 * A write the disk refused (SQLITE_FULL, an I/O error, a database file that vanished): the state it
 * carries is kept in memory and written once the disk takes it again, so the lifecycle never stalls on it.
 */
export function isStoreWriteFailure(err: unknown): boolean {
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  return code === 'SQLITE_FULL' || /^SQLITE_(IOERR|READONLY|CANTOPEN)/.test(code);
}

/** Events kept in memory at most while the disk refuses writes (the oldest are dropped past it, and counted). */
const MAX_PENDING_EVENTS = 5000;

/** Events written between two prunings of the event log. */
const PRUNE_EVERY = 500;

interface FoldEntry { windowStart: number; count: number; summaryId: number | null; summaryCount: number; base: string; }

export interface ProcessRecord {
  id: number;
  /** The definition's name; all instances of a definition share it. */
  name: string;
  /** 0…N−1 within the definition. */
  instance: number;
  spec: ProcessSpec;
  state: ProcessState;
  pid: number | null;
  pidStartTime: number | null;
  /** The run marker the current pid was started with (RUN_MARKER in its environment); null if unknown. */
  runMarker: string | null;
  startedAt: number | null;
  restarts: number;
  restartHistory: RestartHistory;
  lastExit: ExitRecord | null;
  nextRestartAt: number | null;
  reason: string | null;
  health: string | null;
  wantRunning: boolean;
  startSeq: number;
  createdAt: number;
}

export interface EventRecord {
  id: number;
  time: number;
  processId: number | null;
  processName: string | null;
  kind: string;
  oldState: string | null;
  newState: string | null;
  pid: number | null;
  exitCode: number | null;
  signal: string | null;
  reason: string | null;
  actor: string | null;
}

export type EventInput = Omit<EventRecord, 'id'>;

/** Fields of a process row that lifecycle code may change. */
export type ProcessPatch = Partial<Omit<ProcessRecord, 'id' | 'name' | 'instance' | 'createdAt'>>;

interface Row {
  id: number; name: string; instance: number; spec: string; state: string; pid: number | null; pid_start_time: number | null; run_marker: string | null;
  started_at: number | null; restarts: number; restart_history: string; last_exit: string | null;
  next_restart_at: number | null; reason: string | null; health: string | null; want_running: number;
  start_seq: number; created_at: number;
}

const COLUMNS: Record<keyof ProcessPatch, string> = {
  spec: 'spec', state: 'state', pid: 'pid', pidStartTime: 'pid_start_time', runMarker: 'run_marker', startedAt: 'started_at',
  restarts: 'restarts', restartHistory: 'restart_history', lastExit: 'last_exit', nextRestartAt: 'next_restart_at',
  reason: 'reason', health: 'health', wantRunning: 'want_running', startSeq: 'start_seq',
};

function fromRow(r: Row): ProcessRecord {
  return {
    id: r.id, name: r.name, instance: r.instance ?? 0, spec: upgradeSpec(JSON.parse(r.spec)), state: r.state as ProcessState, pid: r.pid,
    pidStartTime: r.pid_start_time, runMarker: r.run_marker ?? null, startedAt: r.started_at, restarts: r.restarts,
    restartHistory: JSON.parse(r.restart_history), lastExit: r.last_exit ? JSON.parse(r.last_exit) : null,
    nextRestartAt: r.next_restart_at, reason: r.reason, health: r.health, wantRunning: r.want_running === 1,
    startSeq: r.start_seq, createdAt: r.created_at,
  };
}

function toColumn(key: keyof ProcessPatch, value: unknown): unknown {
  if (key === 'spec' || key === 'restartHistory' || key === 'lastExit') return value === null ? null : JSON.stringify(value);
  if (key === 'wantRunning') return value ? 1 : 0;
  return value;
}

export class ProcessRepo {
  /**
   * Event storms being folded, by what makes events alike. A reason holding the restart delay ("restart 1 in
   * 1.8s (restart rate limit)") makes a new one for most restarts, and one whose window was over stayed
   * until there were 10,000: a steady churn of restarts kept about that many strings and entries.
   */
  private readonly folds = new Map<string, FoldEntry>();
  /** When the folds whose window was over were last dropped (at most once a window). */
  private foldsSweptAt = 0;
  private readonly statements = new Map<string, Statement>();
  private statementsOf: object | null = null;
  private sincePrune = 0;
  private readonly retention: EventRetention;
  /** Writes the disk refused, to be written when it takes them again (patches merged per process). */
  private readonly pendingPatches = new Map<number, ProcessPatch>();
  private readonly pendingRemovals = new Set<number>();
  private pendingEvents: EventInput[] = [];
  private droppedEvents = 0;
  private failure: string | null = null;
  /** Told when writes start failing (with why) and when they are written again (null). */
  onWriteTrouble: ((problem: string | null) => void) | null = null;
  /** Run before each write batch (the check that the database files are still there). */
  beforeWrite: (() => void) | null = null;
  /** Writes held by inOneWrite, or null outside it. */
  private batch: Array<{ run: () => void; hold: () => void }> | null = null;

  private get insertEventStmt() {
    return this.stmt(
      `INSERT INTO events (time, process_id, process_name, kind, old_state, new_state, pid, exit_code, signal, reason, actor)
       VALUES (@time, @processId, @processName, @kind, @oldState, @newState, @pid, @exitCode, @signal, @reason, @actor)`,
    );
  }

  private get foldStmt() {
    return this.stmt('UPDATE events SET reason = ?, pid = ? WHERE id = ?');
  }

  constructor(private readonly db: Db, opts: { retention?: EventRetention; now?: () => number } = {}) {
    this.retention = opts.retention ?? retentionFromEnv();
    try {
      this.pruneEvents((opts.now ?? Date.now)());
    } catch (err) {
      // a full disk must not keep the daemon from starting: the next pruning tries again
      if (!isStoreWriteFailure(err)) throw err;
    }
  }

  /** Drops the oldest events beyond the row limit and those older than the age limit. */
  pruneEvents(now: number): number {
    this.sincePrune = 0;
    const { maxRows, maxAgeMs } = this.retention;
    const byAge = this.db.prepare('DELETE FROM events WHERE time < ?').run(now - maxAgeMs).changes;
    const max = (this.db.prepare('SELECT COALESCE(MAX(id), 0) AS m FROM events').get() as { m: number }).m;
    const byRows = this.db.prepare('DELETE FROM events WHERE id <= ?').run(max - maxRows).changes;
    return byAge + byRows;
  }

  /**
   * The one bound on the folds, run before one is added: drops those whose window is over (the next event
   * alike starts a new one anyway), at most once a window. More than FOLD.maxFolds kinds of events alike
   * within one window clears them all, as the sweep would not: forgetting a storm early costs no more than
   * a few extra rows for its next events.
   */
  private sweepFolds(now: number): void {
    if (this.folds.size > FOLD.maxFolds) this.folds.clear();
    if (now - this.foldsSweptAt < FOLD.windowMs) return;
    this.foldsSweptAt = now;
    for (const [key, f] of this.folds) if (now - f.windowStart >= FOLD.windowMs) this.folds.delete(key);
  }

  /** How many storms of events alike are being folded (for tests). */
  get foldCount(): number {
    return this.folds.size;
  }

  /** Inserts an event, or counts it on the summary row of a storm of events alike (FOLD). */
  private writeEvent(ev: EventInput): void {
    if (++this.sincePrune >= PRUNE_EVERY) this.pruneEvents(ev.time);
    if (ev.processId === null) {
      this.insertEventStmt.run(ev);
      return;
    }
    const key = [ev.processId, ev.kind, ev.oldState, ev.newState, ev.exitCode, ev.signal, ev.reason].join('\u0000');
    let f = this.folds.get(key);
    if (!f || ev.time - f.windowStart >= FOLD.windowMs) {
      this.sweepFolds(ev.time);
      f = { windowStart: ev.time, count: 0, summaryId: null, summaryCount: 0, base: ev.reason ?? '' };
      this.folds.set(key, f);
    }
    f.count += 1;
    if (f.count <= FOLD.rowsBefore || f.summaryId === null) {
      const id = Number(this.insertEventStmt.run(ev).lastInsertRowid);
      if (f.count > FOLD.rowsBefore) { f.summaryId = id; f.summaryCount = 1; }
      return;
    }
    f.summaryCount += 1;
    const secs = Math.max(1, Math.round((ev.time - f.windowStart) / 1000));
    const reason = `${f.base} (${f.summaryCount} times in a row like this, over ${secs} s; last pid ${ev.pid ?? '-'})`;
    if (this.foldStmt.run(reason, ev.pid, f.summaryId).changes === 0) {
      // the row was pruned: start a new one
      f.summaryId = Number(this.insertEventStmt.run(ev).lastInsertRowid);
      f.summaryCount = 1;
    }
  }

  list(): ProcessRecord[] {
    this.flushBatch();
    return (this.stmt('SELECT * FROM processes ORDER BY id').all() as Row[]).map(fromRow);
  }

  /** Inserts a new process row; a refused write throws (a record never exists without its row). */
  insert(spec: ProcessSpec, now: number, event: EventInput, instance = 0): ProcessRecord {
    return this.insertMany([{ spec, instance, event }], now)[0];
  }

  /**
   * Inserts the rows of many new processes in one transaction (an `up` of a whole file): one commit for
   * all instead of one each. All or none: a refused write throws, and no record exists without its row.
   */
  insertMany(rows: Array<{ spec: ProcessSpec; instance: number; event: EventInput }>, now: number): ProcessRecord[] {
    // what an enclosing inOneWrite holds is written first: events keep their order
    this.flushBatch();
    this.beforeWrite?.();
    const recs = this.db.transaction(() => {
      this.flushPending();
      const insert = this.stmt('INSERT INTO processes (name, instance, spec, state, created_at) VALUES (?, ?, ?, ?, ?)');
      const select = this.stmt('SELECT * FROM processes WHERE id = ?');
      return rows.map(({ spec, instance, event }) => {
        const id = Number(insert.run(spec.name, instance, JSON.stringify(spec), 'stopped', now).lastInsertRowid);
        this.writeEvent({ ...event, processId: id });
        return fromRow(select.get(id) as Row);
      });
    })();
    if (this.failure !== null) this.recovered();
    return recs;
  }

  /**
   * Runs `fn`, holding the writes it makes (update, remove, addEvent) until it returns, then makes them, in
   * order, in one transaction: one commit where there were as many as writes (a bulk start's state
   * changes). They are all made before this returns, so nothing reads the store in between; a refused
   * write is held for later as any other.
   */
  inOneWrite<T>(fn: () => T): T {
    if (this.batch !== null) return fn();
    this.batch = [];
    try {
      return fn();
    } finally {
      this.flushBatch();
      this.batch = null;
    }
  }

  /** Writes what inOneWrite holds so far (it goes on holding what comes after). */
  private flushBatch(): void {
    const batch = this.batch;
    if (batch === null || batch.length === 0) return;
    this.batch = [];
    this.writeNow(() => {
      for (const w of batch) w.run();
    }, () => {
      for (const w of batch) w.hold();
    });
  }

  /**
   * Writes a patch and its event in one transaction. When the disk refuses it (full, I/O error), both are
   * kept in memory and written, in order, with the next write that works or by retryPending: never thrown.
   */
  update(id: number, patch: ProcessPatch, event?: EventInput): void {
    this.write(() => {
      this.writePatch(id, patch);
      if (event) this.writeEvent(event);
    }, () => {
      this.pendingPatches.set(id, { ...this.pendingPatches.get(id), ...patch });
      if (event) this.holdEvent(event);
    });
  }

  remove(id: number, event: EventInput): void {
    this.write(() => {
      this.stmt('DELETE FROM processes WHERE id = ?').run(id);
      this.writeEvent(event);
    }, () => {
      this.pendingPatches.delete(id);
      this.pendingRemovals.add(id);
      this.holdEvent(event);
    });
  }

  addEvent(event: EventInput): void {
    this.write(() => this.writeEvent(event), () => this.holdEvent(event));
  }

  /** Why writes are held in memory (the disk refused the last one), or null when everything is written. */
  get writeTrouble(): string | null {
    return this.failure;
  }

  /** Writes what the disk refused earlier; true when nothing is left held. */
  retryPending(): boolean {
    if (this.failure === null) return true;
    try {
      this.db.transaction(() => this.flushPending())();
    } catch (err) {
      if (!isStoreWriteFailure(err)) throw err;
      this.folds.clear();
      return false;
    }
    this.recovered();
    return true;
  }

  /** Runs a write after what is held (or, in inOneWrite, holds it until then); on a refused write, `hold` keeps it for later. */
  private write(run: () => void, hold: () => void): void {
    if (this.batch !== null) this.batch.push({ run, hold });
    else this.writeNow(run, hold);
  }

  private writeNow(run: () => void, hold: () => void): void {
    this.beforeWrite?.();
    try {
      this.db.transaction(() => {
        this.flushPending();
        run();
      })();
    } catch (err) {
      if (!isStoreWriteFailure(err)) throw err;
      // ids of rows rolled back are given out again: a fold must not update someone else's row
      this.folds.clear();
      hold();
      const problem = (err as Error).message;
      if (this.failure === null) {
        this.failure = problem;
        this.onWriteTrouble?.(problem);
      }
      return;
    }
    if (this.failure !== null) this.recovered();
  }

  private recovered(): void {
    this.pendingPatches.clear();
    this.pendingRemovals.clear();
    this.pendingEvents = [];
    this.droppedEvents = 0;
    this.failure = null;
    this.onWriteTrouble?.(null);
  }

  /** Inside a transaction: what was held, in order (removals, patches, then the events). */
  private flushPending(): void {
    if (this.failure === null) return;
    for (const id of this.pendingRemovals) this.stmt('DELETE FROM processes WHERE id = ?').run(id);
    for (const [id, patch] of this.pendingPatches) this.writePatch(id, patch);
    if (this.droppedEvents > 0) {
      const first = this.pendingEvents[0];
      this.insertEventStmt.run({
        time: first?.time ?? Date.now(), processId: null, processName: null, kind: 'events-lost', oldState: null, newState: null,
        pid: null, exitCode: null, signal: null, reason: `${this.droppedEvents} events were lost while the disk refused writes`, actor: 'sentinel',
      });
    }
    for (const ev of this.pendingEvents) this.writeEvent(ev);
  }

  private holdEvent(event: EventInput): void {
    this.pendingEvents.push(event);
    if (this.pendingEvents.length > MAX_PENDING_EVENTS) {
      this.pendingEvents.shift();
      this.droppedEvents += 1;
    }
  }

  /**
   * A statement prepared once per SQL text and connection (a patch's columns vary, but over a handful of
   * shapes); the cache is dropped when the connection is replaced (the database file rewritten).
   */
  private stmt(sql: string): Statement {
    const conn = currentConnection(this.db);
    if (conn !== this.statementsOf) {
      this.statements.clear();
      this.statementsOf = conn;
    }
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  private writePatch(id: number, patch: ProcessPatch): void {
    const keys = Object.keys(patch) as Array<keyof ProcessPatch>;
    if (keys.length === 0) return;
    const sets = keys.map((k) => `${COLUMNS[k]} = @${k}`).join(', ');
    const params: Record<string, unknown> = { id };
    for (const k of keys) params[k] = toColumn(k, patch[k]);
    this.stmt(`UPDATE processes SET ${sets} WHERE id = @id`).run(params);
  }

  /** Events after `afterId`, oldest first (what a follower has not seen yet). */
  eventsAfter(afterId: number, name: string | undefined, limit = 500): EventRecord[] {
    return this.events({ name, afterId, limit, oldestFirst: true });
  }

  events(opts: { name?: string; afterId?: number; limit?: number; oldestFirst?: boolean }): EventRecord[] {
    // a read inside inOneWrite sees what it holds
    this.flushBatch();
    const where: string[] = [];
    const params: unknown[] = [];
    // a definition's name takes in the events of all its instances ("web", "web:1", ...)
    if (opts.name) {
      if (opts.name.includes(':')) { where.push('process_name = ?'); params.push(opts.name); }
      else { where.push("(process_name = ? OR process_name LIKE ? ESCAPE '\\')"); params.push(opts.name, `${opts.name.replace(/[%_\\]/g, '\\$&')}:%`); }
    }
    if (opts.afterId !== undefined) { where.push('id > ?'); params.push(opts.afterId); }
    const sql = `SELECT * FROM (SELECT * FROM events ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
      ORDER BY id ${opts.oldestFirst ? 'ASC' : 'DESC'} LIMIT ?) ORDER BY id`;
    params.push(opts.limit ?? 100);
    return (this.db.prepare(sql).all(...params) as Array<Record<string, unknown>>).map((r) => ({
      id: r.id as number, time: r.time as number, processId: r.process_id as number | null,
      processName: r.process_name as string | null, kind: r.kind as string, oldState: r.old_state as string | null,
      newState: r.new_state as string | null, pid: r.pid as number | null, exitCode: r.exit_code as number | null,
      signal: r.signal as string | null, reason: r.reason as string | null, actor: r.actor as string | null,
    }));
  }

  maxStartSeq(): number {
    return (this.stmt('SELECT COALESCE(MAX(start_seq), 0) AS m FROM processes').get() as { m: number }).m;
  }
}
