// `sentinel logs --grep REGEX`: every line of the live and rotated (gzipped) files that matches, with its
// process, stream and time. Why it is fast and safe:
// - The files are read block by block into one reused buffer (search-reader.ts), and each block's whole
//   lines are matched by search-scanner.ts: a byte search for the literal the pattern requires, a regex
//   run in a `vm` context with a timeout (a pattern that backtracks catastrophically is stopped by V8
//   instead of hanging the daemon). The whole search also has a time budget, checked between blocks,
//   after which the hits found so far come back with a cursor to go on from.
// - Times come from the sidecar index (log-index.ts); a whole segment older than `since` is skipped
//   without being read or decompressed, and the scan of a stream ends at the first line after `until`.
// Hits come grouped by process and stream, oldest first (as grep over the files would list them).
import { SentinelError } from '../core/errors.js';
import { logPaths, type LogStream } from './paths.js';
import { timeAtOffset } from './log-index.js';
import { readLayout, type StreamLayout } from './segments.js';
import { LineMatcher } from './search-scanner.js';
import { LineBuffer, readSegment } from './search-reader.js';

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
  const matcher = new LineMatcher(compilePattern(options.pattern, options.ignoreCase), options.pattern, options.ignoreCase ?? false);
  const lineBuffer = new LineBuffer();
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
          const out = await scanStream(where, from, { ...options, maxLine, deadline, now, blockTimeout, lineBuffer }, matcher, hits, counter);
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
  lineBuffer: LineBuffer;
}

type StreamOutcome = { kind: 'done' } | { kind: 'page'; cursor: Cursor; complete: boolean };

/** One stream from stream offset `from`: hits go into `hits` until the page is full or the budget is spent. */
async function scanStream(where: StreamScan, from: number, o: ScanContext, matcher: LineMatcher, hits: SearchHit[], counter: { scannedBytes: number }): Promise<StreamOutcome> {
  let layout: StreamLayout;
  try {
    layout = readLayout(where.file);
  } catch (err) {
    throw Object.assign(err as Error, { resumeAt: from });
  }
  const timeOf = (end: number) => timeAtOffset(layout.index, end) ?? layout.mtimeMs;
  const lb = o.lineBuffer;
  lb.reset(from);
  let full: Cursor | null = null;

  // complete lines starting at stream offset `base`
  const scanLines = (buf: Buffer, base: number): Verdict => {
    const { ranges, texts } = matcher.match(buf, o.blockTimeout);
    for (let i = 0; i < ranges.length; i += 2) {
      const time = timeOf(base + ranges[i + 1] + 1); // the newline belongs to the line
      if (o.until !== undefined && time > o.until) return 'late';
      if (o.since !== undefined && time < o.since) continue;
      if (hits.length >= o.limit) {
        full = { source: where.source, stream: where.stream, offset: base + ranges[i] };
        return 'full';
      }
      hits.push({ name: where.name, stream: where.streamName, time, line: cut(texts[i / 2], o.maxLine) });
    }
    return 'go';
  };

  let stop: StreamOutcome | null = null;
  // called whenever the buffer holds a whole line: false stops the reading
  const onLines = (): boolean => {
    const lines = lb.lines();
    const verdict = scanLines(lines, lb.start);
    if (verdict === 'full') stop = { kind: 'page', cursor: full!, complete: true };
    else if (verdict === 'late') stop = { kind: 'done' };
    else {
      lb.consume(lines.length);
      if (o.now() >= o.deadline) stop = { kind: 'page', cursor: { source: where.source, stream: where.stream, offset: lb.start }, complete: false };
    }
    return stop === null;
  };
  const onScanned = (n: number) => {
    counter.scannedBytes += n;
  };

  const last = layout.segments.at(-1);
  for (const seg of layout.segments) {
    const segEnd = seg.start + seg.size;
    if (segEnd <= from || seg.size === 0) continue;
    // a segment whose last line is older than `since` holds no hit: it is not even decompressed
    if (o.since !== undefined && layout.index && seg !== last && timeOf(segEnd) < o.since) {
      lb.reset(segEnd);
      continue;
    }
    if (o.until !== undefined && layout.index && timeOf(Math.max(from, seg.start) + 1) > o.until) return { kind: 'done' };
    try {
      if (!(await readSegment(seg, Math.max(0, from - seg.start), lb, onScanned, onLines))) return stop!;
    } catch (err) {
      throw Object.assign(err as Error, { resumeAt: lb.start });
    }
  }
  // the last line of a file still being written, with no newline yet
  if (lb.pending > 0 && scanLines(lb.rest(), lb.start) === 'full') return { kind: 'page', cursor: full!, complete: true };
  return { kind: 'done' };
}
