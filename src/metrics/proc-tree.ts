// Tree-wide memory and CPU from /proc, in ONE pass per sample: read every /proc/PID/stat
// once, build the parent map, then sum each root's descendants. (Per-process reads of
// status/statm/children for each managed process is what made other supervisors burn a core.)
import fs from 'node:fs';
import { nativeAddon, PF, PROC_STRIDE } from '../core/native.js';
import { listProc } from '../core/proc.js';

/** USER_HZ: the unit of the tick fields in /proc/PID/stat; fixed at 100 by the Linux ABI. */
export const CLOCK_TICKS_PER_SECOND = 100;

export interface ProcStat {
  pid: number;
  ppid: number;
  /** R, S, D, T (stopped), t (traced), Z (zombie), ... */
  state: string;
  /** utime + stime + cutime + cstime: own CPU plus that of reaped children, so a child's exit does not lose ticks. */
  cpuTicks: number;
  /** Clock ticks after boot; with the pid it identifies one process across pid reuse. */
  startTime: number;
  rssBytes: number;
}

export interface TreeSample {
  pids: number[];
  rssBytes: number;
  cpuTicks: number;
}

const statBuf = Buffer.allocUnsafe(4096);
let pageSize = 0;

/** The kernel page size, learned once from our own RSS in pages (stat) and in kB (status). */
export function getPageSize(): number {
  if (pageSize) return pageSize;
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'latin1'))?.[1]);
    const pages = Number(fs.readFileSync('/proc/self/statm', 'latin1').split(' ')[1]);
    const ratio = (kb * 1024) / pages;
    pageSize = 2 ** Math.round(Math.log2(ratio));
    if (!Number.isFinite(pageSize) || pageSize < 4096) pageSize = 4096;
  } catch {
    pageSize = 4096;
  }
  return pageSize;
}

/** Reads /proc/PID/stat into the shared buffer; returns the byte count, 0 when the process is gone. */
function readStatBytes(pid: number | string): number {
  let fd: number;
  try {
    fd = fs.openSync(`/proc/${pid}/stat`, 'r');
  } catch {
    return 0;
  }
  try {
    return fs.readSync(fd, statBuf, 0, statBuf.length, 0);
  } catch {
    return 0;
  } finally {
    fs.closeSync(fd);
  }
}

// Field numbers (1-based, as in proc(5)) that we keep.
const F_PPID = 4;
const F_UTIME = 14;
const F_CSTIME = 17;
const F_START = 22;
const F_RSS = 24;

/**
 * Parses one /proc/PID/stat line straight from bytes (no string splitting: this runs for every
 * process on the machine each sample). The command name may hold spaces and parens, so fields
 * count from the last ')'.
 */
function parseStatBytes(buf: Buffer, length: number): ProcStat | null {
  let close = length - 1;
  while (close > 0 && buf[close] !== 0x29) close--;
  if (close <= 0 || close + 2 >= length) return null;
  let pid = 0;
  for (let i = 0; i < close && buf[i] >= 48 && buf[i] <= 57; i++) pid = pid * 10 + buf[i] - 48;
  const state = String.fromCharCode(buf[close + 2]);
  let field = 3;
  let value = 0;
  let ppid = 0;
  let cpuTicks = 0;
  let startTime = 0;
  let i = close + 4;
  for (; i <= length && field < F_RSS; i++) {
    const b = i < length ? buf[i] : 0x20;
    if (b >= 48 && b <= 57) {
      value = value * 10 + b - 48;
      continue;
    }
    if (b !== 0x20 && b !== 0x0a) continue; // a '-' sign: the fields we read are never negative
    field++;
    if (field === F_PPID) ppid = value;
    else if (field >= F_UTIME && field <= F_CSTIME) cpuTicks += value;
    else if (field === F_START) startTime = value;
    else if (field === F_RSS) break;
    value = 0;
  }
  if (field !== F_RSS) return null;
  return { pid, ppid, state, cpuTicks, startTime, rssBytes: value * getPageSize() };
}

/** Parses one /proc/PID/stat line. */
export function parseStat(text: string): ProcStat | null {
  const buf = Buffer.from(text, 'latin1');
  return parseStatBytes(buf, buf.length);
}

export function readStat(pid: number): ProcStat | null {
  const n = readStatBytes(pid);
  return n > 0 ? parseStatBytes(statBuf, n) : null;
}

/** The one-letter state, or null when gone. 'T' means stopped (SIGSTOP), 'Z' a zombie. */
export function readProcState(pid: number): string | null {
  return readStat(pid)?.state ?? null;
}

/** A zombie still answers kill(pid, 0); treat it as gone. */
export function isZombie(pid: number): boolean {
  return readProcState(pid) === 'Z';
}

/** The native addon's rows (PROC_STRIDE numbers per process) as stats by pid. */
export function statsOfRows(rows: Float64Array): Map<number, ProcStat> {
  const all = new Map<number, ProcStat>();
  const page = getPageSize();
  for (let r = 0; r < rows.length; r += PROC_STRIDE) {
    all.set(rows[r + PF.pid], {
      pid: rows[r + PF.pid], ppid: rows[r + PF.ppid], state: String.fromCharCode(rows[r + PF.state]),
      cpuTicks: rows[r + PF.utime] + rows[r + PF.stime] + rows[r + PF.cutime] + rows[r + PF.cstime],
      startTime: rows[r + PF.start], rssBytes: rows[r + PF.rss] * page,
    });
  }
  return all;
}

/** Reads every process's stat once. */
export function scanProcesses(): Map<number, ProcStat> {
  const rows = nativeAddon()?.procStats();
  if (rows) return statsOfRows(rows);
  const all = new Map<number, ProcStat>();
  const listed = listProc();
  for (let i = 0; i < listed.length; i += 2) {
    const stat = readStat(listed[i]!);
    if (stat) all.set(stat.pid, stat);
  }
  return all;
}

/**
 * The stats of the given pids that are still there, by pid: one native call for all of them when the
 * addon has it, else a read of each one's /proc/PID/stat.
 */
export function readStatsOf(pids: readonly number[]): Map<number, ProcStat> {
  const addon = nativeAddon();
  if (addon && typeof addon.procStatsOf === 'function') return statsOfRows(addon.procStatsOf(Int32Array.from(pids)));
  const out = new Map<number, ProcStat>();
  for (const pid of pids) {
    const st = readStat(pid);
    if (st) out.set(pid, st);
  }
  return out;
}

/** Sums each root's tree (the root and all descendants) from one /proc scan. Roots that are gone are absent. */
export function sampleTrees(rootPids: number[], scan: Map<number, ProcStat> = scanProcesses()): Map<number, TreeSample> {
  const children = new Map<number, number[]>();
  for (const stat of scan.values()) {
    const list = children.get(stat.ppid);
    if (list) list.push(stat.pid);
    else children.set(stat.ppid, [stat.pid]);
  }
  const result = new Map<number, TreeSample>();
  for (const root of rootPids) {
    if (!scan.has(root)) continue;
    const sample: TreeSample = { pids: [], rssBytes: 0, cpuTicks: 0 };
    const stack = [root];
    while (stack.length > 0) {
      const pid = stack.pop()!;
      const stat = scan.get(pid)!;
      sample.pids.push(pid);
      sample.rssBytes += stat.rssBytes;
      sample.cpuTicks += stat.cpuTicks;
      const kids = children.get(pid);
      if (kids) stack.push(...kids);
    }
    result.set(root, sample);
  }
  return result;
}
