// state.db and state.db-wal deleted or replaced under a running daemon: rewritten at once from the open
// connection (before the next write batch, or when inotify says so), loudly, so a later crash loses nothing.
// The home directory is watched (fs.watch: inotify) for a rename or delete of either file, instead of two
// stats every second: those were one of the two wake-ups a second of an idle daemon. The timer stays, once
// a minute, as insurance; where no watch can be set (no inotify, its limit reached) it runs every second.
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { watchDbFiles, type Db } from '../store/db.js';
import type { ProcessRepo } from '../store/processes.js';
import type { Logger } from './logger.js';
import type { Periodic } from './periodic.js';
import { envMsOrUnset } from '../core/env-ms.js';

export function guardDbFiles(o: { db: Db; file: string; repo: ProcessRepo; log: Logger; intervalMs?: number; periodic?: Periodic }): { close(): void } {
  const watch = watchDbFiles(o.db, o.file);
  let failing = false;
  const check = () => {
    try {
      const why = watch.check();
      failing = false;
      if (why) o.log.error('DB_REWRITTEN', `${why} while the daemon was running: rewrote ${o.file} from the daemon's open connection (nothing committed was lost); find out what removes files under SENTINEL_HOME`);
    } catch (err) {
      // say it once per failing stretch (a full disk cannot take the copy): the next check tries again
      if (!failing) o.log.error('DB_REWRITE_FAILED', `the database files under SENTINEL_HOME vanished and could not be rewritten yet: ${(err as Error).message}`);
      failing = true;
    }
  };
  // before a write, at most once every 50 ms: a bulk start writes thousands of times a second, and two
  // stats per write were a tenth of its time; a file removed meanwhile is seen before the next batch
  let lastCheck = 0;
  o.repo.beforeWrite = () => {
    const now = performance.now();
    if (now - lastCheck < 50) return;
    lastCheck = now;
    check();
  };
  const given = o.intervalMs ?? envMsOrUnset('SENTINEL_DB_CHECK_MS');
  const poll = (ms: number) => every(o.periodic, Math.max(50, given ?? ms), check);
  let cancel = () => {};
  // the directory's watch gone (the directory removed, or moved away): back to checking every second
  const watcher = watchHome(o.file, check, () => {
    cancel();
    cancel = poll(1000);
  });
  cancel = poll(watcher ? 60_000 : 1000);
  return {
    close: () => {
      watcher?.close();
      cancel();
      o.repo.beforeWrite = null;
    },
  };
}

/** Runs `check` when state.db or its WAL is renamed or deleted; null when the directory cannot be watched. */
function watchHome(file: string, check: () => void, lost: () => void): FSWatcher | null {
  const names = new Set([path.basename(file), `${path.basename(file)}-wal`]);
  try {
    const watcher = watch(path.dirname(file), { persistent: false }, (event, name) => {
      // 'change' is every write to the WAL: only a rename (created, deleted, moved) can lose it
      if (event === 'rename' && (name === null || names.has(name))) check();
    });
    watcher.on('error', () => {
      watcher.close();
      lost();
    });
    return watcher;
  } catch {
    return null;
  }
}

/** On the daemon's shared timer when given one, else on a timer of its own. */
export function every(periodic: Periodic | undefined, ms: number, run: () => void): () => void {
  if (periodic) return periodic.every(ms, run);
  const timer = setInterval(run, ms);
  timer.unref();
  return () => clearInterval(timer);
}
