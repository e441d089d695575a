// Open file descriptors of a process tree: the entries of /proc/PID/fd, summed over its pids.
import { readdirSync } from 'node:fs';

/** The count, or null when not one of the pids could be read (gone, or another user's process). */
export function countOpenFds(pids: readonly number[]): number | null {
  let total = 0;
  let read = false;
  for (const pid of pids) {
    try {
      total += readdirSync(`/proc/${pid}/fd`).length;
      read = true;
    } catch {
      /* exited between the scan and now */
    }
  }
  return read ? total : null;
}
