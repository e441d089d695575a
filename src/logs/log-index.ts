// The sidecar index `NAME.stdout.log.idx`: maps byte offsets of a stream to the time they were
// first seen, and records where the current file starts in the stream, across rotations.
//
// Text, append-only between rewrites, one record a line:
//   # sentinel-log-index v1 epoch=<hex>   header; a new epoch means the log was cleared
//   base <offset>                         the stream offset of byte 0 of the current file
//   rot <len> <newBase>                   a rotation is removing <len> bytes from the front
//   <epochMs> <offset>                    by <epochMs>, <offset> bytes had been written in all
// Offsets count every byte ever written to the stream since the last clear, so they survive
// rotations and daemon restarts. Times have the resolution of the rotator's check interval.
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { indexPath } from './paths.js';

export interface PendingRotation {
  len: number;
  newBase: number;
}

export interface LogIndex {
  epoch: string;
  base: number;
  pending: PendingRotation | null;
  times: number[];
  offsets: number[];
}

/**
 * 48 random bits in hex. From randomUUID, which draws on a cached pool of random bytes: randomBytes made a
 * call into the system's generator per epoch, two per new process (0.14 s of a 1000-process up in the
 * daemon's profile). The first 12 hex digits of a UUID v4 are all random (its version digit is the 13th).
 */
export function newEpoch(): string {
  const uuid = randomUUID();
  return uuid.slice(0, 8) + uuid.slice(9, 13);
}

export function emptyIndex(base: number): LogIndex {
  return { epoch: newEpoch(), base, pending: null, times: [], offsets: [] };
}

/** Applies the records in `text` to `index` (used for whole files and for appended tails). */
export function applyIndexText(index: LogIndex, text: string): void {
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const parts = line.split(' ');
    if (parts[0] === '#') {
      const epoch = /epoch=([0-9a-f]+)/.exec(line);
      if (epoch) index.epoch = epoch[1];
    } else if (parts[0] === 'base') {
      index.base = Number(parts[1]);
      index.pending = null;
    } else if (parts[0] === 'rot') {
      index.pending = { len: Number(parts[1]), newBase: Number(parts[2]) };
    } else if (parts.length === 2) {
      const time = Number(parts[0]);
      const offset = Number(parts[1]);
      if (Number.isFinite(time) && Number.isFinite(offset)) {
        index.times.push(time);
        index.offsets.push(offset);
      }
    }
  }
}

/** Reads the index of a log file, or null when it has none. */
export function readIndex(file: string): LogIndex | null {
  const target = indexPath(file);
  // a new log has no index: asked first, without the ENOENT error (and its stack) readFileSync throws
  if (!fs.existsSync(target)) return null;
  let text: string;
  try {
    text = fs.readFileSync(target, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const index: LogIndex = { epoch: '', base: 0, pending: null, times: [], offsets: [] };
  applyIndexText(index, text);
  return index;
}

export function formatIndex(index: LogIndex): string {
  let text = `# sentinel-log-index v1 epoch=${index.epoch}\nbase ${index.base}\n`;
  for (let i = 0; i < index.times.length; i++) text += `${index.times[i]} ${index.offsets[i]}\n`;
  return text;
}

/** Replaces the index atomically (rename), so a reader sees the old or the new one, never half. */
export function writeIndex(file: string, index: LogIndex): void {
  const target = indexPath(file);
  const tmp = `${target}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, formatIndex(index), { mode: 0o640 });
  fs.renameSync(tmp, target);
}

/** Appends records; when the index is missing (cleared, first use) it is created from `index` first. */
export function appendIndex(file: string, records: string, index: LogIndex): void {
  const target = indexPath(file);
  let fd: number;
  try {
    fd = fs.openSync(target, fs.constants.O_WRONLY | fs.constants.O_APPEND);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    writeIndex(file, index);
    fd = fs.openSync(target, fs.constants.O_WRONLY | fs.constants.O_APPEND);
  }
  try {
    fs.writeSync(fd, records);
  } finally {
    fs.closeSync(fd);
  }
}

/** The time a line ending at stream offset `end` was first seen, or undefined if after the last sample. */
export function timeAtOffset(index: LogIndex | null, end: number): number | undefined {
  if (!index) return undefined;
  const offsets = index.offsets;
  let lo = 0;
  let hi = offsets.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (offsets[mid] >= end) hi = mid;
    else lo = mid + 1;
  }
  return lo < offsets.length ? index.times[lo] : undefined;
}
