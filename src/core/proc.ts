// Facts about live processes read from /proc: identity (PID + start time), state, the process tree.
import { readFileSync, readdirSync } from 'node:fs';
import { nativeAddon, PF, PROC_STRIDE, type NativeAddon } from './native.js';

export interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  pgid: number;
  sid: number;
  utime: number;
  stime: number;
  /** Start time in clock ticks since boot: with the PID, identifies a process uniquely. */
  startTime: number;
  rssPages: number;
}

export function parseStat(text: string): ProcStat | null {
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const pid = Number(text.slice(0, text.indexOf(' ')));
  const f = text.slice(close + 2).split(' ');
  return {
    pid, state: f[0], ppid: Number(f[1]), pgid: Number(f[2]), sid: Number(f[3]),
    utime: Number(f[11]), stime: Number(f[12]), startTime: Number(f[19]), rssPages: Number(f[21]),
  };
}

export function readStat(pid: number): ProcStat | null {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

export function readStartTime(pid: number): number | null {
  return readStat(pid)?.startTime ?? null;
}

/** Alive and not a zombie, and — when a start time is given — still the same process (no recycled PID). */
export function isAlive(pid: number, startTime?: number | null): boolean {
  const st = readStat(pid);
  if (!st || st.state === 'Z' || st.state === 'X') return false;
  return startTime == null || st.startTime === startTime;
}

/**
 * Every pid in /proc as [pid, inode of /proc/PID] pairs, the native procList's shape, so callers that
 * tell a reused pid by its inode and callers that want the pids alone share one listing. Without the
 * addon (or one built before procList) the inodes are 0: fs.readdir gives names only.
 */
export function listProc(addon: Pick<NativeAddon, 'procList'> | null = nativeAddon()): Float64Array {
  if (addon && typeof addon.procList === 'function') return addon.procList();
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const c = entry.charCodeAt(0);
    if (c >= 48 && c <= 57) pids.push(Number(entry), 0);
  }
  return Float64Array.from(pids);
}

export function readAllStats(): ProcStat[] {
  const rows = nativeAddon()?.procStats();
  if (rows) {
    const out: ProcStat[] = new Array(rows.length / PROC_STRIDE);
    for (let i = 0, r = 0; r < rows.length; i++, r += PROC_STRIDE) {
      out[i] = {
        pid: rows[r + PF.pid], state: String.fromCharCode(rows[r + PF.state]), ppid: rows[r + PF.ppid], pgid: rows[r + PF.pgid],
        sid: rows[r + PF.sid], utime: rows[r + PF.utime], stime: rows[r + PF.stime], startTime: rows[r + PF.start], rssPages: rows[r + PF.rss],
      };
    }
    return out;
  }
  const out: ProcStat[] = [];
  const listed = listProc();
  for (let i = 0; i < listed.length; i += 2) {
    const st = readStat(listed[i]!);
    if (st) out.push(st);
  }
  return out;
}

/** Every live process of a tree: descendants by parent link, plus members of its process group and session. */
export function collectTree(rootPid: number, stats: ProcStat[] = readAllStats()): ProcStat[] {
  return descendantsOf(stats.filter((s) => s.pid === rootPid || s.pgid === rootPid || s.sid === rootPid), stats);
}

/**
 * A snapshot's lookups, built once per snapshot (a /proc listing is never changed after it is read): a
 * thousand stops sharing one sweep each looked through all of it by pid, group, session and parent, a few
 * million steps a poll at a thousand processes.
 */
export interface StatIndex {
  byPid: Map<number, ProcStat>;
  byPgid: Map<number, ProcStat[]>;
  bySid: Map<number, ProcStat[]>;
  children: Map<number, ProcStat[]>;
  /** Filled on demand by callers that key processes by something of their own (kill-tree: run markers). */
  extra: Map<string, unknown>;
}

const indexes = new WeakMap<ProcStat[], StatIndex>();

function push<K>(map: Map<K, ProcStat[]>, key: K, st: ProcStat): void {
  const list = map.get(key);
  if (list) list.push(st); else map.set(key, [st]);
}

export function indexStats(stats: ProcStat[]): StatIndex {
  let idx = indexes.get(stats);
  if (idx) return idx;
  idx = { byPid: new Map(), byPgid: new Map(), bySid: new Map(), children: new Map(), extra: new Map() };
  for (const st of stats) {
    idx.byPid.set(st.pid, st);
    push(idx.byPgid, st.pgid, st);
    push(idx.bySid, st.sid, st);
    push(idx.children, st.ppid, st);
  }
  indexes.set(stats, idx);
  return idx;
}

/** The seeds and every live process below them by parent link (zombies left out), never through `except`. */
export function descendantsOf(seeds: ProcStat[], stats: ProcStat[], except?: ProcStat): ProcStat[] {
  const children = indexStats(stats).children;
  const found = new Map<number, ProcStat>();
  const queue = [...seeds];
  while (queue.length > 0) {
    const st = queue.pop()!;
    if (st === except || found.has(st.pid)) continue;
    found.set(st.pid, st);
    for (const child of children.get(st.pid) ?? []) queue.push(child);
  }
  return [...found.values()].filter((s) => s.state !== 'Z' && s.state !== 'X');
}

/**
 * The value of one variable in a process's environment as it was at exec (null when the process is gone,
 * unreadable, or lacks it). Inherited across fork, setsid and exec unless the program clears it.
 */
export function readEnvVar(pid: number, name: string): string | null {
  const block = readEnviron(pid);
  return block === null ? null : envVarIn(block, name);
}

/** A process's environment block (NUL-separated), null when it is gone or unreadable. */
export function readEnviron(pid: number): Buffer | null {
  try {
    return readFileSync(`/proc/${pid}/environ`);
  } catch {
    return null;
  }
}

/** One variable of an environment block, null when it lacks it. */
export function envVarIn(block: Buffer, name: string): string | null {
  // the value is decoded on its own: a slice of the whole block's text would keep the block alive as
  // long as the value is (the kill-tree's marker cache held a copy of every child's environment). One
  // search for "\0NAME=" over the block (and a check of its start) instead of a comparison per variable:
  // with a thousand processes to classify, the per-variable calls were most of the time.
  const wanted = Buffer.from(`${name}=`, 'latin1');
  let at = -1;
  if (block.length >= wanted.length && block.compare(wanted, 0, wanted.length, 0, wanted.length) === 0) at = 0;
  else {
    const found = block.indexOf(Buffer.concat([ZERO, wanted]));
    if (found >= 0) at = found + 1;
  }
  if (at < 0) return null;
  const end = block.indexOf(0, at);
  return block.toString('latin1', at + wanted.length, end < 0 ? block.length : end);
}

const ZERO = Buffer.alloc(1);
