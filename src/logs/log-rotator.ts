// The daemon's one timer over all live log files: a stat per changed file per tick, a time sample in
// the index when a file grew, and a rotation when one is over its limit. Watch while idle, poll while
// busy: an idle log directory has an inotify watch and no timer at all; its first event closes the
// watch (a flood would otherwise cost a callback per write) and the directory is polled every tick until
// a tick finds nothing grown, when the watch is armed again. A slow sweep covers anything missed; while
// sweeps find nothing the watches missed, each waits twice as long as the last, up to SWEEP_BACKOFF times
// sweepMs (with 1000 processes a sweep is 2000 sizes, asked for in one call into the native addon: 12-28 ms
// of CPU where 2000 statSyncs took 58-103 ms on the same machine). A sweep is insurance, so it also
// waits long enough to keep within a CPU budget (sweepCpuBudget): with 1000 idle processes on a loaded
// 2-core machine a sweep took 100-180 ms of CPU, which every 30-60 s was most of the daemon's idle CPU.
import fs from 'node:fs';
import path from 'node:path';
import { appendIndex, emptyIndex, type LogIndex } from './log-index.js';
import { loadIndexForRotation, recoverPendingRotation, rotateWithIndex, type RotateLimits } from './rotate.js';
import { clearFiles } from './clear.js';
import { fileSizes } from '../core/native.js';

export interface RotationEvent {
  name: string;
  file: string;
  /** false: the copy + truncate fallback ran and a few lines may have been lost */
  lossless: boolean;
}

export interface RotatorOptions {
  /** how often sizes are checked; also the resolution of --since / --timestamps (default 1000) */
  intervalMs?: number;
  onRotate?: (event: RotationEvent) => void;
  onError?: (err: unknown, file: string) => void;
  now?: () => number;
  /**
   * every file is checked at least this often, changed or not (default 30000); while sweeps find nothing
   * the watches missed, up to SWEEP_BACKOFF times as long
   */
  sweepMs?: number;
  /**
   * The share of one core sweeps may take on average (default SWEEP_CPU_BUDGET): a sweep that cost more
   * than that allows at its wait puts the next one off further.
   */
  sweepCpuBudget?: number;
  /** The CPU the daemon has used, in ms (default process.cpuUsage's user + system; tests give their own). */
  cpuMs?: () => number;
  /** The sizes of files, -1 where one cannot be stat'ed (default fileSizes: one call into the addon; tests count calls). */
  sizesOf?: (files: readonly string[]) => ArrayLike<number>;
}

/** 0.05 % of a core: 2000 stats at 30 ms wait a minute, at 150 ms five. */
export const SWEEP_CPU_BUDGET = 0.0005;

interface WatchedFile {
  file: string;
  limits: RotateLimits;
  index: LogIndex;
  /** size at the last sample: a smaller size means the file was cleared behind our back */
  lastSize: number;
}

/** How far the sweep's wait grows while sweeps find nothing missed: 30 s becomes at most 4 min. */
export const SWEEP_BACKOFF = 8;

/** A busy file is checked again this soon after a rotation, so a flood cannot run far past the limit. */
const BURST_INTERVAL_MS = 100;

export class LogRotator {
  private readonly watched = new Map<string, WatchedFile[]>();
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | null = null;
  private timerDue = 0;
  private running: Promise<boolean> | null = null;
  /** files written to since their last check (from inotify) */
  private readonly dirty = new Set<string>();
  private readonly dirWatchers = new Map<string, fs.FSWatcher>();
  /** set when a directory cannot be watched: every file is then checked every tick */
  private pollAll = false;
  /** directories being written to: polled every tick, their watch closed */
  private readonly busyDirs = new Set<string>();
  private lastSweep = 0;
  private readonly listings = new Map<string, { at: number; entries: string[] }>();
  /** watched files by path (for samples), rebuilt after a watch changes */
  private byFile: Map<string, WatchedFile> | null = null;
  private readonly sweepMs: number;
  /** the wait between sweeps now: sweepMs, doubled after each sweep that found nothing missed */
  private sweepEveryMs: number;
  /** the wait the last sweep's CPU time asks for under the budget */
  private sweepCostMs = 0;

  constructor(private readonly options: RotatorOptions = {}) {
    this.intervalMs = Math.max(10, options.intervalMs ?? 1000);
    this.sweepMs = options.sweepMs ?? 30_000;
    this.sweepEveryMs = this.sweepMs;
  }

  /** One watch per idle directory of log files; its first event turns the directory to polling. */
  private watchDir(dir: string): void {
    if (this.dirWatchers.has(dir) || this.busyDirs.has(dir) || this.pollAll) return;
    try {
      const watcher = fs.watch(dir, { persistent: false }, () => {
        // busy now: poll this directory instead of taking an event per write
        watcher.close();
        this.dirWatchers.delete(dir);
        this.busyDirs.add(dir);
        this.schedule(this.intervalMs);
      });
      watcher.on('error', () => {
        this.pollAll = true;
      });
      this.dirWatchers.set(dir, watcher);
    } catch {
      this.pollAll = true;
    }
  }

  /** Starts (or updates the limits of) the watch over a process's log files. */
  watch(name: string, files: string[], limits: RotateLimits): void {
    const previous = this.watched.get(name) ?? [];
    this.watched.set(
      name,
      files.map((file) => {
        const known = previous.find((w) => w.file === file);
        this.watchDir(path.dirname(file));
        this.dirty.add(file);
        if (!known) return this.startWatching(file, limits);
        // the same object: a rotation in flight keeps updating the state we keep
        known.limits = limits;
        return known;
      }),
    );
    this.byFile = null;
    this.schedule(this.intervalMs);
  }

  /**
   * A time sample from whoever wrote the bytes (the log stamper), exact to its write. Left to the next
   * check while one is running: a rotation moves the offsets under it.
   */
  sample(file: string, time: number): void {
    if (!this.byFile) {
      this.byFile = new Map();
      for (const files of this.watched.values()) for (const w of files) this.byFile.set(w.file, w);
    }
    const w = this.byFile.get(file);
    if (!w) return;
    if (this.running || w.index.pending) {
      this.dirty.add(file);
      this.schedule(this.intervalMs);
      return;
    }
    const size = sizeOf(file);
    if (size <= w.lastSize) {
      // cleared behind our back (or nothing new): the next check starts again from the disk
      if (size < w.lastSize) this.dirty.add(file);
      return;
    }
    appendIndex(file, `${time} ${w.index.base + size}\n`, w.index);
    w.lastSize = size;
    if (size >= w.limits.maxBytes) {
      this.dirty.add(file);
      this.schedule(this.intervalMs);
    }
  }

  unwatch(name: string): void {
    this.watched.delete(name);
    this.byFile = null;
    if (this.watched.size === 0) this.stopTimer();
  }

  /** Clears a watched process's logs in step with rotations (prefer this to clearLogs while watched). */
  async clear(name: string): Promise<void> {
    await this.running;
    const files = this.watched.get(name) ?? [];
    clearFiles(files.map((w) => w.file));
    for (const w of files) {
      w.index = stripSamples(loadIndexForRotation(w.file));
      w.lastSize = 0;
    }
  }

  /** One check of every watched file; resolves when any rotation it started is done. */
  tick(): Promise<boolean> {
    return this.check(true);
  }

  /** The timer's check: only the files inotify saw change, and all of them every sweepMs. */
  private check(everything: boolean): Promise<boolean> {
    if (!this.running) {
      this.running = this.checkAll(everything).finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  /** Stops the timer and waits for a rotation in progress. */
  async close(): Promise<void> {
    this.stopTimer();
    this.watched.clear();
    this.byFile = null;
    for (const w of this.dirWatchers.values()) w.close();
    this.dirWatchers.clear();
    await this.running;
  }

  /**
   * A directory's entries, listed at most once a second for the files that start being watched: the
   * files a new watch looks for (rotation temps, rotated files) are made only by the rotation of a file
   * already watched, so a listing a second old is complete for one that is not yet.
   */
  private listing(dir: string): string[] | undefined {
    const now = Date.now();
    const known = this.listings.get(dir);
    if (known && now - known.at < 1000) return known.entries;
    try {
      const entries = fs.readdirSync(dir);
      this.listings.set(dir, { at: now, entries });
      return entries;
    } catch {
      return undefined;
    }
  }

  private startWatching(file: string, limits: RotateLimits): WatchedFile {
    let index: LogIndex;
    try {
      index = loadIndexForRotation(file, this.listing(path.dirname(file)));
    } catch (err) {
      // an unreadable index must not stop the process from starting: report, rotate without it
      this.options.onError?.(err, file);
      index = emptyIndex(0);
    }
    const last = index.offsets.length > 0 ? index.offsets[index.offsets.length - 1] - index.base : 0;
    return { file, limits, index: stripSamples(index), lastSize: Math.max(0, last) };
  }

  private async checkAll(everything: boolean): Promise<boolean> {
    let rotated = false;
    const now = Date.now();
    const sweep = everything || this.pollAll || now - this.lastSweep >= this.sweepWaitMs();
    if (sweep) this.lastSweep = now;
    const cpuMs = this.options.cpuMs ?? processCpuMs;
    const cpuBefore = sweep ? cpuMs() : 0;
    let missed = false;
    // events for files nobody watches (indexes, rotated files) are dropped with the rest
    const changed = new Set(this.dirty);
    this.dirty.clear();
    const stillBusy = new Set<string>();
    // what this check looks at, then all their sizes in one call (a sweep of 1000 processes is 2000 files)
    const toCheck: Array<{ name: string; w: WatchedFile; due: boolean; busy: string | null }> = [];
    for (const [name, files] of this.watched) {
      for (const w of files) {
        // an unchanged file over its limit (rotation still to finish) stays on the list
        const dir = path.dirname(w.file);
        const busy = this.busyDirs.has(dir);
        const due = busy || changed.has(w.file) || w.index.pending !== null || w.lastSize >= w.limits.maxBytes;
        if (sweep || due) toCheck.push({ name, w, due, busy: busy ? dir : null });
      }
    }
    const sizes = (this.options.sizesOf ?? fileSizes)(toCheck.map((c) => c.w.file));
    // the sizes hold until a rotation or a recovery waits on the disk: later files are stat'ed again
    let sizesFresh = true;
    for (let i = 0; i < toCheck.length; i++) {
      const { name, w, due, busy } = toCheck[i]!;
      const before = w.lastSize;
      try {
        const size = sizesFresh ? Math.max(0, sizes[i]!) : sizeOf(w.file);
        if (w.index.pending || size >= w.limits.maxBytes) sizesFresh = false;
        if (await this.checkFile(name, w, size)) rotated = true;
      } catch (err) {
        this.options.onError?.(err, w.file);
      }
      // only the sweep saw this file change: a watch missed it
      if (!due && w.lastSize !== before) missed = true;
      if (busy && (w.lastSize !== before || w.index.pending)) stillBusy.add(busy);
    }
    if (sweep) {
      this.sweepEveryMs = missed || this.pollAll ? this.sweepMs : Math.min(this.sweepEveryMs * 2, this.sweepMs * SWEEP_BACKOFF);
      const budget = this.options.sweepCpuBudget ?? SWEEP_CPU_BUDGET;
      // a file that cannot be watched is polled every tick whatever a sweep costs; a sweep that rotated
      // waited on the disk, and what ran meanwhile is not its cost
      this.sweepCostMs = budget > 0 && !this.pollAll && !rotated ? (cpuMs() - cpuBefore) / budget : 0;
    }
    for (const dir of [...this.busyDirs]) {
      if (stillBusy.has(dir)) continue;
      // quiet for a whole tick: watch again, and look once more at its files for a write that came
      // between this check and the new watch
      this.busyDirs.delete(dir);
      this.watchDir(dir);
      for (const files of this.watched.values()) for (const w of files) if (path.dirname(w.file) === dir) this.dirty.add(w.file);
    }
    return rotated;
  }

  /** A sample of one file at `size` (its size now), and its rotation when that is over the limit. */
  private async checkFile(name: string, w: WatchedFile, size: number): Promise<boolean> {
    if (size < w.lastSize) {
      // cleared or truncated by someone else: start again from what is on disk
      w.index = stripSamples(loadIndexForRotation(w.file));
    }
    if (size !== w.lastSize) {
      appendIndex(w.file, `${(this.options.now ?? Date.now)()} ${w.index.base + size}\n`, w.index);
      w.lastSize = size;
    }
    if (w.index.pending) await recoverPendingRotation(w.file, w.index);
    if (size < w.limits.maxBytes) return false;
    const baseBefore = w.index.base;
    const result = await rotateWithIndex(w.file, w.limits, w.index);
    // the last sample, in the coordinates of the shortened file
    w.lastSize -= w.index.base - baseBefore;
    if (result.rotated) this.options.onRotate?.({ name, file: w.file, lossless: result.lossless });
    return result.rotated;
  }

  /** Arms the one timer to fire within `delay` (an earlier due time wins). */
  private schedule(delay: number): void {
    if (this.watched.size === 0) return;
    const due = Date.now() + delay;
    if (this.timer && this.timerDue <= due) return;
    this.stopTimer();
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.check(false).then((rotated) => this.schedule(this.nextDelay(rotated)));
    }, delay);
    this.timer.unref();
  }

  /** Soon after a rotation; at the interval while files change (or cannot be watched); else at the sweep. */
  private nextDelay(rotated: boolean): number {
    if (rotated) return Math.min(BURST_INTERVAL_MS, this.intervalMs);
    if (this.pollAll || this.dirty.size > 0 || this.busyDirs.size > 0) return this.intervalMs;
    for (const files of this.watched.values()) {
      if (files.some((w) => w.index.pending || w.lastSize >= w.limits.maxBytes)) return this.intervalMs;
    }
    return Math.max(this.intervalMs, this.sweepWaitMs() - (Date.now() - this.lastSweep));
  }

  /** The wait between two sweeps: the back-off's, or longer when the last sweep cost more than the budget allows at it. */
  private sweepWaitMs(): number {
    return Math.max(this.sweepEveryMs, this.sweepCostMs);
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

function processCpuMs(): number {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
}

function stripSamples(index: LogIndex): LogIndex {
  return { ...index, times: [], offsets: [] };
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
