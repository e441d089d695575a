// A full disk under SENTINEL_HOME. Children write their output straight to their log files there, so a
// full disk loses their output and the daemon cannot see each failed write: it watches the free space
// instead, says so (an event on every live process, the reason in `status`, daemon.log), and retries
// the state writes the store held in memory until the disk takes them again.
import { closeSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from './logger.js';
import type { Supervisor } from '../core/supervisor.js';
import type { ProcessRepo } from '../store/processes.js';
import { every } from './db-watch.js';
import type { Periodic } from './periodic.js';
import { envMsOrUnset } from '../core/env-ms.js';

/** With this much free (and no write refused), the check runs every RELAXED_MS instead of every 2 s, unless SENTINEL_DISK_CHECK_MS is set. */
const PLENTY_BYTES = 1024 * 1024 * 1024;
const RELAXED_MS = 10_000;

/** Below this much space available to ordinary users, a real write tells whether the disk is full. */
export const LOW_SPACE_BYTES = 4 * 1024 * 1024;

export interface DiskWatch {
  /** One check now (also run by the timer). */
  check(): void;
  close(): void;
}

/**
 * Whether the file system holding `dir` refuses new data. Free-block counts cannot tell alone (root may
 * use reserved blocks, ext4 keeps some of its own): when space runs low, one block is written for real
 * to a probe file, which is removed at once.
 */
export function diskIsFull(dir: string): { full: boolean; free: number | null } {
  let free: number | null = null;
  try {
    const st = statfsSync(dir);
    free = st.bavail * st.bsize;
    if (free >= LOW_SPACE_BYTES) return { full: false, free };
  } catch {
    return { full: false, free };
  }
  const probe = path.join(dir, '.space-probe');
  let fd: number | undefined;
  try {
    fd = openSync(probe, 'w', 0o600);
    writeSync(fd, Buffer.alloc(4096));
    return { full: false, free };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { full: code === 'ENOSPC' || code === 'EDQUOT', free };
  } finally {
    if (fd !== undefined) closeSync(fd);
    rmSync(probe, { force: true });
  }
}

export function watchDisk(o: { home: string; supervisor: Supervisor; repo: ProcessRepo; log: Logger; intervalMs?: number; periodic?: Periodic }): DiskWatch {
  const { home, supervisor, repo, log } = o;
  let full = false;
  const tellLive = (kind: string, reason: string) => {
    for (const rec of supervisor.list()) if (supervisor.isLive(rec)) supervisor.note(rec, kind, reason);
  };
  let lastFree: number | null = null;
  const inspect = () => {
    if (repo.writeTrouble !== null) repo.retryPending();
    const disk = diskIsFull(home);
    const free = disk.free;
    lastFree = free;
    const nowFull = disk.full || repo.writeTrouble !== null;
    if (nowFull === full) return;
    full = nowFull;
    if (full) {
      const why = disk.full
        ? `the disk holding SENTINEL_HOME (${home}) is full`
        : `the daemon cannot write under SENTINEL_HOME (${repo.writeTrouble})`;
      const warning = `${why}: output is being lost and state changes are kept in memory until space is freed`;
      supervisor.storageWarning = warning;
      log.error('DISK_FULL', warning, { free });
      tellLive('output-lost', warning);
    } else {
      supervisor.storageWarning = null;
      const back = 'space is back on the disk holding SENTINEL_HOME: output is logged again and held state changes are written';
      log.info('DISK_SPACE_BACK', back, { free });
      tellLive('output-resumed', back);
    }
  };
  // a refused state write is news at once, not at the next tick
  repo.onWriteTrouble = () => setImmediate(check);
  const given = o.intervalMs ?? envMsOrUnset('SENTINEL_DISK_CHECK_MS');
  let everyMs = 0;
  let cancel = () => {};
  // a check outside the timer (a refused write) sets the pace too: held writes are retried every 2 s
  const check = () => {
    inspect();
    // the wake-up itself is the cost of an idle daemon (2.6 ms of CPU each on a busy 2-core machine: an
    // empty daemon idled at 0.16-0.17 % of a core with a check every 2 s, 0.04 % every 10 s); with a GiB
    // or more free and every write taken, filling the disk in the longer wait takes over 100 MB/s
    const wanted = given ?? (!full && (lastFree ?? 0) >= PLENTY_BYTES ? RELAXED_MS : 2000);
    if (wanted === everyMs) return;
    cancel();
    everyMs = wanted;
    cancel = every(o.periodic, Math.max(50, wanted), check);
  };
  check();
  return {
    check,
    close: () => {
      cancel();
      repo.onWriteTrouble = null;
    },
  };
}
