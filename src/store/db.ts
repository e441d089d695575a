// Opens the SQLite state file in WAL mode and brings its schema up to date, and rewrites it when its
// files vanish under a running daemon.
import { renameSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

/** The state file cannot be read as a database (truncated, overwritten, garbage in its pages). */
export class DamagedDatabaseError extends Error {
  constructor(readonly file: string, readonly problem: string) {
    super(`state database ${file} is damaged: ${problem}`);
    this.name = 'DamagedDatabaseError';
  }
}

/**
 * Every table comes from MIGRATIONS: nothing else may create one (test/store/schema.test.ts checks it).
 * The handle returned stays valid when the file is rewritten under it (rewriteDb): every call goes to
 * the connection of the moment.
 */
export function openDb(file: string, opts: { check?: boolean } = {}): Db {
  return swappable(openConnection(file, opts));
}

/** The page cache of each connection, in KiB. */
const PAGE_CACHE_KIB = 2048;

function openConnection(file: string, opts: { check?: boolean }): Db {
  let db: Db | undefined;
  try {
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    // SQLite's own default page cache (2 MiB), not the 16 MiB better-sqlite3 builds it with: the daemon reads
    // its records from memory, and the cache filled with the events table as a crash loop grew it (the
    // daemon's private memory rose 10 MiB over 50 minutes of 20 restarts a second, its V8 heap flat)
    db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
    // a damaged file is never served silently: quick_check reads every page (not the index contents)
    if (opts.check) {
      const rows = db.pragma('quick_check(20)') as Array<{ quick_check: string }>;
      const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
      if (problems.length > 0) throw new DamagedDatabaseError(file, problems.slice(0, 3).join('; '));
    }
    migrate(db);
    return db;
  } catch (err) {
    db?.close();
    if (err instanceof DamagedDatabaseError) throw err;
    const code = String((err as { code?: unknown }).code ?? '');
    if (/^SQLITE_(CORRUPT|NOTADB)/.test(code)) throw new DamagedDatabaseError(file, (err as Error).message);
    throw err;
  }
}

/** The schema version openDb brings every file to. */
export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

const connections = new WeakMap<object, { conn: Db }>();

/** The connection a handle's calls go to now (it changes when the database file is rewritten). */
export function currentConnection(db: Db): object {
  return connections.get(db)?.conn ?? db;
}

/** A handle whose calls go to the current connection; transactions bind to it when they run, not when made. */
function swappable(first: Db): Db {
  const state = { conn: first };
  const proxy = new Proxy(first, {
    get(_target, prop) {
      const conn = state.conn;
      if (prop === 'transaction') {
        return (fn: (...args: never[]) => unknown) => {
          type Run = (...args: unknown[]) => unknown;
          const tx = () => state.conn.transaction(fn) as unknown as Run & { deferred: Run; immediate: Run; exclusive: Run };
          return Object.assign((...args: unknown[]) => tx()(...args), {
            deferred: (...args: unknown[]) => tx().deferred(...args),
            immediate: (...args: unknown[]) => tx().immediate(...args),
            exclusive: (...args: unknown[]) => tx().exclusive(...args),
          });
        };
      }
      const value = Reflect.get(conn, prop, conn) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(conn) : value;
    },
  });
  connections.set(proxy, state);
  return proxy;
}

function inode(file: string): number | null {
  try {
    return statSync(file).ino;
  } catch {
    return null;
  }
}

/**
 * Writes the database, as the connection sees it (the vanished WAL's content included), to a new file
 * that takes the path, and moves the handle to a connection on it. The vacuum copy reads through the open
 * connection, so nothing committed is lost even when state.db or state.db-wal was deleted.
 */
export function rewriteDb(db: Db, file: string): void {
  const state = connections.get(db);
  if (!state) throw new Error('rewriteDb needs a handle from openDb');
  const tmp = `${file}.rewrite-${process.pid}`;
  rmSync(tmp, { force: true });
  try {
    state.conn.exec(`VACUUM INTO '${tmp.replace(/'/g, "''")}'`);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  const old = state.conn;
  old.close();
  // what is left at the path belongs to the files that were replaced
  rmSync(`${file}-wal`, { force: true });
  rmSync(`${file}-shm`, { force: true });
  renameSync(tmp, file);
  state.conn = openConnection(file, {});
}

export interface DbFileWatch {
  /** Rewrites the database when one of its files vanished or was replaced; says why, or null when all is well. */
  check(): string | null;
}

/**
 * Watches state.db and state.db-wal by inode. A deleted WAL would otherwise take every write since the
 * last checkpoint with it at the next crash (SQLite keeps writing to the unlinked file); a deleted
 * state.db, everything. Checked before each write batch and on a timer.
 */
export function watchDbFiles(db: Db, file: string): DbFileWatch {
  let dbIno = inode(file);
  let walIno = inode(`${file}-wal`);
  return {
    check() {
      const nowDb = inode(file);
      const nowWal = inode(`${file}-wal`);
      let why: string | null = null;
      if (nowDb !== dbIno) why = nowDb === null ? `${file} was deleted` : `${file} was replaced`;
      else if (walIno !== null && nowWal !== walIno) why = nowWal === null ? `${file}-wal was deleted` : `${file}-wal was replaced`;
      if (why === null) {
        if (walIno === null) walIno = nowWal;
        return null;
      }
      const state = connections.get(db);
      if (state?.conn.inTransaction) return null; // checked again before the next write batch
      rewriteDb(db, file);
      dbIno = inode(file);
      walIno = inode(`${file}-wal`);
      return why;
    },
  };
}
