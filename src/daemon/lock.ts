// One daemon per SENTINEL_HOME: the store's exclusive file lock on daemon.lock, released by the kernel
// when the holder dies, so a daemon killed with SIGKILL never leaves a stale lock behind.
import { readFileSync } from 'node:fs';
import { SentinelError } from '../core/errors.js';
import { tryExclusiveLock, type FileLock } from '../store/lock.js';

export type DaemonLock = FileLock;

export function acquireDaemonLock(lockFile: string, pidFile: string): DaemonLock {
  const lock = tryExclusiveLock(lockFile);
  if (lock) return lock;
  let pid = '?';
  try {
    pid = readFileSync(pidFile, 'utf8').trim();
  } catch {
    /* unknown */
  }
  throw new SentinelError('DAEMON_RUNNING', `another daemon (pid ${pid}) already owns ${lockFile}; use "sentinel daemon stop" first, or set SENTINEL_HOME to run a separate one`);
}
