// Lossless size-based rotation of log files that children write to directly.
//
// Design. A child's stdout/stderr are O_APPEND descriptors of NAME.stdout.log / .stderr.log that
// the daemon opens and hands over at spawn (openLogFds). The child writes straight to disk: the
// daemon copies no byte (no CPU per byte) and a daemon SIGKILL loses nothing, the child keeps
// logging. The daemon rotates a file that grew past its limit without touching the child:
//   1. copy the block-aligned prefix [0, N) (N = a multiple of the filesystem block size, below
//      the size) into NAME.stdout.log.1 (split in several files if far over the limit), after
//      shifting .1 → .2 … (the oldest beyond `keep` dropped; .2 and up optionally gzipped);
//   2. `fallocate --collapse-range --offset 0 --length N FILE` removes that prefix in place: the
//      child's appends continue at the end of the same inode, so nothing is lost or doubled. A
//      line may straddle the boundary; readers join the rotated file and the current one.
// Where collapse-range is not supported (tmpfs, some filesystems: EOPNOTSUPP/EINVAL), it falls
// back to copy + truncate, which can lose what the child writes during the copy: the result
// says `lossless: false` so the caller can warn. Each step is recorded in the sidecar index
// (log-index.ts): `rot` before the collapse and `base` after, so readers, followers and a
// restarted daemon know where the current file starts in the stream.
import fs from 'node:fs';
import { execFile } from 'node:child_process';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { listRotated, listRotationTemps, rotatedPath } from './paths.js';
import { appendIndex, emptyIndex, readIndex, writeIndex, type LogIndex } from './log-index.js';
import { segmentSize } from './segments.js';

export interface RotateLimits {
  /** rotate once the current file reaches this many bytes */
  maxBytes: number;
  /** how many rotated files to keep (0: drop the rotated bytes) */
  keep: number;
  /** gzip rotated files .2 and older */
  compress?: boolean;
}

export interface RotateResult {
  rotated: boolean;
  /** false when the copy + truncate fallback ran: a few lines may have been lost */
  lossless: boolean;
}

const COPY_CHUNK = 1 << 20;
const noCollapse = new Set<number>();

/** Rotates `file` when it is over `maxBytes`; reads and updates its index on disk. */
export async function rotateIfNeeded(file: string, limits: RotateLimits): Promise<RotateResult> {
  const index = loadIndexForRotation(file);
  await recoverPendingRotation(file, index);
  return rotateWithIndex(file, limits, index);
}

/**
 * The index a rotator starts from: the one on disk, or a fresh one placed after the rotated files (clears
 * leftover temps). `listing`: the directory's entries when the caller has them (a thousand processes
 * starting at once would otherwise list a directory of thousands of files each, twice).
 */
export function loadIndexForRotation(file: string, listing?: string[]): LogIndex {
  for (const tmp of listRotationTemps(file, listing)) fs.rmSync(tmp, { force: true });
  const index = readIndex(file);
  if (index) return index;
  return emptyIndex(listRotated(file, listing).reduce((sum, r) => sum + segmentSize(r.path, r.gz), 0));
}

/** Rotation with an index the caller keeps in memory (the LogRotator); `index.base` is updated. */
export async function rotateWithIndex(file: string, limits: RotateLimits, index: LogIndex): Promise<RotateResult> {
  const st = statOrNull(file);
  if (!st || st.size < Math.max(1, limits.maxBytes)) return { rotated: false, lossless: true };
  const blockSize = fs.statfsSync(file).bsize || 4096;
  // collapse-range needs a block multiple strictly inside the file
  const n = noCollapse.has(st.dev) ? st.size : Math.floor((st.size - 1) / blockSize) * blockSize;
  if (n === 0) return { rotated: false, lossless: true };
  const pieces = await copyPieces(file, n, limits);
  await shiftRotated(file, pieces.length, limits.keep);
  pieces.forEach((tmp, i) => fs.renameSync(tmp, rotatedPath(file, i + 1, false)));
  appendIndex(file, `rot ${n} ${index.base + n}\n`, index);
  index.pending = { len: n, newBase: index.base + n };
  const removed = await removePrefix(file, n, pieces.length > 0 ? rotatedPath(file, 1, false) : null, st.dev);
  index.base += removed.bytes;
  index.pending = null;
  finishIndex(file, index);
  if (limits.compress) await compressRotated(file);
  return { rotated: true, lossless: removed.lossless };
}

/**
 * After a daemon crash between `rot` and `base`, finds out whether the prefix was removed:
 * if the newest rotated file still matches the front of the current file, it was not.
 */
export async function recoverPendingRotation(file: string, index: LogIndex): Promise<void> {
  const pending = index.pending;
  if (!pending) return;
  const newest = rotatedPath(file, 1, false);
  const st = statOrNull(file);
  let done = true;
  if (st && fs.existsSync(newest) && st.size > pending.len) {
    const size = fs.statSync(newest).size;
    done = !(size <= pending.len && (await rangesEqual(newest, 0, file, pending.len - size, size)));
  }
  if (!done && st) {
    const removed = await removePrefix(file, pending.len, newest, st.dev);
    index.base = index.base + removed.bytes;
  } else {
    index.base = pending.newBase;
  }
  index.pending = null;
  appendIndex(file, `base ${index.base}\n`, index);
}

/** Copies [0, n) into at most `keep` temp files, newest bytes first, each 1–2 × maxBytes. */
async function copyPieces(file: string, n: number, limits: RotateLimits): Promise<string[]> {
  if (limits.keep <= 0) return [];
  const max = Math.max(1, limits.maxBytes);
  const natural = Math.max(1, Math.floor(n / max));
  // more than `keep` files' worth: keep the newest `keep` × maxBytes, the older bytes are dropped
  const count = Math.min(limits.keep, natural);
  const size = natural > limits.keep ? max : Math.ceil(n / count);
  const src = await fs.promises.open(file, 'r');
  const pieces: string[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const end = n - i * size;
      const tmp = `${file}.tmp-${process.pid}-${i + 1}`;
      pieces.push(tmp);
      await copyRange(src, Math.max(0, end - size), end, tmp, 'w');
    }
  } catch (err) {
    // a full disk (ENOSPC) stops the copy: nothing is left behind, the live file is untouched and the
    // next check tries again once there is room
    for (const tmp of pieces) fs.rmSync(tmp, { force: true });
    throw err;
  } finally {
    await src.close();
  }
  return pieces;
}

async function copyRange(src: fs.promises.FileHandle, from: number, to: number, dest: string, flags: 'w' | 'a'): Promise<number> {
  const out = await fs.promises.open(dest, flags, 0o640);
  const buf = Buffer.allocUnsafe(COPY_CHUNK);
  let pos = from;
  try {
    while (pos < to) {
      const { bytesRead } = await src.read(buf, 0, Math.min(COPY_CHUNK, to - pos), pos);
      if (bytesRead === 0) break;
      await out.write(buf, 0, bytesRead);
      pos += bytesRead;
    }
  } finally {
    await out.close();
  }
  return pos - from;
}

/** Renames .i → .i+k from the oldest down, dropping what would go past `keep`. */
async function shiftRotated(file: string, k: number, keep: number): Promise<void> {
  const existing = listRotated(file).reverse();
  for (const r of existing) {
    const target = r.index + k;
    if (target > keep) fs.rmSync(r.path, { force: true });
    else if (k > 0) fs.renameSync(r.path, rotatedPath(file, target, r.gz));
  }
  // a plain and a gz copy of the same index can both exist after a crash: drop leftovers
  for (const r of listRotated(file)) if (r.index > keep) fs.rmSync(r.path, { force: true });
}

/** Removes [0, n) from the live file: collapse-range, or copy the tail + truncate where unsupported. */
async function removePrefix(file: string, n: number, newest: string | null, dev: number): Promise<{ bytes: number; lossless: boolean }> {
  if (!noCollapse.has(dev)) {
    const err = await collapseRange(file, n);
    if (!err) return { bytes: n, lossless: true };
    // cleared while we copied: nothing left to remove
    if ((statOrNull(file)?.size ?? 0) <= n) return { bytes: 0, lossless: true };
    if (!/not supported|invalid argument|ENOENT/i.test(err)) throw new Error(`fallocate --collapse-range on ${file} failed: ${err}`);
    noCollapse.add(dev);
  }
  const src = await fs.promises.open(file, 'r+');
  try {
    // the bytes written since the copy go to the newest rotated file, then the window closes
    const size = (await src.stat()).size;
    const extra = newest ? await copyRange(src, n, size, newest, 'a') : Math.max(0, size - n);
    await src.truncate(0);
    return { bytes: n + extra, lossless: false };
  } finally {
    await src.close();
  }
}

function collapseRange(file: string, n: number): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('fallocate', ['--collapse-range', '--offset', '0', '--length', String(n), file], (err, _out, stderr) => {
      if (!err) resolve(null);
      else resolve(String(stderr || '').trim() || (err as NodeJS.ErrnoException).code?.toString() || err.message);
    });
  });
}

/** Records the new base; drops samples older than the oldest kept byte when there are any. */
function finishIndex(file: string, index: LogIndex): void {
  const disk = readIndex(file);
  const kept = listRotated(file).reduce((sum, r) => sum + segmentSize(r.path, r.gz), 0);
  const oldest = index.base - kept;
  if (disk && disk.epoch === index.epoch && disk.offsets.length > 0 && disk.offsets[0] < oldest) {
    const first = disk.offsets.findIndex((o) => o >= oldest);
    const from = first < 0 ? disk.offsets.length : first;
    writeIndex(file, { ...index, times: disk.times.slice(from), offsets: disk.offsets.slice(from) });
  } else {
    appendIndex(file, `base ${index.base}\n`, index);
  }
}

/** Gzips plain rotated files numbered 2 and up (write .gz aside, rename, then remove the plain one). */
async function compressRotated(file: string): Promise<void> {
  for (const r of listRotated(file)) {
    if (r.gz || r.index < 2) continue;
    const target = rotatedPath(file, r.index, true);
    const tmp = `${file}.tmp-${process.pid}-gz`;
    try {
      await pipeline(fs.createReadStream(r.path), createGzip(), fs.createWriteStream(tmp, { mode: 0o640 }));
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    fs.renameSync(tmp, target);
    fs.rmSync(r.path, { force: true });
  }
}

async function rangesEqual(a: string, aPos: number, b: string, bPos: number, len: number): Promise<boolean> {
  const fa = await fs.promises.open(a, 'r');
  const fb = await fs.promises.open(b, 'r');
  try {
    const ba = Buffer.allocUnsafe(COPY_CHUNK);
    const bb = Buffer.allocUnsafe(COPY_CHUNK);
    for (let done = 0; done < len; ) {
      const want = Math.min(COPY_CHUNK, len - done);
      const ra = await fa.read(ba, 0, want, aPos + done);
      const rb = await fb.read(bb, 0, want, bPos + done);
      if (ra.bytesRead !== want || rb.bytesRead !== want || !ba.subarray(0, want).equals(bb.subarray(0, want))) return false;
      done += want;
    }
    return true;
  } finally {
    await fa.close();
    await fb.close();
  }
}

function statOrNull(file: string): fs.Stats | null {
  try {
    return fs.statSync(file);
  } catch {
    return null;
  }
}

export { LogRotator, type RotatorOptions, type RotationEvent } from './log-rotator.js';
