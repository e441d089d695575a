// Stopping a whole process tree: graceful signal → abortable timer → SIGKILL of everything left.
// Every target is proven by pid and start time: a pid (or group id) that now belongs to another process
// is never signalled. The checks use the one /proc snapshot each step reads anyway.
import { collectTree, isAlive, readAllStats, type ProcStat } from './proc.js';
import type { ProcessTarget, StopTreeOptions as HostStopOptions, StopTreeResult } from './host.js';

export type { StopTreeResult } from './host.js';

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
 * What is left of the tree rooted at `target` in a /proc snapshot. When the root pid now belongs to
 * another process that leads a group or session of that id, no process of ours can be in it (an id
 * cannot be reused while a member lives), so nothing is ours; otherwise the stranger alone is left out.
 */
export function ownTree(target: ProcessTarget, stats: ProcStat[]): OwnTree {
  const root = stats.find((s) => s.pid === target.pid);
  if (root && target.startTime != null && root.startTime !== target.startTime) {
    if (root.pgid === target.pid || root.sid === target.pid) return { members: [], group: false };
    stats = stats.filter((s) => s !== root);
  }
  const members = collectTree(target.pid, stats);
  return { members, group: members.some((s) => s.pgid === target.pid) };
}

/** Signals the group led by the root (when it is ours) and every other member of the tree that is still the same process. */
function signalTree(rootPid: number, tree: OwnTree, signal: NodeJS.Signals): void {
  if (tree.group) send(-rootPid, signal);
  for (const st of tree.members) {
    if (st.pgid !== rootPid && isAlive(st.pid, st.startTime)) send(st.pid, signal);
  }
}

function remaining(tree: ProcStat[]): ProcStat[] {
  return tree.filter((st) => isAlive(st.pid, st.startTime));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitGone(tree: ProcStat[], exited: Promise<unknown>, deadline: number, pollMs: number): Promise<boolean> {
  let mainDone = false;
  void exited.then(() => { mainDone = true; });
  for (;;) {
    if (mainDone && remaining(tree).length === 0) return true;
    if (Date.now() >= deadline) return false;
    await Promise.race([sleep(pollMs), mainDone ? new Promise(() => {}) : exited]);
  }
}

export async function stopTree(target: ProcessTarget, opts: StopTreeOptions): Promise<StopTreeResult> {
  const pollMs = opts.pollMs ?? 10;
  const merge = (a: OwnTree, b: OwnTree): OwnTree => {
    const m = new Map(a.members.map((s) => [s.pid, s]));
    for (const s of b.members) m.set(s.pid, s);
    return { members: [...m.values()], group: a.group || b.group };
  };
  let tree = ownTree(target, readAllStats());
  if (!opts.force) {
    signalTree(target.pid, tree, opts.signal);
    // SIGCONT lets a stopped (SIGSTOP'd) tree receive the signal
    signalTree(target.pid, tree, 'SIGCONT');
    if (await waitGone(tree.members, opts.exited, Date.now() + opts.timeoutMs, pollMs)) return { forceKilled: false, survivors: [] };
    tree = merge(tree, ownTree(target, readAllStats()));
  }
  signalTree(target.pid, tree, 'SIGKILL');
  const gone = await waitGone(tree.members, opts.exited, Date.now() + (opts.killWaitMs ?? 5000), pollMs);
  return { forceKilled: !opts.force, survivors: gone ? [] : remaining(tree.members).map((s) => s.pid) };
}

/** Live members of the process group led by the (now dead) target, when that group is still ours. */
function groupMembers(target: ProcessTarget): ProcStat[] {
  const tree = ownTree(target, readAllStats());
  return tree.members.filter((st) => st.pgid === target.pid && st.pid !== target.pid);
}

/**
 * When a process ends on its own, what it left in its process group (a shell's children, workers) is
 * stopped too, as systemd does for a service's control group: the stop signal, then SIGKILL after the
 * timeout. Returns how many were found. The group id cannot be reused while any member lives.
 */
export function reapGroup(target: ProcessTarget, signal: NodeJS.Signals, timeoutMs: number): number {
  const left = groupMembers(target);
  if (left.length === 0) return 0;
  send(-target.pid, signal);
  send(-target.pid, 'SIGCONT');
  const timer = setTimeout(() => {
    if (groupMembers(target).length > 0) send(-target.pid, 'SIGKILL');
  }, timeoutMs);
  timer.unref();
  return left.length;
}
