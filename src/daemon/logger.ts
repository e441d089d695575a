// The daemon's own log: one JSON object a line (time, level, code, msg, fields), appended to daemon.log,
// rotated by size (daemon.log.1 … daemon.log.N). Hand-written rather than pino: this is ~30 lines, and
// pino's load cost (measured ~6 MiB RSS) counts against the daemon's memory target.
import { appendFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { parseSize } from '../core/duration.js';
import { SentinelError } from '../core/errors.js';

export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(code: string, msg: string, fields?: Record<string, unknown>): void;
  info(code: string, msg: string, fields?: Record<string, unknown>): void;
  warn(code: string, msg: string, fields?: Record<string, unknown>): void;
  error(code: string, msg: string, fields?: Record<string, unknown>): void;
}

/** Size rotation of daemon.log: SENTINEL_DAEMON_LOG_MAX_SIZE (default 10M) and SENTINEL_DAEMON_LOG_KEEP (default 3). */
export interface LogRotation {
  maxBytes: number;
  keep: number;
}

/**
 * The daemon log's rotation from SENTINEL_DAEMON_LOG_MAX_SIZE and SENTINEL_DAEMON_LOG_KEEP. Lenient (a bad value
 * gives the default) where the logger is made: the logger must exist to report anything. `strict`, as the
 * daemon's start checks them right after, a bad value is an error naming the variable, and the start stops.
 */
export function logRotationFromEnv(env: NodeJS.ProcessEnv = process.env, strict = false): LogRotation {
  let maxBytes = 10 * 1024 * 1024;
  const size = env.SENTINEL_DAEMON_LOG_MAX_SIZE;
  if (size) {
    let bytes: number | undefined;
    try {
      bytes = parseSize(size, 'SENTINEL_DAEMON_LOG_MAX_SIZE');
    } catch (err) {
      if (strict) throw new SentinelError('INVALID_CONFIG', `${(err as Error).message}; unset it for the default of 10M`);
    }
    if (bytes !== undefined && bytes < 1024 && strict) {
      throw new SentinelError('INVALID_CONFIG', `SENTINEL_DAEMON_LOG_MAX_SIZE must be at least 1K (got ${JSON.stringify(size)}); unset it for the default of 10M`);
    }
    if (bytes !== undefined) maxBytes = Math.max(1024, bytes);
  }
  let keep = 3;
  const given = env.SENTINEL_DAEMON_LOG_KEEP;
  if (given !== undefined && given !== '') {
    const n = Number(given);
    if (Number.isInteger(n) && n >= 0) keep = n;
    else if (strict) throw new SentinelError('INVALID_CONFIG', `SENTINEL_DAEMON_LOG_KEEP must be a whole number of files, 0 or more (got ${JSON.stringify(given)}); unset it for the default of 3`);
  }
  return { maxBytes, keep };
}

/** daemon.log → daemon.log.1 → … → daemon.log.keep (the oldest dropped). */
function rotate(file: string, keep: number): void {
  rmSync(`${file}.${Math.max(keep, 1)}`, { force: true });
  for (let i = keep - 1; i >= 1; i--) {
    try {
      renameSync(`${file}.${i}`, `${file}.${i + 1}`);
    } catch {
      /* not there yet */
    }
  }
  if (keep > 0) renameSync(file, `${file}.1`);
  else rmSync(file, { force: true });
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Lines kept in memory at most while daemon.log cannot be written. */
const MAX_HELD_LINES = 1000;

export function createLogger(file: string, opts: { minLevel?: Level; redact?: (s: string) => string; rotation?: LogRotation } = {}): Logger {
  const order: Level[] = ['debug', 'info', 'warn', 'error'];
  const min = order.indexOf(opts.minLevel ?? 'info');
  const rotation = opts.rotation ?? logRotationFromEnv();
  let size = sizeOf(file);
  // lines the disk refused (full, unwritable): kept in memory and written before the next line that fits
  let held: string[] = [];
  let dropped = 0;
  const write = (level: Level, code: string, msg: string, fields?: Record<string, unknown>) => {
    if (order.indexOf(level) < min) return;
    let line = JSON.stringify({ time: new Date().toISOString(), level, code, msg, ...fields });
    if (opts.redact) line = opts.redact(line);
    let text = line + '\n';
    if (held.length > 0) {
      const note = dropped > 0
        ? [JSON.stringify({ time: new Date().toISOString(), level: 'warn', code: 'LOG_LINES_LOST', msg: `${dropped} lines of this log were lost while its disk refused writes` })]
        : [];
      text = [...held, ...note, line].join('\n') + '\n';
    }
    try {
      if (size > 0 && size + text.length > rotation.maxBytes) {
        rotate(file, rotation.keep);
        size = 0;
      }
      appendFileSync(file, text);
      size += Buffer.byteLength(text);
      held = [];
      dropped = 0;
    } catch {
      // a log that cannot be written must not take the daemon down; what it says is kept for later
      held.push(line);
      if (held.length > MAX_HELD_LINES) {
        held.shift();
        dropped += 1;
      }
    }
  };
  return {
    debug: (c, m, f) => write('debug', c, m, f),
    info: (c, m, f) => write('info', c, m, f),
    warn: (c, m, f) => write('warn', c, m, f),
    error: (c, m, f) => write('error', c, m, f),
  };
}

/** Renders one daemon log line for a terminal: "2026-11-21 21:40:02 WARN  CODE  message key=value". */
export function formatLogLine(line: string, color: boolean): string {
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(line);
  } catch {
    return line;
  }
  const { time, level, code, msg, ...rest } = obj as { time: string; level: string; code: string; msg: string };
  const colors: Record<string, string> = { debug: '\x1b[90m', info: '\x1b[36m', warn: '\x1b[33m', error: '\x1b[31m' };
  const lvl = String(level).toUpperCase().padEnd(5);
  const extras = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  const stamp = String(time).replace('T', ' ').replace(/\.\d+Z$/, '');
  const head = color ? `${colors[level] ?? ''}${lvl}\x1b[0m` : lvl;
  return `${stamp} ${head} ${code}  ${msg}${extras ? '  ' + extras : ''}`;
}
