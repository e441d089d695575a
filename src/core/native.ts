// Sentinel's optional native addon (native/: posix_spawn for children, one-pass /proc reads), loaded once.
// Every user has a JavaScript fallback, so an install without a compiler runs the same, only slower:
// SENTINEL_NATIVE=0 turns the addon off (to compare, or to rule it out), SENTINEL_SPAWN=node only its spawn.
import { statSync } from 'node:fs';

export interface NativeAddon {
  spawn(file: string, argv: string[], envp: string[], cwd: string, fds: number[]): number;
  /**
   * spawn for each [file, argv, envp, cwd, fds], from `threads` threads: the pid of each, or -errno where
   * it failed. Missing from an addon built before it.
   */
  spawnMany?(jobs: Array<[string, string[], string[], string, number[]]>, threads: number): Int32Array;
  reap(pid: number): [number, number] | null;
  peek(): number;
  procStats(): Float64Array;
  /** [pid, inode of /proc/PID] pairs: the inode changes when a pid is reused. */
  procList(): Float64Array;
  procStatsOf(pids: Int32Array): Float64Array;
  /** Open file descriptors of each pid, -1 where one could not be read. */
  fdCounts(pids: Int32Array): Int32Array;
  /** Nanoseconds each pid has run (/proc/PID/schedstat), -1 where unreadable. Missing from an addon built before it. */
  runTimes?(pids: Int32Array): Float64Array;
  /**
   * One blocking request over a Unix socket: every byte read until its Content-Length is complete (or, without
   * one, until the peer closes). idleTimeoutMs bounds each
   * wait (0: none). Throws with `errno` and `syscall` set. Missing from an addon built before it (optional).
   */
  request?(socketPath: string, request: Buffer, idleTimeoutMs: number): Buffer;
  /** malloc_trim(0): true when some memory went back to the system. Missing from an addon built before it. */
  trimMalloc?(): boolean;
  /** The size of each of the paths joined by NUL, -1 where one could not be stat'ed. Missing from an addon built before it. */
  fileSizes?(joined: string): Float64Array;
}

/** Where node-gyp puts the addon, from src/core and dist/core alike. */
const ADDON = new URL('../../native/build/Release/sentinel_native.node', import.meta.url);

let addon: NativeAddon | null | undefined;

export function nativeAddon(): NativeAddon | null {
  if (addon !== undefined) return addon;
  addon = null;
  if (process.env.SENTINEL_NATIVE === '0') return null;
  try {
    // process.dlopen, not require(): require's path resolution and module record were 1.1 ms of a CLI call,
    // dlopen alone 0.5 ms (`sentinel list`, in-process medians of 30 runs on a 2-core machine). The addon is
    // context-aware (NAPI_MODULE_INIT), so a second load elsewhere in the process is harmless.
    const mod = { exports: {} as NativeAddon };
    process.dlopen(mod, ADDON.pathname);
    addon = mod.exports;
  } catch {
    addon = null; // not built (no compiler where it was installed): the JavaScript paths do the work
  }
  return addon;
}

/** How many numbers procStats gives per process, and where each is (native/proc.c's order). */
export const PROC_STRIDE = 11;
export const PF = { pid: 0, state: 1, ppid: 2, pgid: 3, sid: 4, utime: 5, stime: 6, cutime: 7, cstime: 8, start: 9, rss: 10 } as const;

/**
 * Hands the pages glibc keeps in its arenas after free() back to the system (native/mem.c); without the addon
 * (or without glibc) nothing happens: the memory is reused by later mallocs, only not returned.
 */
export function trimMalloc(): boolean {
  return nativeAddon()?.trimMalloc?.() ?? false;
}

/**
 * The size in bytes of each file, -1 where it could not be stat'ed (missing, not allowed): one call into the
 * addon for all of them (native/files.c), else a statSync each.
 */
export function fileSizes(files: readonly string[], addon: NativeAddon | null = nativeAddon()): ArrayLike<number> {
  if (files.length === 0) return [];
  // a NUL cannot be in a path (the system refuses one); it would split one path in two here
  if (addon && typeof addon.fileSizes === 'function' && !files.some((f) => f.includes('\0') || f === '')) return addon.fileSizes(files.join('\0'));
  return files.map(sizeOrMinusOne);
}

function sizeOrMinusOne(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return -1;
  }
}
