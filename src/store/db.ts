// Opens the SQLite state file in WAL mode and brings its schema up to date.
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

/** Every table comes from MIGRATIONS: nothing else may create one (test/store/schema.test.ts checks it). */
export function openDb(file: string, opts: { check?: boolean } = {}): Db {
  let db: Db | undefined;
  try {
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
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
