// Process rows and the event log; every state change is written together with its event.
import type { Db } from './db.js';
import type { ExitRecord, ProcessSpec } from '../core/spec.js';
import { upgradeSpec } from '../core/spec-upgrade.js';
import type { ProcessState } from '../core/states.js';
import type { RestartHistory } from '../core/restart-policy.js';

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
  id: number; name: string; instance: number; spec: string; state: string; pid: number | null; pid_start_time: number | null;
  started_at: number | null; restarts: number; restart_history: string; last_exit: string | null;
  next_restart_at: number | null; reason: string | null; health: string | null; want_running: number;
  start_seq: number; created_at: number;
}

const COLUMNS: Record<keyof ProcessPatch, string> = {
  spec: 'spec', state: 'state', pid: 'pid', pidStartTime: 'pid_start_time', startedAt: 'started_at',
  restarts: 'restarts', restartHistory: 'restart_history', lastExit: 'last_exit', nextRestartAt: 'next_restart_at',
  reason: 'reason', health: 'health', wantRunning: 'want_running', startSeq: 'start_seq',
};

function fromRow(r: Row): ProcessRecord {
  return {
    id: r.id, name: r.name, instance: r.instance ?? 0, spec: upgradeSpec(JSON.parse(r.spec)), state: r.state as ProcessState, pid: r.pid,
    pidStartTime: r.pid_start_time, startedAt: r.started_at, restarts: r.restarts,
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
  private readonly insertEventStmt;

  constructor(private readonly db: Db) {
    this.insertEventStmt = db.prepare(
      `INSERT INTO events (time, process_id, process_name, kind, old_state, new_state, pid, exit_code, signal, reason, actor)
       VALUES (@time, @processId, @processName, @kind, @oldState, @newState, @pid, @exitCode, @signal, @reason, @actor)`,
    );
  }

  list(): ProcessRecord[] {
    return (this.db.prepare('SELECT * FROM processes ORDER BY id').all() as Row[]).map(fromRow);
  }

  insert(spec: ProcessSpec, now: number, event: EventInput, instance = 0): ProcessRecord {
    return this.db.transaction(() => {
      const info = this.db
        .prepare('INSERT INTO processes (name, instance, spec, state, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(spec.name, instance, JSON.stringify(spec), 'stopped', now);
      const id = Number(info.lastInsertRowid);
      this.insertEventStmt.run({ ...event, processId: id });
      return fromRow(this.db.prepare('SELECT * FROM processes WHERE id = ?').get(id) as Row);
    })();
  }

  /** Writes a patch and its event in one transaction. */
  update(id: number, patch: ProcessPatch, event?: EventInput): void {
    const keys = Object.keys(patch) as Array<keyof ProcessPatch>;
    this.db.transaction(() => {
      if (keys.length > 0) {
        const sets = keys.map((k) => `${COLUMNS[k]} = @${k}`).join(', ');
        const params: Record<string, unknown> = { id };
        for (const k of keys) params[k] = toColumn(k, patch[k]);
        this.db.prepare(`UPDATE processes SET ${sets} WHERE id = @id`).run(params);
      }
      if (event) this.insertEventStmt.run(event);
    })();
  }

  remove(id: number, event: EventInput): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM processes WHERE id = ?').run(id);
      this.insertEventStmt.run(event);
    })();
  }

  addEvent(event: EventInput): void {
    this.insertEventStmt.run(event);
  }

  events(opts: { name?: string; afterId?: number; limit?: number }): EventRecord[] {
    const where: string[] = [];
    const params: unknown[] = [];
    // a definition's name takes in the events of all its instances ("web", "web:1", ...)
    if (opts.name) {
      if (opts.name.includes(':')) { where.push('process_name = ?'); params.push(opts.name); }
      else { where.push("(process_name = ? OR process_name LIKE ? ESCAPE '\\')"); params.push(opts.name, `${opts.name.replace(/[%_\\]/g, '\\$&')}:%`); }
    }
    if (opts.afterId !== undefined) { where.push('id > ?'); params.push(opts.afterId); }
    const sql = `SELECT * FROM (SELECT * FROM events ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
      ORDER BY id DESC LIMIT ?) ORDER BY id`;
    params.push(opts.limit ?? 100);
    return (this.db.prepare(sql).all(...params) as Array<Record<string, unknown>>).map((r) => ({
      id: r.id as number, time: r.time as number, processId: r.process_id as number | null,
      processName: r.process_name as string | null, kind: r.kind as string, oldState: r.old_state as string | null,
      newState: r.new_state as string | null, pid: r.pid as number | null, exitCode: r.exit_code as number | null,
      signal: r.signal as string | null, reason: r.reason as string | null, actor: r.actor as string | null,
    }));
  }

  maxStartSeq(): number {
    return (this.db.prepare('SELECT COALESCE(MAX(start_seq), 0) AS m FROM processes').get() as { m: number }).m;
  }
}
