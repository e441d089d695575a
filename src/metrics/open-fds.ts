// Open file descriptors of a process tree, summed over its pids. Linux 6.2+ gives the count as the size
// of /proc/PID/fd (one stat, no listing); older kernels report 0 there, and the directory is listed.
// The native addon does it for every tree of a scrape in one call (with 100 trees, one crossing into C
// instead of 100); the fallback below does the same through fs.
import { readdirSync, statSync } from 'node:fs';
import { nativeAddon, type NativeAddon } from '../core/native.js';

function countOne(pid: number): number {
  const st = statSync(`/proc/${pid}/fd`, { throwIfNoEntry: false });
  if (st === undefined) return -1;
  return st.size > 0 ? st.size : readdirSync(`/proc/${pid}/fd`).length;
}

function countEach(pids: readonly number[], addon: NativeAddon | null): ArrayLike<number> {
  if (addon) return addon.fdCounts(Int32Array.from(pids));
  return pids.map((pid) => {
    try {
      return countOne(pid);
    } catch {
      return -1; // exited between the stat and the listing, or another user's process
    }
  });
}

/**
 * The count, or null when not one of the pids could be read (gone, or another user's process).
 * `addon` null takes the JavaScript path (the tests compare the two).
 */
export function countOpenFds(pids: readonly number[], addon: NativeAddon | null = nativeAddon()): number | null {
  const counts = countEach(pids, addon);
  let total = 0;
  let read = false;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i]! < 0) continue;
    total += counts[i]!;
    read = true;
  }
  return read ? total : null;
}

/**
 * The count of each tree (as countOpenFds), from one read of all their pids: a scrape asks for every
 * managed tree at once.
 */
export function countOpenFdsOfTrees(trees: ReadonlyArray<readonly number[]>, addon: NativeAddon | null = nativeAddon()): Array<number | null> {
  const counts = countEach(trees.flat(), addon);
  let at = 0;
  return trees.map((pids) => {
    let total = 0;
    let read = false;
    for (let i = at; i < at + pids.length; i++) {
      if (counts[i]! < 0) continue;
      total += counts[i]!;
      read = true;
    }
    at += pids.length;
    return read ? total : null;
  });
}
