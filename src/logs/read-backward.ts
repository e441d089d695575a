// Reading a log stream from its end, newest line first, in bounded memory: plain files are read
// backwards in chunks; gzip files are inflated forwards keeping only the last lines needed.
import fs from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Segment } from './segments.js';

const CHUNK = 64 * 1024;
/** Longer lines are cut to their last this-many bytes, so a newline-free flood cannot exhaust memory. */
export const MAX_LINE_BYTES = 1 << 20;

/** A run of bytes between two newlines (or a segment edge); `lead` is the piece before the first newline. */
interface Part {
  bytes: Buffer;
  /** stream offset of the first byte */
  start: number;
  lead: boolean;
}

export interface BackwardLine {
  bytes: Buffer;
  /** stream offset just past the line's newline (or the stream end for a last, unterminated line) */
  end: number;
}

/**
 * Lines of the stream formed by `segments` (oldest first), newest first. A line that straddles
 * two files is joined. `budget.lines` bounds how many lines a gzip file must keep in memory.
 */
export async function* linesBackward(segments: Segment[], budget: { lines: number }): AsyncGenerator<BackwardLine> {
  let carry: Buffer[] = [];
  let carryLen = 0;
  let carryEnd = segments.length > 0 ? segments[segments.length - 1].start + segments[segments.length - 1].size : 0;
  let last = true;
  for (let s = segments.length - 1; s >= 0; s--) {
    for await (const part of partsBackward(segments[s], budget.lines + 2)) {
      if (part.lead) {
        if (carryLen < MAX_LINE_BYTES) {
          carry.unshift(part.bytes);
          carryLen += part.bytes.length;
        }
        continue;
      }
      const bytes = capLine(Buffer.concat([part.bytes, ...carry]));
      if (!(last && bytes.length === 0)) yield { bytes, end: carryEnd };
      last = false;
      carry = [];
      carryLen = 0;
      carryEnd = part.start;
    }
  }
  if (carryLen > 0) yield { bytes: capLine(Buffer.concat(carry)), end: carryEnd };
}

function capLine(bytes: Buffer): Buffer {
  return bytes.length > MAX_LINE_BYTES ? bytes.subarray(bytes.length - MAX_LINE_BYTES) : bytes;
}

function partsBackward(seg: Segment, keep: number): AsyncGenerator<Part> {
  return seg.gz ? gzipPartsBackward(seg, keep) : plainPartsBackward(seg);
}

async function* plainPartsBackward(seg: Segment): AsyncGenerator<Part> {
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(seg.path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && seg.size === 0) {
      yield { bytes: Buffer.alloc(0), start: seg.start, lead: true };
      return;
    }
    throw err;
  }
  try {
    let pos = seg.size;
    let rest = Buffer.alloc(0);
    while (pos > 0) {
      const len = Math.min(CHUNK, pos);
      pos -= len;
      const chunk = Buffer.allocUnsafe(len);
      const { bytesRead } = await fh.read(chunk, 0, len, pos);
      if (bytesRead !== len) throw Object.assign(new Error(`${seg.path} shrank while being read`), { code: 'ESHRANK' });
      // keep at most one over-long line's worth of unterminated bytes
      const buf = rest.length > MAX_LINE_BYTES ? chunk : Buffer.concat([chunk, rest]);
      let end = buf.length;
      for (let nl = buf.lastIndexOf(10, end - 1); nl >= 0; nl = buf.lastIndexOf(10, end - 1)) {
        yield { bytes: buf.subarray(nl + 1, end), start: seg.start + pos + nl + 1, lead: false };
        end = nl;
        if (end === 0) break;
      }
      rest = buf.subarray(0, end);
    }
    yield { bytes: rest, start: seg.start, lead: true };
  } finally {
    await fh.close();
  }
}

/** Inflates forwards keeping the lead and the last `keep` parts, then hands them out newest first. */
async function* gzipPartsBackward(seg: Segment, keep: number): AsyncGenerator<Part> {
  let lead: Part | null = null;
  const ring: Part[] = [];
  let dropped = false;
  let pending: Buffer[] = [];
  let pendingLen = 0;
  let pos = seg.start;
  let partStart = seg.start;
  const raw = fs.createReadStream(seg.path);
  const input = raw.pipe(createGunzip());
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let from = 0;
      for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, from)) {
        const piece = chunk.subarray(from, nl);
        const bytes = capLine(pendingLen > 0 ? Buffer.concat([...pending, piece]) : Buffer.from(piece));
        if (lead === null) lead = { bytes, start: partStart, lead: true };
        else {
          ring.push({ bytes, start: partStart, lead: false });
          if (ring.length > keep) {
            ring.shift();
            dropped = true;
          }
        }
        pending = [];
        pendingLen = 0;
        partStart = pos + nl + 1;
        from = nl + 1;
      }
      if (from < chunk.length && pendingLen <= MAX_LINE_BYTES) {
        pending.push(Buffer.from(chunk.subarray(from)));
        pendingLen += chunk.length - from;
      }
      pos += chunk.length;
    }
  } finally {
    raw.destroy();
  }
  const tail = capLine(Buffer.concat(pending));
  if (lead === null) {
    yield { bytes: tail, start: seg.start, lead: true };
    return;
  }
  yield { bytes: tail, start: partStart, lead: false };
  for (let i = ring.length - 1; i >= 0; i--) yield ring[i];
  // when lines were dropped the reader has all it asked for and stops before needing the lead
  if (!dropped) yield lead;
}
