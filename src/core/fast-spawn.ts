// Starting a managed child without forking the daemon (native/spawn.c: posix_spawn, which clones
// without copying the daemon's memory). Measured on a 70 MiB daemon: Node's spawn 2.2 ms (a fork that
// copies the page tables, then a wait for the copy to exec), posix_spawn 0.3 ms, on every restart of a
// crashing process. The addon is optional: when it is not built, or SENTINEL_SPAWN=node, or a start needs
// what it does not do (a source fd in the way of the dup2s, an error to report), spawn.ts uses Node's
// child_process as before. Children started here are reaped here: one SIGCHLD listener waits for each of
// them by pid, and never for the daemon's other children, which libuv waits for by pid itself.
import { constants } from 'node:os';
import { nativeAddon, PF, PROC_STRIDE, type NativeAddon } from './native.js';
import type { ChildHandle } from './host.js';
import { readStartTime } from './proc.js';

let native: NativeAddon | null | undefined;

function load(): NativeAddon | null {
  if (native === undefined) native = process.env.SENTINEL_SPAWN === 'node' ? null : nativeAddon();
  return native;
}

/** How children are started: 'posix_spawn' when the addon is in use, 'fork' (Node's child_process) otherwise. */
export function spawnMethod(): 'posix_spawn' | 'fork' {
  return load() ? 'posix_spawn' : 'fork';
}

const SIGNAL_NAMES = new Map<number, string>(Object.entries(constants.signals).map(([name, n]) => [n, name]));

type ExitCb = (code: number | null, signal: string | null) => void;
const waiting = new Map<number, ExitCb>();
let listening = false;

function deliver(pid: number, result: [number, number]): void {
  const cb = waiting.get(pid);
  if (!cb) return;
  waiting.delete(pid);
  const [code, sig] = result;
  if (sig > 0) cb(null, SIGNAL_NAMES.get(sig) ?? `SIG${sig}`);
  else cb(code < 0 ? null : code, null);
}

function onChildSignal(): void {
  const n = native;
  if (!n || waiting.size === 0) return;
  // the usual case, one of ours ended: peek names it without a waitpid per child (1000 children, one call)
  let pid = n.peek();
  while (pid > 0 && waiting.has(pid)) {
    deliver(pid, n.reap(pid) ?? [-1, 0]);
    pid = n.peek();
  }
  if (pid <= 0) return;
  // a child of libuv's is first in line (libuv reaps its own): ask each of ours
  for (const pid of [...waiting.keys()]) {
    const r = n.reap(pid);
    if (r) deliver(pid, r);
  }
}

/**
 * The new child's start time, through the addon's stat reader: fs's readFileSync of /proc/PID/stat made an
 * open, fstat, read and close, a buffer and a string per start (0.57 ms of each of a 1000-process up in
 * the daemon's profile on a busy machine, and garbage collected afterwards).
 */
function startTimeOf(n: NativeAddon, pid: number): number | null {
  const row = n.procStatsOf(Int32Array.of(pid));
  return row.length >= PROC_STRIDE ? row[PF.start] : readStartTime(pid);
}

function listenForExits(): void {
  if (listening) return;
  process.on('SIGCHLD', onChildSignal);
  listening = true;
}

function envStrings(env: Record<string, string>): string[] {
  const envp: string[] = [];
  for (const key in env) envp.push(`${key}=${env[key]}`);
  return envp;
}

/** A fd in `fds` that a dup2 would overwrite before it is copied: the addon cannot start such a child. */
function overlaps(fds: number[]): boolean {
  return fds.some((fd) => fd >= 0 && fd < fds.length);
}

/** The handle of a child started here: its exit, reaped by onChildSignal, goes to the one onExit callback. */
function handleOf(pid: number, startTime: number | null): ChildHandle {
  let exitCb: ExitCb | undefined;
  let ended: [number | null, string | null] | undefined;
  waiting.set(pid, (code, signal) => {
    ended = [code, signal];
    exitCb?.(code, signal);
  });
  return {
    pid,
    startTime,
    onExit(cb) {
      exitCb = cb;
      if (ended) cb(ended[0], ended[1]);
    },
  };
}

/**
 * Starts `file` (already resolved to a path) with posix_spawn, or returns null when this path cannot
 * (no addon, an fd that would be overwritten, or any error: Node's spawn then starts it and reports
 * the error the usual way).
 */
export function fastSpawn(
  file: string,
  argv: string[],
  env: Record<string, string>,
  cwd: string,
  fds: number[],
): ChildHandle | null {
  const n = load();
  if (!n || overlaps(fds)) return null;
  listenForExits();
  let pid: number;
  try {
    pid = n.spawn(file, argv, envStrings(env), cwd, fds);
  } catch {
    return null;
  }
  return handleOf(pid, startTimeOf(n, pid));
}

export interface FastSpawnJob {
  file: string;
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  fds: number[];
}

/**
 * How many threads a batch starts its children from. posix_spawn waits for each child's exec; on a busy
 * 2-core machine 200 sleeps took 4.9-6.4 ms each from one thread, 3.8-4.7 ms from four, no better from eight.
 */
const SPAWN_THREADS = 4;

/**
 * fastSpawn for many at once: the children started together from a few threads (native spawnMany). Each
 * answer is a handle, or null where fastSpawn would have answered null (the caller starts that one
 * another way and reports its error). Every child started has its handle: none is left unwatched.
 */
export function fastSpawnMany(jobs: FastSpawnJob[]): Array<ChildHandle | null> {
  const n = load();
  const out: Array<ChildHandle | null> = jobs.map(() => null);
  if (!n || !n.spawnMany) return out;
  const todo = jobs.flatMap((j, i) => (overlaps(j.fds) ? [] : [i]));
  if (todo.length === 0) return out;
  listenForExits();
  let pids: Int32Array;
  try {
    pids = n.spawnMany(todo.map((i) => [jobs[i].file, jobs[i].argv, envStrings(jobs[i].env), jobs[i].cwd, jobs[i].fds]), SPAWN_THREADS);
  } catch {
    // refused before any child was started (an argument it cannot copy): each goes the other way
    return out;
  }
  // their start times in one read of /proc, not one call per child
  const started = todo.flatMap((_, k) => (pids[k] > 0 ? [pids[k]] : []));
  const rows = started.length > 0 ? n.procStatsOf(Int32Array.from(started)) : new Float64Array(0);
  const startTimes = new Map<number, number>();
  for (let r = 0; r + PROC_STRIDE <= rows.length; r += PROC_STRIDE) startTimes.set(rows[r + PF.pid], rows[r + PF.start]);
  todo.forEach((i, k) => {
    const pid = pids[k];
    if (pid > 0) out[i] = handleOf(pid, startTimes.get(pid) ?? readStartTime(pid));
  });
  return out;
}
