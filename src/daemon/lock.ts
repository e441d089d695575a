// One daemon per SENTINEL_HOME: an exclusive SQLite lock the kernel releases when the holder dies,
// so a daemon killed with SIGKILL never leaves a stale lock behind.
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { SentinelError } from '../core/errors.js';

export interface DaemonLock {
  release(): void;
}

export function acquireDaemonLock(lockFile: string, pidFile: string): DaemonLock {
  const db = new Database(lockFile, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER)');
    db.exec('BEGIN EXCLUSIVE');
  } catch {
    db.close();
    let pid = '?';
    try {
      pid = readFileSync(pidFile, 'utf8').trim();
    } catch {
      /* unknown */
    }
    throw new SentinelError('DAEMON_RUNNING', `another daemon (pid ${pid}) already owns ${lockFile}; use "sentinel daemon stop" first, or set SENTINEL_HOME to run a separate one`);
  }
  return { release: () => db.close() };
}
