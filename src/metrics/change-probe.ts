// Whether anything in the managed trees may have changed since the last look, without a full scan. A full
// scan reads and parses every tree member's /proc/PID/stat (about 30 ms for 1000 `sleep`s on a busy
// 2-core machine); the probe lists /proc (names and inodes only), reads each member's schedstat (the
// nanoseconds it ran) and the stat of pids new since the last look (their parent). A tree whose members
// did not run, are all still there under the same inode, and gained no child has the same CPU ticks, pids
// and (short of the kernel reclaiming its pages) memory: the full scan it would take finds nothing new.
import { listProc } from '../core/proc.js';
import { readStatsOf } from './proc-tree.js';
import { readRunTimes } from './run-times.js';

/** [pid, inode] pairs (listProc's, or a scan's list) as inode by pid. */
function inodesByPid(pairs: Float64Array): Map<number, number> {
  const out = new Map<number, number>();
  for (let i = 0; i < pairs.length; i += 2) out.set(pairs[i]!, pairs[i + 1]!);
  return out;
}

export class ChangeProbe {
  private pids: number[] = [];
  private times: ArrayLike<number> = new Float64Array(0);
  /** The inode of each member's /proc entry at the reset (0 without the addon). */
  private inodes: Array<number | undefined> = [];
  /** Every pid in /proc at the last probe; null after a reset. */
  private listed: Map<number, number> | null = null;

  /**
   * Takes every pid of the managed trees (from a full scan) as what the next probe compares with. The scan
   * may be a scrape's from a second ago: given the /proc list the scan was made from ([pid, inode] pairs,
   * TreeScanner.lastList), the first probe looks at the parent of every pid new since that list, so a child
   * forked since the scan is seen; without it, at the parent of every pid outside the trees.
   */
  reset(treePids: readonly number[], scanList: Float64Array | null = null): void {
    this.pids = [...treePids];
    this.times = readRunTimes(this.pids);
    const listing = inodesByPid(listProc());
    this.inodes = this.pids.map((pid) => listing.get(pid));
    this.listed = scanList ? inodesByPid(scanList) : null;
  }

  /**
   * True when a tree may have changed since the last look: a member ran, is gone or its pid was taken by
   * another process, or a process new since then is a member's child.
   */
  changed(): boolean {
    const listing = inodesByPid(listProc());
    const previous = this.listed ?? new Map(this.pids.map((pid) => [pid, 0]));
    this.listed = listing;
    let changed = false;
    for (let i = 0; i < this.pids.length && !changed; i++) changed = listing.get(this.pids[i]!) !== this.inodes[i];
    const fresh: number[] = [];
    for (const pid of listing.keys()) if (!previous.has(pid)) fresh.push(pid);
    if (!changed && fresh.length > 0) changed = this.forked(fresh);
    const times = readRunTimes(this.pids);
    for (let i = 0; i < times.length && !changed; i++) changed = times[i]! < 0 || times[i] !== this.times[i];
    this.times = times;
    return changed;
  }

  /**
   * Whether one of `fresh` is a child of a tree member. A grandchild needs no walk: its parent is new too and
   * a member's child (or, if it already ended, the grandchild was handed to init, out of the tree).
   */
  private forked(fresh: readonly number[]): boolean {
    const inTree = new Set(this.pids);
    for (const st of readStatsOf(fresh).values()) if (inTree.has(st.ppid)) return true;
    return false;
  }
}
