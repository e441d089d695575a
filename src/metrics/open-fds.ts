// Open file descriptors of a process tree, summed over its pids. Linux 6.2+ gives the count as the size
// of /proc/PID/fd (one stat, no listing); older kernels report 0 there, and the directory is listed.
import { readdirSync, statSync } from 'node:fs';

function countOne(pid: number): number {
  const size = statSync(`/proc/${pid}/fd`).size;
  return size > 0 ? size : readdirSync(`/proc/${pid}/fd`).length;
}

/** The count, or null when not one of the pids could be read (gone, or another user's process). */
export function countOpenFds(pids: readonly number[]): number | null {
  let total = 0;
  let read = false;
  for (const pid of pids) {
    try {
      total += countOne(pid);
      read = true;
    } catch {
      /* exited between the scan and now */
    }
  }
  return read ? total : null;
}
