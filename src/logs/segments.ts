// A log stream seen as one contiguous run of bytes: the rotated files (oldest first) and the
// current file, each placed at its stream offset using the index's base.
import fs from 'node:fs';
import { listRotated } from './paths.js';
import { readIndex, type LogIndex } from './log-index.js';

export interface Segment {
  path: string;
  gz: boolean;
  /** stream offset of the segment's first (uncompressed) byte */
  start: number;
  /** uncompressed size */
  size: number;
}

export interface StreamLayout {
  index: LogIndex | null;
  /** oldest first; the current file is last */
  segments: Segment[];
  /** stream offset just past the last byte written */
  end: number;
  /** mtime of the current file: the time of its last write */
  mtimeMs: number;
}

/** The uncompressed size of a gzip file, from its trailer (exact below 4 GiB). */
export function gzipUncompressedSize(file: string): number {
  const fd = fs.openSync(file, 'r');
  try {
    const { size } = fs.fstatSync(fd);
    if (size < 18) return 0;
    const trailer = Buffer.alloc(4);
    fs.readSync(fd, trailer, 0, 4, size - 4);
    return trailer.readUInt32LE(0);
  } finally {
    fs.closeSync(fd);
  }
}

export function segmentSize(path: string, gz: boolean): number {
  return gz ? gzipUncompressedSize(path) : fs.statSync(path).size;
}

/** Snapshot of a stream's files. Throws ENOENT if a rotation renames files under it (callers retry). */
export function readLayout(file: string): StreamLayout {
  const index = readIndex(file);
  let size = 0;
  let mtimeMs = 0;
  try {
    const st = fs.statSync(file);
    size = st.size;
    mtimeMs = st.mtimeMs;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const rotated = listRotated(file).map((r) => ({ ...r, size: segmentSize(r.path, r.gz) }));
  const base = index ? index.base : rotated.reduce((sum, r) => sum + r.size, 0);
  const segments: Segment[] = [{ path: file, gz: false, start: base, size }];
  let start = base;
  for (const r of rotated) {
    start -= r.size;
    segments.unshift({ path: r.path, gz: r.gz, start, size: r.size });
  }
  return { index, segments, end: base + size, mtimeMs };
}
