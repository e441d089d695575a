// state.db and state.db-wal deleted or replaced under a running daemon: rewritten at once from the open
// connection (before the next write batch, or by the timer), loudly, so a later crash loses nothing.
import { watchDbFiles, type Db } from '../store/db.js';
import type { ProcessRepo } from '../store/processes.js';
import type { Logger } from './logger.js';
import type { Periodic } from './periodic.js';

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
  const cancel = every(o.periodic, Math.max(50, o.intervalMs ?? (Number(process.env.SENTINEL_DB_CHECK_MS) || 1000)), check);
  return {
    close: () => {
      cancel();
      o.repo.beforeWrite = null;
    },
  };
}

/** On the daemon's shared timer when given one, else on a timer of its own. */
export function every(periodic: Periodic | undefined, ms: number, run: () => void): () => void {
  if (periodic) return periodic.every(ms, run);
  const timer = setInterval(run, ms);
  timer.unref();
  return () => clearInterval(timer);
}
