// The stats of the managed trees only. The metrics (history, scrapes, `list`) sum each managed process's
// tree, so a full sweep of /proc reads the stat of every process on the machine to find a few hundred:
// with 100 managed `sleep`s among 290 processes, 7 ms a sweep against 2.5 ms for the managed ones. This
// scanner lists /proc (names and inodes, no file read), remembers the pids it found outside every managed
// tree, and reads only the others. A pid outside stays outside: a process never moves into a tree (an
// orphan goes to init or a subreaper, not to a managed process), and a new tree member is a new pid. A
// pid taken again by another process gets a new /proc inode, so it is read afresh; a root found among the
// pids outside (taken under management after it started) has every pid classified again.
// Without the native addon (no inodes from fs.readdir) every sweep is a full one.
import { nativeAddon } from '../core/native.js';
import { listProc } from '../core/proc.js';
import { readStatsOf, scanProcesses, type ProcStat } from './proc-tree.js';

/** Every this many scans the pids outside are forgotten and classified again: a bound on the map, and insurance. */
export const RECLASSIFY_EVERY = 60;

export class TreeScanner {
  /** pid → the inode its /proc entry had when it was found outside every managed tree. */
  private readonly outside = new Map<number, number>();
  private scans = 0;
  /** The /proc list of the last scan, [pid, inode] pairs (null before the first, or without the addon). */
  lastList: Float64Array | null = null;

  /** How many pids are known to be outside (for tests). */
  get outsideCount(): number {
    return this.outside.size;
  }

  /** The stats of `roots` and all their descendants, by pid. */
  scan(roots: readonly number[]): Map<number, ProcStat> {
    const addon = nativeAddon();
    if (!addon || typeof addon.procList !== 'function' || typeof addon.procStatsOf !== 'function') return scanProcesses();
    // a root that was outside (a process taken under management after it started) brings its descendants,
    // which were outside too: classify everything again
    if (++this.scans % RECLASSIFY_EVERY === 0 || roots.some((pid) => this.outside.has(pid))) this.outside.clear();
    const listed = listProc(addon);
    this.lastList = listed;
    const inodes = new Map<number, number>();
    const wanted: number[] = [];
    for (let i = 0; i < listed.length; i += 2) {
      const pid = listed[i];
      const inode = listed[i + 1];
      const known = this.outside.get(pid);
      if (known === inode) continue;
      if (known !== undefined) this.outside.delete(pid);
      inodes.set(pid, inode);
      wanted.push(pid);
    }
    const stats = readStatsOf(wanted);
    // what descends from a root is kept; the rest is outside from now on
    const children = new Map<number, number[]>();
    for (const st of stats.values()) {
      const list = children.get(st.ppid);
      if (list) list.push(st.pid);
      else children.set(st.ppid, [st.pid]);
    }
    const inTree = new Set<number>();
    const stack = roots.filter((pid) => stats.has(pid));
    while (stack.length > 0) {
      const pid = stack.pop()!;
      if (inTree.has(pid)) continue;
      inTree.add(pid);
      const kids = children.get(pid);
      if (kids) stack.push(...kids);
    }
    for (const pid of stats.keys()) {
      if (inTree.has(pid)) continue;
      stats.delete(pid);
      this.outside.set(pid, inodes.get(pid)!);
    }
    return stats;
  }
}
