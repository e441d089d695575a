// An exclusive SQLite lock on a file of its own: the kernel drops it when the holder dies, so a holder
// killed with SIGKILL never leaves a stale lock behind (unlike a pid file alone).
import Database from 'better-sqlite3';

export interface FileLock {
  release(): void;
}

/** Takes the lock, or returns null at once when another live process holds it. */
export function tryExclusiveLock(file: string): FileLock | null {
  const db = new Database(file, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER)');
    db.exec('BEGIN EXCLUSIVE');
  } catch {
    db.close();
    return null;
  }
  return { release: () => db.close() };
}
