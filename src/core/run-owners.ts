// Which run each process on the machine belongs to, remembered by /proc inode, so that a stop reads the
// stat of its own tree's processes instead of every process there is (with a thousand managed processes,
// three full sweeps were most of a stop's cost).
//
// Why this is safe: what a stop may signal (kill-tree.ts's ownTree) is always a fork-descendant of the
// run's root (its group and session: the root leads both, so only what it forked can join them; its
// escapees: they carry the run's marker, inherited from the root). The run a process descends from never
// changes: a process's ancestry is fixed at fork, and reparenting moves an orphan only to init or a
// subreaper (the ancestor a run's process would reach is ours or above the daemon). So each process is
// given its run once, when first listed: its root registration, else its marker, else its parent's run,
// else the run of its group's or session's leader (an orphan whose parent exited before it was listed).
// A pid taken by another process has a new /proc inode (the old entry is invalidated when its process
// is released), so it is classified afresh. A stop then reads only the processes of its run and its
// root pid, fresh, and decides from them exactly as from a full sweep.
import type { NativeAddon } from './native.js';
import { PF, PROC_STRIDE } from './native.js';
import { listProc, type ProcStat } from './proc.js';

interface Known {
  inode: number;
  pid: number;
  startTime: number;
  /** The run (its marker), null when none; undefined while being classified. */
  run: string | null | undefined;
  seen: number;
  /** Its group and session when classified: a gone root is kept only while some process is in its group or session. */
  pgid: number;
  sid: number;
  /** Its environment read empty (mid-exec): classified again at the next refresh. */
  unsure?: boolean;
}

interface Root {
  startTime: number;
  marker: string;
}

/** Reads a process's run marker (pid and start time name it): null when it has none, undefined when it cannot tell yet (mid-exec). */
export type MarkerReader = (st: ProcStat) => string | null | undefined;

/** How many refreshes a process whose environment reads empty is read again before it is taken as having none. */
const UNSURE_TRIES = 3;

/** Roots that ended are kept at most this many (their group or session may outlive them), oldest dropped first. */
const MAX_GONE_ROOTS = 10_000;
/** Past this many more ended roots than the last prune left, those no process's group or session names are dropped. */
const GONE_ROOTS_SLACK = 256;

function rowStat(rows: Float64Array, r: number): ProcStat {
  return {
    pid: rows[r + PF.pid], state: String.fromCharCode(rows[r + PF.state]), ppid: rows[r + PF.ppid], pgid: rows[r + PF.pgid],
    sid: rows[r + PF.sid], utime: rows[r + PF.utime], stime: rows[r + PF.stime], startTime: rows[r + PF.start], rssPages: rows[r + PF.rss],
  };
}

export class RunOwners {
  private readonly known = new Map<number, Known>();
  private readonly byRun = new Map<string, Set<number>>();
  /** Registered roots still running (or not listed yet), and those that ended, by pid. */
  private readonly roots = new Map<number, Root>();
  private readonly goneRoots = new Map<number, Root>();
  private generation = 0;
  /** How many ended roots the last prune kept: the next is due past that many plus the slack. */
  private goneAfterPrune = 0;
  /** How many prunes of ended roots ran (each scans every known process; for tests). */
  prunes = 0;
  /** Processes (pid:start) whose environment read empty, and how often: read again at the next refresh. */
  private readonly unsure = new Map<string, number>();
  /** Bumped when every classification is dropped: a look taken before is no use after. */
  epoch = 0;
  /** How many processes the last refresh read (new to it): for tests and the cost check. */
  lastRead = 0;

  constructor(
    private readonly addon: Pick<NativeAddon, 'procList' | 'procStatsOf'>,
    private readonly markerOf: MarkerReader,
    /** Told of each process that is gone (its identity never comes back). */
    private readonly onGone: (pid: number, startTime: number) => void = () => {},
  ) {}

  /** How many root registrations are kept: of running roots, and of ended ones (for tests). */
  get rootCounts(): { live: number; gone: number } {
    return { live: this.roots.size, gone: this.goneRoots.size };
  }

  /** How many processes are classified (for tests). */
  get size(): number {
    return this.known.size;
  }

  /**
   * A run's root: its processes are that run's whatever their environment says. When the root was
   * classified otherwise (adopted after a daemon restart, its environment cleared by an exec), everything
   * is classified again at the next refresh: its descendants were classified after it.
   */
  registerRoot(pid: number, startTime: number, marker: string): void {
    this.roots.set(pid, { startTime, marker });
    this.goneRoots.delete(pid);
    const k = this.known.get(pid);
    if (k && k.startTime === startTime && k.run !== undefined && k.run !== marker) this.clear();
  }

  /** Forgets every classification (the next refresh reads every process). */
  clear(): void {
    this.epoch++;
    this.known.clear();
    this.byRun.clear();
  }

  /**
   * Lists /proc (names and inodes, no file read), drops what is gone or was replaced, and reads and
   * classifies only what is new since the last refresh.
   */
  refresh(): void {
    const gen = ++this.generation;
    const listed = listProc(this.addon);
    const fresh: number[] = [];
    const inodes = new Map<number, number>();
    for (let i = 0; i < listed.length; i += 2) {
      const pid = listed[i];
      const inode = listed[i + 1];
      const k = this.known.get(pid);
      if (k && k.inode === inode) {
        k.seen = gen;
        continue;
      }
      if (k) this.drop(k);
      fresh.push(pid);
      inodes.set(pid, inode);
    }
    for (const k of this.known.values()) if (k.seen !== gen) this.drop(k);
    this.lastRead = fresh.length;
    if (fresh.length > 0) this.classifyNew(fresh, inodes, gen);
    this.retireRoots();
  }

  private classifyNew(fresh: number[], inodes: Map<number, number>, gen: number): void {
    const rows = this.addon.procStatsOf(Int32Array.from(fresh));
    const added: Known[] = [];
    const stats = new Map<number, ProcStat>();
    for (let r = 0; r < rows.length; r += PROC_STRIDE) {
      const st = rowStat(rows, r);
      // a pid taken again: no group or session of the root's id is left (the kernel does not reuse it before)
      if (this.roots.get(st.pid)?.startTime !== st.startTime) this.roots.delete(st.pid);
      this.goneRoots.delete(st.pid);
      const k: Known = { inode: inodes.get(st.pid)!, pid: st.pid, startTime: st.startTime, run: undefined, seen: gen, pgid: st.pgid, sid: st.sid };
      this.known.set(st.pid, k);
      stats.set(st.pid, st);
      added.push(k);
    }
    for (const k of added) this.classify(k, stats);
    // left out of what is known, so that the next refresh reads them again
    for (const k of added) if (k.unsure) this.known.delete(k.pid);
    if (this.unsure.size > 4096) this.unsure.clear();
  }

  /** Moves the registrations of roots no longer there to the bounded map of ended ones. */
  private retireRoots(): void {
    for (const [pid, root] of this.roots) {
      if (this.known.get(pid)?.startTime === root.startTime) continue;
      this.roots.delete(pid);
      this.goneRoots.set(pid, root);
      // told here too: one that ended before any refresh listed it was never known (nor dropped), and
      // what is kept of it (its marker from the spawn) would otherwise go only when a cap is reached
      this.onGone(pid, root.startTime);
      if (this.goneRoots.size > MAX_GONE_ROOTS) this.goneRoots.delete(this.goneRoots.keys().next().value!);
    }
    // re-armed at what the last prune kept: roots kept there (their groups live on) do not make every
    // later refresh pay the scan
    this.goneAfterPrune = Math.min(this.goneAfterPrune, this.goneRoots.size);
    if (this.goneRoots.size > this.goneAfterPrune + GONE_ROOTS_SLACK) {
      this.dropLeaderlessRoots();
      this.goneAfterPrune = this.goneRoots.size;
    }
  }

  /**
   * Drops the ended roots whose group and session are empty: only a member of its group or session can
   * start a process the root's registration would classify (an orphan's leader), and neither id is reused
   * while a member lives. A crash loop otherwise kept one per run that ever ended, up to the cap (growth
   * over a churn of restarts); run only past the slack, so the scan is paid once per that many ends.
   */
  private dropLeaderlessRoots(): void {
    this.prunes++;
    const leaders = new Set<number>();
    for (const k of this.known.values()) {
      leaders.add(k.pgid);
      leaders.add(k.sid);
    }
    for (const pid of this.goneRoots.keys()) if (!leaders.has(pid)) this.goneRoots.delete(pid);
  }

  /** The pids that may belong to `marker`'s run rooted at `rootPid` (the root pid itself always). */
  candidates(rootPid: number, marker: string): number[] {
    const out = new Set(this.byRun.get(marker));
    out.add(rootPid);
    return [...out];
  }

  /** Fresh stats of those pids (the ones still there). */
  readStats(pids: number[]): ProcStat[] {
    const rows = this.addon.procStatsOf(Int32Array.from(pids));
    const out: ProcStat[] = [];
    for (let r = 0; r < rows.length; r += PROC_STRIDE) out.push(rowStat(rows, r));
    return out;
  }

  private runOfRoot(pid: number, startTime?: number): string | null {
    const root = this.roots.get(pid) ?? this.goneRoots.get(pid);
    if (!root) return null;
    return startTime === undefined || root.startTime === startTime ? root.marker : null;
  }

  /** The run of the process at `pid` as known now, classifying it first when it is new. */
  private runOfPid(pid: number, stats: Map<number, ProcStat>): string | null {
    const k = this.known.get(pid);
    if (!k) return null;
    if (k.run === undefined) this.classify(k, stats);
    return k.run ?? null;
  }

  /** Gives a new process its run (marked unsure when it cannot tell yet: its environment read empty, mid-exec). */
  private classify(k: Known, stats: Map<number, ProcStat>): void {
    if (k.run !== undefined) return;
    k.run = null; // while being classified: a cycle through groups ends here
    const st = stats.get(k.pid)!;
    // the parent's run before the marker: what a run's process starts is that run's even when it carries
    // another marker (a Sentinel daemon run under Sentinel marks its own children), as the tree by parent
    // link says; the marker is read only when the parent is in no run (an orphan, or a root's sibling)
    let run = this.runOfRoot(k.pid, k.startTime) ?? (st.ppid > 1 ? this.runOfPid(st.ppid, stats) : null);
    // no memory (a kernel thread, or a process already tearing down): no environment to read
    if (run === null && st.rssPages > 0) {
      const marker = this.markerOf(st);
      k.unsure = marker === undefined && this.stillUnsure(`${k.pid}:${k.startTime}`);
      run = marker ?? null;
    }
    // an orphan: the group or session it was started in, by its leader's registration (a group id is not
    // reused while a member lives) or by the run of the leader when it is still there
    for (const leader of [st.pgid, st.sid]) {
      if (run !== null || leader === k.pid || leader <= 1) continue;
      run = this.known.has(leader) ? this.runOfPid(leader, stats) : this.runOfRoot(leader);
    }
    k.run = run;
    if (run === null) return;
    k.unsure = false;
    const set = this.byRun.get(run);
    if (set) set.add(k.pid); else this.byRun.set(run, new Set([k.pid]));
  }

  /** Whether a process whose environment read empty is to be read again (a few times, then it has none). */
  private stillUnsure(key: string): boolean {
    const tries = (this.unsure.get(key) ?? 0) + 1;
    if (tries > UNSURE_TRIES) {
      this.unsure.delete(key);
      return false;
    }
    this.unsure.set(key, tries);
    return true;
  }

  private drop(k: Known): void {
    this.known.delete(k.pid);
    if (k.run) {
      const set = this.byRun.get(k.run);
      set?.delete(k.pid);
      if (set && set.size === 0) this.byRun.delete(k.run);
    }
    this.onGone(k.pid, k.startTime);
  }
}
