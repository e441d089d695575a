// `sentinel logs NAME --follow`: new complete lines as they are appended. The follower keeps its
// place as a stream offset (see log-index.ts), so a rotation that shortens the file moves
// nothing: bytes it had not read yet are read from the rotated file, none twice. A clear (new
// index epoch) restarts it at the beginning of the emptied file.
import fs from 'node:fs';
import { createGunzip } from 'node:zlib';
import { indexPath, logPaths, type LogStream } from './paths.js';
import { applyIndexText, readIndex, type LogIndex } from './log-index.js';
import { readLayout } from './segments.js';
import { MAX_LINE_BYTES } from './read-backward.js';
import { selectStreams, type StreamChoice } from './read.js';

export interface FollowOptions {
  stream?: StreamChoice;
  signal: AbortSignal;
  /** fallback poll interval when no file event arrives (default 250 ms) */
  pollMs?: number;
}

export interface FollowedLine {
  stream: LogStream;
  line: string;
  /** epoch ms the follower read the line */
  time: number;
}

const READ_LIMIT = 1 << 20;

/** Yields lines appended from now on until `signal` aborts. */
export async function* followLogs(logsDir: string, name: string, options: FollowOptions): AsyncGenerator<FollowedLine> {
  const files = logPaths(logsDir, name);
  const followers = selectStreams(options.stream).map((s) => new StreamFollower(files[s], s));
  const waker = createWaker(
    followers.map((f) => f.file),
    options.pollMs ?? 250,
    options.signal,
  );
  try {
    while (!options.signal.aborted) {
      let more = false;
      for (const f of followers) {
        const { lines, more: fMore } = await f.poll();
        more ||= fMore;
        for (const line of lines) {
          if (options.signal.aborted) return;
          yield line;
        }
      }
      if (!more) await waker.wait();
    }
  } finally {
    waker.close();
  }
}

export class StreamFollower {
  private index: LogIndex | null = null;
  private idxIno: number | null = null;
  private idxPos = 0;
  /** where the current file starts when there is no index (nothing rotates it then) */
  private baseWithoutIndex = 0;
  /** stream offset of the next byte to read; -1 until known (a rotation was in progress) */
  private pos = -1;
  private partial: Buffer[] = [];
  private partialLen = 0;

  /** `since` (epoch ms): start at what was written from then on, as far as the index tells; else at the end. */
  constructor(
    readonly file: string,
    private readonly stream: LogStream,
    since?: number,
  ) {
    this.syncIndex();
    if (since === undefined) this.placeAtEnd();
    else this.placeAt(since);
  }

  /** Starts after the last byte the index saw before `since` (at the oldest byte kept when it saw none). */
  private placeAt(since: number): void {
    if (this.index?.pending) return;
    const layout = readLayout(this.file);
    const current = layout.segments[layout.segments.length - 1];
    this.baseWithoutIndex = current.start;
    const index = layout.index;
    let pos = layout.segments[0].start;
    for (let i = 0; index && i < index.times.length && index.times[i] < since; i++) pos = index.offsets[i];
    this.pos = Math.min(Math.max(pos, layout.segments[0].start), layout.end);
  }

  /** Starts at the current end, once no rotation is half done. */
  private placeAtEnd(): void {
    if (this.index?.pending) return;
    const layout = readLayout(this.file);
    this.baseWithoutIndex = layout.segments[layout.segments.length - 1].start;
    this.pos = this.index ? this.index.base + (layout.end - layout.segments[layout.segments.length - 1].start) : layout.end;
  }

  /** Reads what is new; `more` says it stopped at its read limit. */
  async poll(): Promise<{ lines: FollowedLine[]; more: boolean }> {
    this.syncIndex();
    if (this.index?.pending) return { lines: [], more: false };
    if (this.pos < 0) {
      this.placeAtEnd();
      return { lines: [], more: false };
    }
    const base = this.currentBase();
    let data: Buffer;
    let more = false;
    if (this.pos >= base) {
      const size = sizeOf(this.file);
      if (size < this.pos - base) {
        // truncated by someone who keeps no index: start over at its beginning
        this.pos = base;
        this.resetPartial();
      }
      const want = Math.min(READ_LIMIT, size - (this.pos - base));
      if (want <= 0) return { lines: [], more: false };
      data = readAt(this.file, this.pos - base, want);
      more = want === READ_LIMIT;
    } else {
      data = await this.readRotated();
      more = true;
    }
    // a rotation or clear while we read makes the bytes suspect: drop them and read again
    if (this.syncIndex()) return { lines: [], more: true };
    this.pos += data.length;
    return { lines: this.splitLines(data), more };
  }

  /** Reads the bytes at `pos` that a rotation has already moved out of the current file. */
  private async readRotated(): Promise<Buffer> {
    const layout = readLayout(this.file);
    const seg = layout.segments.find((s) => s.start <= this.pos && this.pos < s.start + s.size);
    if (!seg) {
      // dropped by rotation before we could read it: go on from the oldest byte still kept
      this.pos = layout.segments[0].start;
      this.resetPartial();
      return Buffer.alloc(0);
    }
    if (!seg.gz) return readAt(seg.path, this.pos - seg.start, Math.min(READ_LIMIT, seg.start + seg.size - this.pos));
    const chunks: Buffer[] = [];
    let at = seg.start;
    const raw = fs.createReadStream(seg.path);
    try {
      for await (const chunk of raw.pipe(createGunzip()) as AsyncIterable<Buffer>) {
        if (at + chunk.length > this.pos) chunks.push(chunk.subarray(Math.max(0, this.pos - at)));
        at += chunk.length;
      }
    } finally {
      raw.destroy();
    }
    return Buffer.concat(chunks);
  }

  /** Applies index changes; true when the base, a pending rotation or the epoch changed. */
  private syncIndex(): boolean {
    let st: fs.Stats;
    try {
      st = fs.statSync(indexPath(this.file));
    } catch {
      if (this.idxIno === null) return false;
      // purged or cleared without a new index
      this.idxIno = null;
      this.index = null;
      this.baseWithoutIndex = 0;
      this.restart(0);
      return true;
    }
    if (st.ino !== this.idxIno) {
      const fresh = readIndex(this.file);
      if (!fresh) return false;
      const cleared = this.idxIno !== null && fresh.epoch !== this.index?.epoch;
      this.idxIno = st.ino;
      this.idxPos = st.size;
      this.index = fresh;
      if (cleared) this.restart(fresh.base);
      return true;
    }
    if (st.size <= this.idxPos || !this.index) return false;
    const text = readAt(indexPath(this.file), this.idxPos, st.size - this.idxPos).toString('utf8');
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    this.idxPos += Buffer.byteLength(complete);
    const before = { base: this.index.base, pending: this.index.pending };
    applyIndexText(this.index, complete);
    this.index.times.length = 0;
    this.index.offsets.length = 0;
    return before.base !== this.index.base || before.pending !== this.index.pending;
  }

  private currentBase(): number {
    return this.index ? this.index.base : this.baseWithoutIndex;
  }

  private restart(pos: number): void {
    this.pos = pos;
    this.resetPartial();
  }

  private resetPartial(): void {
    this.partial = [];
    this.partialLen = 0;
  }

  private splitLines(data: Buffer): FollowedLine[] {
    const lines: FollowedLine[] = [];
    const time = Date.now();
    let from = 0;
    for (let nl = data.indexOf(10); nl >= 0; nl = data.indexOf(10, from)) {
      const piece = data.subarray(from, nl);
      const bytes = this.partialLen > 0 ? Buffer.concat([...this.partial, piece]) : piece;
      lines.push({ stream: this.stream, line: bytes.toString('utf8'), time });
      this.resetPartial();
      from = nl + 1;
    }
    if (from < data.length) {
      this.partial.push(Buffer.from(data.subarray(from)));
      this.partialLen += data.length - from;
      if (this.partialLen >= MAX_LINE_BYTES) {
        // an over-long line is handed out in pieces rather than held without bound
        lines.push({ stream: this.stream, line: Buffer.concat(this.partial).toString('utf8'), time });
        this.resetPartial();
      }
    }
    return lines;
  }
}

/** Resolves `wait()` on a file event, after `pollMs`, or on abort — whichever comes first. */
export function createWaker(files: string[], pollMs: number, signal: AbortSignal): { wait(): Promise<void>; close(): void } {
  let dirty = false;
  let wake: (() => void) | null = null;
  const trigger = (): void => {
    dirty = true;
    wake?.();
  };
  const watchers = files.flatMap((file) => {
    try {
      const w = fs.watch(file, { persistent: false }, trigger);
      w.on('error', () => undefined);
      return [w];
    } catch {
      return [];
    }
  });
  signal.addEventListener('abort', trigger);
  return {
    wait: () => {
      if (dirty || signal.aborted) {
        dirty = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          wake = null;
          dirty = false;
          resolve();
        };
        const timer = setTimeout(done, pollMs);
        wake = done;
      });
    },
    close: () => {
      for (const w of watchers) w.close();
      signal.removeEventListener('abort', trigger);
    },
  };
}

function readAt(file: string, position: number, length: number): Buffer {
  if (length <= 0) return Buffer.alloc(0);
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(length);
    const n = fs.readSync(fd, buf, 0, length, position);
    return buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
