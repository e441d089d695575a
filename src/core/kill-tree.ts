// Stopping a whole process tree: graceful signal → abortable timer → SIGKILL of everything left.
import { collectTree, isAlive, type ProcStat } from './proc.js';

export interface StopTreeOptions {
  signal: NodeJS.Signals;
  timeoutMs: number;
  force: boolean;
  /** Resolves when the main process has exited (its exit event). */
  exited: Promise<unknown>;
  /** How long to wait for the tree to vanish after SIGKILL before giving up. */
  killWaitMs?: number;
  pollMs?: number;
}

export interface StopTreeResult {
  forceKilled: boolean;
  /** PIDs still alive after SIGKILL and killWaitMs (should always be empty). */
  survivors: number[];
}

function send(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* already gone */
  }
}

/** Signals the group led by rootPid and every other member of the tree that is still the same process. */
function signalTree(rootPid: number, tree: ProcStat[], signal: NodeJS.Signals): void {
  send(-rootPid, signal);
  for (const st of tree) {
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

export async function stopTree(rootPid: number, opts: StopTreeOptions): Promise<StopTreeResult> {
  const pollMs = opts.pollMs ?? 10;
  const merge = (a: ProcStat[], b: ProcStat[]) => {
    const m = new Map(a.map((s) => [s.pid, s]));
    for (const s of b) m.set(s.pid, s);
    return [...m.values()];
  };
  let tree = collectTree(rootPid);
  if (!opts.force) {
    signalTree(rootPid, tree, opts.signal);
    // SIGCONT lets a stopped (SIGSTOP'd) tree receive the signal
    signalTree(rootPid, tree, 'SIGCONT');
    if (await waitGone(tree, opts.exited, Date.now() + opts.timeoutMs, pollMs)) return { forceKilled: false, survivors: [] };
    tree = merge(tree, collectTree(rootPid));
  }
  signalTree(rootPid, tree, 'SIGKILL');
  const gone = await waitGone(tree, opts.exited, Date.now() + (opts.killWaitMs ?? 5000), pollMs);
  return { forceKilled: !opts.force, survivors: gone ? [] : remaining(tree).map((s) => s.pid) };
}

/** Live members of the process group led by (the now dead) pgid. */
function groupMembers(pgid: number): ProcStat[] {
  return collectTree(pgid).filter((st) => st.pgid === pgid && st.pid !== pgid);
}

/**
 * When a process ends on its own, what it left in its process group (a shell's children, workers) is
 * stopped too, as systemd does for a service's control group: the stop signal, then SIGKILL after the
 * timeout. Returns how many were found. The group id cannot be reused while any member lives.
 */
export function reapGroup(pgid: number, signal: NodeJS.Signals, timeoutMs: number): number {
  const left = groupMembers(pgid);
  if (left.length === 0) return 0;
  send(-pgid, signal);
  send(-pgid, 'SIGCONT');
  const timer = setTimeout(() => {
    if (groupMembers(pgid).length > 0) send(-pgid, 'SIGKILL');
  }, timeoutMs);
  timer.unref();
  return left.length;
}
