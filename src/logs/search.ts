// `sentinel logs --grep REGEX`: every line of the live and rotated (gzipped) files that matches, with its
// process, stream and time. Why it is fast and safe:
// - A block of ~1 MiB is searched with one regex pass (flags "gm") and only the lines holding a match are
//   checked again on their own; a line that matches by itself always holds the block's leftmost match at
//   or before its own, so skipping to the next line after each candidate misses nothing.
// - Every pass runs in a `vm` context with a timeout: a pattern that backtracks catastrophically is
//   stopped by V8 instead of hanging the daemon; the whole search also has a time budget, checked between
//   blocks, after which the hits found so far come back with a cursor to go on from.
// - Times come from the sidecar index (log-index.ts); a whole segment older than `since` is skipped
//   without being read or decompressed, and the scan of a stream ends at the first line after `until`.
// Hits come grouped by process and stream, oldest first (as grep over the files would list them).
import fs from 'node:fs';
import vm from 'node:vm';
import zlib from 'node:zlib';
import { SentinelError } from '../core/errors.js';
import { logPaths, type LogStream } from './paths.js';
import { timeAtOffset } from './log-index.js';
import { readLayout, type Segment, type StreamLayout } from './segments.js';

export interface SearchSource {
  /** the key of its log files ("web", "web:1") */
  key: string;
  /** how its hits are labelled */
  name: string;
}

export interface SearchHit {
  name: string;
  stream: LogStream;
  /** epoch ms the line was first seen (to the rotator's check interval) */
  time: number;
  line: string;
}

export interface SearchOptions {
  pattern: string;
  ignoreCase?: boolean;
  streams?: LogStream[];
  since?: number;
  until?: number;
  /** at most this many hits in one answer */
  limit: number;
  /** where the previous page stopped */
  cursor?: string;
  /** the whole search's time budget */
  budgetMs: number;
  /** longest line returned; longer ones are cut with "…" */
  maxLineBytes?: number;
  /** injectable clock for tests */
  now?: () => number;
}

export interface SearchResult {
  hits: SearchHit[];
  /** pass it back to get the next page; null when everything was searched */
  nextCursor: string | null;
  /** false when the time budget ran out before the end (nextCursor goes on from there) */
  complete: boolean;
  scannedBytes: number;
}

interface Cursor { source: number; stream: number; offset: number }

const BLOCK = 1024 * 1024;
const DEFAULT_MAX_LINE = 16 * 1024;

/** The pattern compiled twice: for whole blocks ("gm") and for one line. Bad syntax is a clear error. */
export function compilePattern(pattern: string, ignoreCase = false): { block: RegExp; line: RegExp } {
  const flags = ignoreCase ? 'i' : '';
  try {
    return { block: new RegExp(pattern, `${flags}gmu`), line: new RegExp(pattern, `${flags}u`) };
  } catch {
    try {
      // patterns written for grep -E may use escapes the u flag refuses (\-, \/): accept them without it
      return { block: new RegExp(pattern, `${flags}gm`), line: new RegExp(pattern, flags) };
    } catch (err) {
      throw new SentinelError('INVALID_PATTERN', `the pattern ${JSON.stringify(pattern)} is not a valid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}; fix it (JavaScript syntax, like grep -E), or escape special characters with \\`);
    }
  }
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.source}.${c.stream}.${c.offset}`).toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  const parts = Buffer.from(text, 'base64url').toString('utf8').split('.');
  const nums = parts.map(Number);
  if (parts.length !== 3 || nums.some((n) => !Number.isSafeInteger(n) || n < 0)) {
    throw new SentinelError('INVALID_ARGUMENT', `cursor ${JSON.stringify(text)} is not one this search returned; pass the nextCursor of the previous answer unchanged, or leave it out to start from the beginning`);
  }
  return { source: nums[0], stream: nums[1], offset: nums[2] };
}

// Runs inside the vm context: the char ranges [start, end) of the lines that match on their own.
const SCAN_SOURCE = `(() => {
  const out = [];
  block.lastIndex = 0;
  let m;
  while ((m = block.exec(text)) !== null) {
    const at = m.index;
    const start = at === 0 ? 0 : text.lastIndexOf('\\n', at - 1) + 1;
    let end = text.indexOf('\\n', at);
    if (end < 0) end = text.length;
    if (line.test(text.slice(start, end))) out.push(start, end);
    block.lastIndex = end + 1;
  }
  return out;
})()`;

class Scanner {
  private readonly context: vm.Context;
  private readonly script = new vm.Script(SCAN_SOURCE);

  constructor(
    patterns: { block: RegExp; line: RegExp },
    private readonly pattern: string,
  ) {
    // the regexes are recreated inside the context so its own RegExp runs them (under the timeout)
    this.context = vm.createContext({ text: '', block: null, line: null });
    vm.runInContext(`block = new RegExp(${JSON.stringify(patterns.block.source)}, ${JSON.stringify(patterns.block.flags)}); line = new RegExp(${JSON.stringify(patterns.line.source)}, ${JSON.stringify(patterns.line.flags)});`, this.context);
  }

  /** Line ranges (char indexes) that match; throws PATTERN_TOO_SLOW past `timeoutMs`. */
  scan(text: string, timeoutMs: number): number[] {
    this.context.text = text;
    try {
      return this.script.runInContext(this.context, { timeout: Math.max(1, Math.floor(timeoutMs)) }) as number[];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
        throw new SentinelError(
          'PATTERN_TOO_SLOW',
          `the pattern ${JSON.stringify(this.pattern)} took more than the search's time budget on one block of ${Math.round(text.length / 1024)} KiB of logs: it backtracks catastrophically (nested repetition such as (a+)+ or (.*)*); simplify it, or narrow the search with --since and process names`,
        );
      }
      throw err;
    } finally {
      this.context.text = '';
    }
  }
}

/** Bytes of one segment from `from` (a byte position in it), in blocks; gzip is decompressed on the way. */
async function* segmentBlocks(seg: Segment, from: number): AsyncGenerator<Buffer> {
  const raw = fs.createReadStream(seg.path, seg.gz ? { highWaterMark: BLOCK } : { highWaterMark: BLOCK, start: from });
  const input: AsyncIterable<Buffer> = seg.gz ? raw.pipe(zlib.createGunzip({ chunkSize: BLOCK })) : raw;
  let skip = seg.gz ? from : 0;
  try {
    for await (const chunk of input) {
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      yield skip > 0 ? chunk.subarray(skip) : chunk;
      skip = 0;
    }
  } finally {
    raw.destroy();
  }
}

function cut(line: string, maxBytes: number): string {
  if (line.length <= maxBytes / 4 || Buffer.byteLength(line) <= maxBytes) return line;
  return `${Buffer.from(line).subarray(0, maxBytes).toString('utf8').replace(/\uFFFD$/, '')}…`;
}

type Verdict = 'go' | 'full' | 'late';

interface StreamScan {
  source: number;
  stream: number;
  name: string;
  streamName: LogStream;
  file: string;
}

/** Searches `sources` (in order; each stream oldest first) and returns one page of hits. */
export async function searchLogs(logsDir: string, sources: SearchSource[], options: SearchOptions): Promise<SearchResult> {
  const now = options.now ?? Date.now;
  const deadline = now() + options.budgetMs;
  const scanner = new Scanner(compilePattern(options.pattern, options.ignoreCase), options.pattern);
  const streams = options.streams?.length ? options.streams : (['stdout', 'stderr'] as LogStream[]);
  const maxLine = options.maxLineBytes ?? DEFAULT_MAX_LINE;
  const start = options.cursor ? decodeCursor(options.cursor) : { source: 0, stream: 0, offset: 0 };
  const hits: SearchHit[] = [];
  const counter = { scannedBytes: 0 };
  // a block always gets a second at least, so a budget nearly spent is not taken for a catastrophic pattern
  const blockTimeout = () => Math.max(deadline - now(), Math.min(options.budgetMs, 1000));

  for (let s = start.source; s < sources.length; s++) {
    for (let t = s === start.source ? start.stream : 0; t < streams.length; t++) {
      let from = s === start.source && t === start.stream ? start.offset : 0;
      if (now() >= deadline) return { hits, nextCursor: encodeCursor({ source: s, stream: t, offset: from }), complete: false, scannedBytes: counter.scannedBytes };
      const where: StreamScan = { source: s, stream: t, name: sources[s].name, streamName: streams[t], file: logPaths(logsDir, sources[s].key)[streams[t]] };
      for (let attempt = 0; ; attempt++) {
        try {
          const out = await scanStream(where, from, { ...options, maxLine, deadline, now, blockTimeout }, scanner, hits, counter);
          if (out.kind === 'page') return { hits, nextCursor: encodeCursor(out.cursor), complete: out.complete, scannedBytes: counter.scannedBytes };
          break;
        } catch (err) {
          // a rotation renamed a file between listing and opening it: go on from the last whole line read
          if ((err as { code?: string }).code !== 'ENOENT' || attempt >= 5) throw err;
          from = (err as { resumeAt?: number }).resumeAt ?? from;
        }
      }
    }
  }
  return { hits, nextCursor: null, complete: true, scannedBytes: counter.scannedBytes };
}

interface ScanContext extends SearchOptions {
  maxLine: number;
  deadline: number;
  now: () => number;
  blockTimeout: () => number;
}

type StreamOutcome = { kind: 'done' } | { kind: 'page'; cursor: Cursor; complete: boolean };

/** One stream from stream offset `from`: hits go into `hits` until the page is full or the budget is spent. */
async function scanStream(where: StreamScan, from: number, o: ScanContext, scanner: Scanner, hits: SearchHit[], counter: { scannedBytes: number }): Promise<StreamOutcome> {
  let layout: StreamLayout;
  try {
    layout = readLayout(where.file);
  } catch (err) {
    throw Object.assign(err as Error, { resumeAt: from });
  }
  const timeOf = (end: number) => timeAtOffset(layout.index, end) ?? layout.mtimeMs;
  let leftover: Buffer = Buffer.alloc(0);
  let leftoverStart = from;
  let full: Cursor | null = null;

  // complete lines starting at stream offset `base`
  const scanLines = (buf: Buffer, base: number): Verdict => {
    const text = buf.toString('utf8');
    const ranges = scanner.scan(text, o.blockTimeout());
    const ascii = text.length === buf.length;
    let charAt = 0;
    let byteAt = 0;
    for (let i = 0; i < ranges.length; i += 2) {
      const a = ranges[i];
      const b = ranges[i + 1];
      if (!ascii) {
        byteAt += Buffer.byteLength(text.slice(charAt, b));
        charAt = b;
      }
      const endByte = ascii ? b : byteAt;
      const time = timeOf(base + endByte + 1); // the newline belongs to the line
      if (o.until !== undefined && time > o.until) return 'late';
      if (o.since !== undefined && time < o.since) continue;
      if (hits.length >= o.limit) {
        full = { source: where.source, stream: where.stream, offset: base + (ascii ? a : endByte - Buffer.byteLength(text.slice(a, b))) };
        return 'full';
      }
      hits.push({ name: where.name, stream: where.streamName, time, line: cut(text.slice(a, b), o.maxLine) });
    }
    return 'go';
  };

  const last = layout.segments.at(-1);
  for (const seg of layout.segments) {
    const segEnd = seg.start + seg.size;
    if (segEnd <= from || seg.size === 0) continue;
    // a segment whose last line is older than `since` holds no hit: it is not even decompressed
    if (o.since !== undefined && layout.index && seg !== last && timeOf(segEnd) < o.since) {
      leftover = Buffer.alloc(0);
      leftoverStart = segEnd;
      continue;
    }
    if (o.until !== undefined && layout.index && timeOf(Math.max(from, seg.start) + 1) > o.until) return { kind: 'done' };
    const skipIn = Math.max(0, from - seg.start);
    let pos = seg.start + skipIn;
    try {
      for await (const chunk of segmentBlocks(seg, skipIn)) {
        // never past the size the layout saw: a file still being written is read up to that point
        const take = Math.min(chunk.length, segEnd - pos);
        if (take <= 0) break;
        pos += take;
        counter.scannedBytes += take;
        let piece = take < chunk.length ? chunk.subarray(0, take) : chunk;
        if (leftover.length > 0) {
          // the line cut at the previous block's end, finished here: scanned alone, so the block is not copied
          const firstNl = piece.indexOf(10);
          if (firstNl < 0) {
            leftover = Buffer.concat([leftover, piece]);
            continue;
          }
          const head = Buffer.concat([leftover, piece.subarray(0, firstNl)]);
          const verdict = scanLines(head, leftoverStart);
          if (verdict === 'full') return { kind: 'page', cursor: full!, complete: true };
          if (verdict === 'late') return { kind: 'done' };
          leftoverStart += head.length + 1;
          leftover = Buffer.alloc(0);
          piece = piece.subarray(firstNl + 1);
        }
        const lastNl = piece.lastIndexOf(10);
        if (lastNl < 0) {
          leftover = Buffer.from(piece);
          continue;
        }
        const verdict = scanLines(piece.subarray(0, lastNl), leftoverStart);
        if (verdict === 'full') return { kind: 'page', cursor: full!, complete: true };
        if (verdict === 'late') return { kind: 'done' };
        leftoverStart += lastNl + 1;
        leftover = Buffer.from(piece.subarray(lastNl + 1));
        if (o.now() >= o.deadline) return { kind: 'page', cursor: { source: where.source, stream: where.stream, offset: leftoverStart }, complete: false };
      }
    } catch (err) {
      throw Object.assign(err as Error, { resumeAt: leftoverStart });
    }
  }
  // the last line of a file still being written, with no newline yet
  if (leftover.length > 0 && scanLines(leftover, leftoverStart) === 'full') return { kind: 'page', cursor: full!, complete: true };
  return { kind: 'done' };
}
