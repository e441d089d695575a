// The daemon's one timer over all live log files: a stat per file per tick, a time sample in
// the index when a file grew, and a rotation when one is over its limit. No per-write work.
import fs from 'node:fs';
import { appendIndex, emptyIndex, type LogIndex } from './log-index.js';
import { loadIndexForRotation, recoverPendingRotation, rotateWithIndex, type RotateLimits } from './rotate.js';
import { clearFiles } from './clear.js';

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
}

interface WatchedFile {
  file: string;
  limits: RotateLimits;
  index: LogIndex;
  /** size at the last sample: a smaller size means the file was cleared behind our back */
  lastSize: number;
}

/** A busy file is checked again this soon after a rotation, so a flood cannot run far past the limit. */
const BURST_INTERVAL_MS = 100;

export class LogRotator {
  private readonly watched = new Map<string, WatchedFile[]>();
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<boolean> | null = null;

  constructor(private readonly options: RotatorOptions = {}) {
    this.intervalMs = Math.max(10, options.intervalMs ?? 1000);
  }

  /** Starts (or updates the limits of) the watch over a process's log files. */
  watch(name: string, files: string[], limits: RotateLimits): void {
    const previous = this.watched.get(name) ?? [];
    this.watched.set(
      name,
      files.map((file) => {
        const known = previous.find((w) => w.file === file);
        if (!known) return this.startWatching(file, limits);
        // the same object: a rotation in flight keeps updating the state we keep
        known.limits = limits;
        return known;
      }),
    );
    this.schedule(this.intervalMs);
  }

  unwatch(name: string): void {
    this.watched.delete(name);
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
    if (!this.running) {
      this.running = this.checkAll().finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  /** Stops the timer and waits for a rotation in progress. */
  async close(): Promise<void> {
    this.stopTimer();
    this.watched.clear();
    await this.running;
  }

  private startWatching(file: string, limits: RotateLimits): WatchedFile {
    let index: LogIndex;
    try {
      index = loadIndexForRotation(file);
    } catch (err) {
      // an unreadable index must not stop the process from starting: report, rotate without it
      this.options.onError?.(err, file);
      index = emptyIndex(0);
    }
    const last = index.offsets.length > 0 ? index.offsets[index.offsets.length - 1] - index.base : 0;
    return { file, limits, index: stripSamples(index), lastSize: Math.max(0, last) };
  }

  private async checkAll(): Promise<boolean> {
    let rotated = false;
    for (const [name, files] of this.watched) {
      for (const w of files) {
        try {
          if (await this.checkFile(name, w)) rotated = true;
        } catch (err) {
          this.options.onError?.(err, w.file);
        }
      }
    }
    return rotated;
  }

  private async checkFile(name: string, w: WatchedFile): Promise<boolean> {
    const size = sizeOf(w.file);
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

  private schedule(delay: number): void {
    if (this.timer || this.watched.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.tick().then((rotated) => this.schedule(rotated ? Math.min(BURST_INTERVAL_MS, this.intervalMs) : this.intervalMs));
    }, delay);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
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
