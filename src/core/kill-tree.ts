// Stopping a whole process tree: graceful signal → abortable timer → SIGKILL of everything left.
// Every target is proven by pid and start time: a pid (or group id) that now belongs to another process
// is never signalled. The checks use the one /proc snapshot each step reads anyway.
import { descendantsOf, indexStats, isAlive, readAllStats, type ProcStat } from './proc.js';
import { currentStats, lastSweepMs, noteSpawn, ownersFor, statsOf, sweep } from './proc-looks.js';
import { identity, markerOf, rememberMarker, runMarker } from './run-marker.js';
import type { ProcessTarget, StopTreeOptions as HostStopOptions, StopTreeResult } from './host.js';
import { envMs } from './env-ms.js';

export type { StopTreeResult } from './host.js';
export { RUN_MARKER, knownMarkerCount } from './run-marker.js';
export { resetRunOwners } from './proc-looks.js';

export interface StopTreeOptions extends HostStopOptions {
  /** How long to wait for the tree to vanish after SIGKILL before giving up. */
  killWaitMs?: number;
  pollMs?: number;
}

function send(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* already gone */
  }
}

/** Sends a signal to one process if it is still the one `target` names. */
export function signalProcess(target: ProcessTarget, signal: NodeJS.Signals): boolean {
  if (!isAlive(target.pid, target.startTime)) return false;
  try {
    process.kill(target.pid, signal);
    return true;
  } catch {
    return false;
  }
}

export interface OwnTree {
  members: ProcStat[];
  /** Whether the process group named after the root still has members of ours (safe to signal as a group). */
  group: boolean;
}

/**
 * Proof that a process is ours when nothing else proves it (the root is gone): its run marker. Given
 * the marker of the run when it is known, any run marker of Sentinel's when it is not (after a daemon
 * restart), as a process group id cannot be reused while a member lives: one proven member proves its group.
 */
export type Prover = (st: ProcStat) => boolean;

export interface Proof {
  /** Proves a member of the root's group or session when the root is gone. */
  group: Prover;
  /** Proves a process outside the tree and group (only with the run's own marker). */
  escaped?: Prover;
  /** That marker, when `escaped` is "carries it": the candidates then come from an index. */
  marker?: string;
}

/**
 * What is left of the tree rooted at `target` in a /proc snapshot. When the root pid now belongs to
 * another process that leads a group or session of that id, no process of ours can be in it (an id
 * cannot be reused while a member lives), so nothing of that group is ours; otherwise the stranger alone
 * is left out. With a `prove`: when the root is not there, the group and session of its id are ours only
 * if one of their members is proven, and processes that escaped the tree (a double fork into a new
 * session) are found by the proof when they started after the root; descendants of what is ours are ours.
 */
export function ownTree(target: ProcessTarget, stats: ProcStat[], proof?: Proof): OwnTree {
  const idx = indexStats(stats);
  const root = idx.byPid.get(target.pid);
  const recycled = root !== undefined && target.startTime != null && root.startTime !== target.startTime;
  const groupTaken = recycled && (root.pgid === target.pid || root.sid === target.pid);
  const inGroup = (s: ProcStat) => s.pgid === target.pid || s.sid === target.pid;
  const newer = (s: ProcStat) => target.startTime == null || s.startTime >= target.startTime;
  const seeds: ProcStat[] = [];
  if (!recycled && root) seeds.push(root);
  if (!groupTaken) {
    const group = [...new Set([...(idx.byPgid.get(target.pid) ?? []), ...(idx.bySid.get(target.pid) ?? [])])].filter((s) => !recycled || s !== root);
    // a living root proves its group; without one, a prover must find one of ours in it
    if (!proof || (root && !recycled) || group.some((s) => newer(s) && proof.group(s))) seeds.push(...group);
  }
  const escaped = proof?.escaped;
  if (escaped) {
    const known = new Set(seeds.map((s) => s.pid));
    // with the run's marker, the processes carrying it come from the snapshot's index, not a pass over all
    const candidates = proof.marker !== undefined ? withMarker(stats, proof.marker) : stats;
    for (const s of candidates) if (s !== root && !known.has(s.pid) && !inGroup(s) && newer(s) && escaped(s)) seeds.push(s);
  }
  // a recycled root is a stranger: neither it nor what it started is walked into
  const members = descendantsOf(seeds, stats, recycled ? root : undefined);
  return { members, group: !groupTaken && members.some((s) => s.pgid === target.pid) };
}

/** The processes of a snapshot that carry `marker`: each process's marker is read once (markerOf caches it). */
function withMarker(stats: ProcStat[], marker: string): ProcStat[] {
  const idx = indexStats(stats);
  let byMarker = idx.extra.get('markers') as Map<string, ProcStat[]> | undefined;
  if (!byMarker) {
    byMarker = new Map();
    for (const st of stats) {
      const m = markerOf(st);
      if (m === null) continue;
      const list = byMarker.get(m);
      if (list) list.push(st); else byMarker.set(m, [st]);
    }
    idx.extra.set('markers', byMarker);
  }
  return byMarker.get(marker) ?? [];
}

/** Signals the group led by the root (when it is ours) and every other member of the tree that is still the same process. */
function signalTree(rootPid: number, tree: OwnTree, signal: NodeJS.Signals): void {
  if (tree.group) send(-rootPid, signal);
  for (const st of tree.members) {
    if (st.pgid !== rootPid && isAlive(st.pid, st.startTime)) send(st.pid, signal);
  }
}

/** Remembers the marker a child was started with; the child is its run's root. */
export function rememberRunMarker(target: ProcessTarget, token: string): void {
  rememberMarker(target, token);
  noteSpawn(target, token);
}

/** With the run's marker: that marker proves; without it (unknown after a daemon restart), any of Sentinel's run markers proves a group, nothing proves an escaped process. */
function proofFor(target: ProcessTarget): Proof {
  const marker = runMarker(target);
  if (marker === null) return { group: (st) => markerOf(st) !== null };
  const mine: Prover = (st) => markerOf(st) === marker;
  return { group: mine, escaped: mine, marker };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Stops the whole tree. Once the main process is gone, /proc is read again every poll: what the tree
 * started meanwhile (a TERM handler's child, a double fork) gets the stop signal too, and the stop ends
 * only when nothing of ours is left; after the timeout everything of ours is SIGKILLed, again every poll.
 */
export async function stopTree(target: ProcessTarget, opts: StopTreeOptions): Promise<StopTreeResult> {
  activeStops++;
  try {
    return await stopTreeOnce(target, opts);
  } finally {
    activeStops--;
  }
}

/** Stops running now: with many (a daemon stopping a thousand processes), their sweeps are shared. */
let activeStops = 0;
/** Up to this many stops at once, each confirms an empty sweep at once with one of its own. */
const FEW_STOPS = 4;

async function stopTreeOnce(target: ProcessTarget, opts: StopTreeOptions): Promise<StopTreeResult> {
  const pollMs = opts.pollMs ?? 20;
  const shareMs = pollMs / 2;
  const proof = proofFor(target);
  // a full sweep reads every /proc/PID/stat and the environ of every process newer than the root (about
  // 0.04 ms each): on a busy machine the polls space out to keep the sweep under a third of a core
  let scanMs = 0;
  // when the last sweep found nothing of ours: when it ended
  let emptyAfter: number | null = null;
  // with the run classification, a look lists /proc and reads the run's own processes: O(tree), not O(machine)
  const by = ownersFor(target, proof.marker);
  /** One look: the snapshot and what it holds of this run, done when this run's stats are read. */
  const look = (after?: number) => {
    const snap = sweep(shareMs, after, by);
    const stats = statsOf(snap, target, proof.marker, by);
    return { startedAt: snap.startedAt, doneAt: performance.now(), stats };
  };
  /**
   * What is left; `gone` only once two sweeps found nothing, the second begun after the first ended: a
   * process that forks and exits while /proc is being read leaves its child out of that listing (listed
   * before the fork, the parent read after its exit). A lone stop reads the second sweep at once; among
   * many, the next poll's shared sweep serves, so they do not each force a sweep of their own.
   */
  const scan = (): OwnTree & { gone: boolean } => {
    const t0 = Date.now();
    const first = look();
    let tree = ownTree(target, first.stats, proof);
    let gone = false;
    if (tree.members.length > 0) {
      emptyAfter = null;
    } else if (emptyAfter !== null && first.startedAt > emptyAfter) {
      gone = true;
    } else if (activeStops <= FEW_STOPS) {
      tree = ownTree(target, look(first.doneAt).stats, proof);
      gone = tree.members.length === 0;
    } else {
      emptyAfter = first.doneAt;
    }
    scanMs = Math.max(Date.now() - t0, lastSweepMs());
    return { ...tree, gone };
  };
  let mainDone = false;
  void opts.exited.then(() => { mainDone = true; });
  const tick = () => Promise.race([sleep(Math.max(pollMs, 2 * scanMs)), mainDone ? new Promise(() => {}) : opts.exited]);
  if (!opts.force) {
    const signalled = new Set<string>();
    const signalNew = (tree: OwnTree) => {
      const fresh = tree.members.filter((s) => !signalled.has(identity(s)));
      if (fresh.length === 0) return;
      for (const s of fresh) signalled.add(identity(s));
      signalTree(target.pid, { members: fresh, group: tree.group }, opts.signal);
      // SIGCONT lets a stopped (SIGSTOP'd) tree receive the signal
      signalTree(target.pid, { members: fresh, group: tree.group }, 'SIGCONT');
    };
    signalNew(scan());
    const deadline = Date.now() + opts.timeoutMs;
    for (;;) {
      if (mainDone) {
        const tree = scan();
        if (tree.gone) return { forceKilled: false, survivors: [] };
        signalNew(tree);
      }
      if (Date.now() >= deadline) break;
      await tick();
    }
  }
  const deadline = Date.now() + (opts.killWaitMs ?? 5000);
  for (;;) {
    const tree = scan();
    if (mainDone && tree.gone) return { forceKilled: !opts.force, survivors: [] };
    if (Date.now() >= deadline) return { forceKilled: !opts.force, survivors: tree.members.map((s) => s.pid) };
    signalTree(target.pid, tree, 'SIGKILL');
    await tick();
  }
}

/** What the (now dead) target left: the rest of its group and session when they are still ours, and what escaped them. */
function leftovers(target: ProcessTarget, proof: Proof, stats: ProcStat[] = currentStats(target, proof.marker)): OwnTree {
  const tree = ownTree(target, stats, proof);
  return { members: tree.members.filter((st) => st.pid !== target.pid), group: tree.group };
}

/** Whether any process is left in the group the root led (kill(-pgid, 0): one system call, no /proc sweep). */
function groupHasMembers(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface PendingReap {
  target: ProcessTarget;
  proof: Proof;
  signal: NodeJS.Signals;
  timeoutMs: number;
  onLater?: (found: number) => void;
}

const pendingReaps: PendingReap[] = [];
let sweepTimer: NodeJS.Timeout | null = null;

/**
 * How long the runs that ended with an empty group wait for the one /proc sweep that looks for what
 * they may have left outside it (a session member in another group, an escapee found by its marker):
 * one sweep for every run that ended meanwhile, instead of one per exit — a sweep reads every
 * /proc/PID/stat, and in a crash loop it was most of the daemon's CPU per restart.
 */
function reapSweepMs(): number {
  return envMs('SENTINEL_REAP_SWEEP_MS', 1000);
}

function sweepPendingReaps(): void {
  sweepTimer = null;
  const batch = pendingReaps.splice(0);
  // one look for the whole batch: a refresh of the run classification, or one full sweep
  let full: ProcStat[] | null = null;
  const since = performance.now();
  try {
    for (const p of batch) {
      const by = ownersFor(p.target, p.proof.marker);
      const stats = by ? statsOf(sweep(Infinity, since, by), p.target, p.proof.marker, by) : (full ??= readAllStats());
      const found = reapFrom(stats, p.target, p.proof, p.signal, p.timeoutMs);
      if (found > 0) p.onLater?.(found);
    }
  } catch {
    return;
  }
}

function reapFrom(stats: ProcStat[], target: ProcessTarget, proof: Proof, signal: NodeJS.Signals, timeoutMs: number): number {
  const left = leftovers(target, proof, stats);
  if (left.members.length === 0) return 0;
  signalTree(target.pid, left, signal);
  signalTree(target.pid, left, 'SIGCONT');
  const timer = setTimeout(() => {
    const still = leftovers(target, proof);
    if (still.members.length > 0) signalTree(target.pid, still, 'SIGKILL');
  }, timeoutMs);
  timer.unref();
  return left.members.length;
}

/**
 * When a process ends on its own, what it left (a shell's children, workers, a daemonized grandchild) is
 * stopped too, as systemd does for a service's control group: the stop signal, then SIGKILL after the
 * timeout. Returns how many were found at once: a group with members left is swept now; with the group
 * empty, what may be left outside it is looked for in the next batched sweep, and `onLater` hears of it.
 * The group id cannot be reused while any member lives.
 */
export function reapGroup(target: ProcessTarget, signal: NodeJS.Signals, timeoutMs: number, onLater?: (found: number) => void): number {
  const proof = proofFor(target);
  if (groupHasMembers(target.pid)) return reapFrom(currentStats(target, proof.marker), target, proof, signal, timeoutMs);
  pendingReaps.push({ target, proof, signal, timeoutMs, onLater });
  if (!sweepTimer) {
    sweepTimer = setTimeout(sweepPendingReaps, reapSweepMs());
    sweepTimer.unref();
  }
  return 0;
}
