// Feeds a stream's segments into one reused buffer and hands out its whole lines, block by block. One
// buffer for the whole search (grown only for a line longer than it) instead of a fresh Buffer per block:
// the fresh ones cost more in page faults than the search itself. The part of a line cut at a block's
// end stays at the front of the buffer, so a line (or a UTF-8 character) split across blocks or files is
// always handed out whole.
import fs from 'node:fs';
import zlib from 'node:zlib';
import type { Segment } from './segments.js';

// the bytes read at once: a block costs a read and, when it holds candidate lines, a timed vm call
export const READ_BLOCK = 4 * 1024 * 1024;
// gunzip's output chunks, copied into the buffer: small enough to be reused from cache, not page-faulted in
const GZIP_CHUNK = 256 * 1024;

export class LineBuffer {
  private buf = Buffer.allocUnsafe(READ_BLOCK);
  private len = 0;
  /** stream offset of the first byte held (the first line not handed out yet) */
  start = 0;

  reset(at: number): void {
    this.len = 0;
    this.start = at;
  }

  get pending(): number {
    return this.len;
  }

  /** The free tail to read into, at least READ_BLOCK/2 bytes (the buffer grows for a long line). */
  space(): Buffer {
    if (this.buf.length - this.len < READ_BLOCK / 2) {
      const bigger = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(bigger, 0, 0, this.len);
      this.buf = bigger;
    }
    return this.buf.subarray(this.len);
  }

  /** Records `n` bytes written into space(); true if they hold a newline (a whole line is ready). */
  filled(n: number): boolean {
    const had = this.len;
    this.len += n;
    return this.buf.subarray(had, this.len).lastIndexOf(10) >= 0;
  }

  /** The whole lines held (without the last newline); valid until consume(). */
  lines(): Buffer {
    const nl = this.buf.subarray(0, this.len).lastIndexOf(10);
    return this.buf.subarray(0, Math.max(nl, 0));
  }

  /** Drops `n` bytes handed out by lines() plus their newline; keeps the rest at the front. */
  consume(n: number): void {
    const drop = Math.min(n + 1, this.len);
    this.buf.copyWithin(0, drop, this.len);
    this.len -= drop;
    this.start += drop;
  }

  /** What is held, newline or not (the last line of a file still being written). */
  rest(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

/**
 * Reads a segment from `skipIn` (a byte position in it) up to `size` bytes into `lb`, calling `onLines`
 * each time a whole line is ready; stops early when it returns false. Gzip is decompressed on the way.
 */
export async function readSegment(seg: Segment, skipIn: number, lb: LineBuffer, onScanned: (n: number) => void, onLines: () => boolean): Promise<boolean> {
  let left = seg.size - skipIn;
  if (left <= 0) return true;
  if (!seg.gz) {
    const fh = await fs.promises.open(seg.path, 'r');
    try {
      let pos = skipIn;
      while (left > 0) {
        const space = lb.space();
        const { bytesRead } = await fh.read(space, 0, Math.min(space.length, left), pos);
        if (bytesRead === 0) break;
        pos += bytesRead;
        left -= bytesRead;
        onScanned(bytesRead);
        if (lb.filled(bytesRead) && !onLines()) return false;
      }
    } finally {
      await fh.close();
    }
    return true;
  }
  const raw = fs.createReadStream(seg.path, { highWaterMark: GZIP_CHUNK });
  let skip = skipIn;
  try {
    for await (const chunk of raw.pipe(zlib.createGunzip({ chunkSize: GZIP_CHUNK })) as AsyncIterable<Buffer>) {
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      // never past the size the layout saw
      let at = skip;
      const end = Math.min(chunk.length, at + left);
      skip = 0;
      while (at < end) {
        const space = lb.space();
        const n = chunk.copy(space, 0, at, end);
        at += n;
        left -= n;
        onScanned(n);
        if (lb.filled(n) && !onLines()) return false;
      }
      if (left <= 0) break;
    }
  } finally {
    raw.destroy();
  }
  return true;
}
