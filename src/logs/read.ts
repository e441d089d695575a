// `sentinel logs NAME [--lines N] [--stream S] [--since T] [--timestamps]`: the last lines of a
// process's logs across the current and rotated files, and `lastLines` for crash reports.
import fs from 'node:fs';
import { logPaths, type LogStream } from './paths.js';
import { readIndex, timeAtOffset } from './log-index.js';
import { readLayout, type StreamLayout } from './segments.js';
import { linesBackward } from './read-backward.js';

export interface LogLine {
  stream: LogStream;
  line: string;
  /** epoch ms the line was first seen by the rotator (approximate to its check interval) */
  time?: number;
}

export type StreamChoice = LogStream | 'both';

export interface TailOptions {
  lines: number;
  stream?: StreamChoice;
  /** only lines first seen at or after this epoch ms */
  since?: number;
  timestamps?: boolean;
}

export function selectStreams(choice: StreamChoice | undefined): LogStream[] {
  return choice === 'stdout' || choice === 'stderr' ? [choice] : ['stdout', 'stderr'];
}

/** The last `lines` lines, oldest first; for 'both' the streams are merged in time order (stdout first on ties). */
export async function tailLines(logsDir: string, name: string, options: TailOptions): Promise<LogLine[]> {
  const streams = selectStreams(options.stream);
  const files = logPaths(logsDir, name);
  const needTime = options.timestamps === true || options.since !== undefined || streams.length > 1;
  const perStream = await Promise.all(streams.map((s) => tailStream(files[s], s, options, needTime)));
  let lines = perStream.length > 1 ? mergeByTime(perStream[0], perStream[1]) : perStream[0];
  if (lines.length > options.lines) lines = lines.slice(lines.length - options.lines);
  return options.timestamps ? lines : lines.map(({ stream, line }) => ({ stream, line }));
}

/**
 * The last `n` lines of one file (no rotated files), e.g. the stderr of a process that crashed at once;
 * with `from`, only lines that end after that byte offset (what a run wrote after the file had that
 * size). A file now shorter than `from` was rotated or cleared since: all of it is newer.
 */
export async function lastLines(file: string, n: number, from = 0): Promise<string[]> {
  if (n <= 0) return [];
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const after = from <= size ? from : 0;
  const out: string[] = [];
  const budget = { lines: n };
  for await (const l of linesBackward([{ path: file, gz: false, start: 0, size }], budget)) {
    if (l.end <= after) break;
    out.push(l.bytes.toString('utf8'));
    if (--budget.lines <= 0) break;
  }
  return out.reverse();
}

/** Stable merge on time; on equal times stdout comes first. */
export function mergeByTime(a: LogLine[], b: LogLine[]): LogLine[] {
  const out: LogLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push((a[i].time ?? 0) <= (b[j].time ?? 0) ? a[i++] : b[j++]);
  while (i < a.length) out.push(a[i++]);
  while (j < b.length) out.push(b[j++]);
  return out;
}

const RETRIES = 5;
const PENDING_WAIT_MS = 10;
const PENDING_MAX_WAIT_MS = 3000;

async function tailStream(file: string, stream: LogStream, options: TailOptions, needTime: boolean): Promise<LogLine[]> {
  if (options.lines <= 0) return [];
  for (let attempt = 0; ; attempt++) {
    try {
      const layout = await settledLayout(file);
      const out: LogLine[] = [];
      const budget = { lines: options.lines };
      for await (const l of linesBackward(layout.segments, budget)) {
        const time = needTime ? (timeAtOffset(layout.index, l.end) ?? layout.mtimeMs) : undefined;
        if (options.since !== undefined && (time ?? 0) < options.since) break;
        out.push(time === undefined ? { stream, line: l.bytes.toString('utf8') } : { stream, line: l.bytes.toString('utf8'), time });
        if (--budget.lines <= 0) break;
      }
      // a rotation or clear that ran while we read moved bytes between files: read again
      if (attempt < RETRIES && rotatedSince(file, layout)) continue;
      return out.reverse();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (attempt < RETRIES && (code === 'ENOENT' || code === 'ESHRANK' || code === 'Z_BUF_ERROR')) continue;
      throw err;
    }
  }
}

/** A layout with no rotation half done (waits a little for one in progress). */
async function settledLayout(file: string): Promise<StreamLayout> {
  const deadline = Date.now() + PENDING_MAX_WAIT_MS;
  for (;;) {
    const layout = readLayout(file);
    if (!layout.index?.pending || Date.now() > deadline) return layout;
    await new Promise((resolve) => setTimeout(resolve, PENDING_WAIT_MS));
  }
}

function rotatedSince(file: string, layout: StreamLayout): boolean {
  const index = readIndex(file);
  if (!index || !layout.index) return index !== layout.index;
  return index.epoch !== layout.index.epoch || index.base !== layout.index.base || index.pending !== null;
}
