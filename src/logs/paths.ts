// Where a process's log files live and how the daemon opens them for a child.
import fs from 'node:fs';
import path from 'node:path';
import { SentinelError } from '../core/errors.js';

export type LogStream = 'stdout' | 'stderr';

export const LOG_STREAMS: readonly LogStream[] = ['stdout', 'stderr'];

export interface LogPaths {
  stdout: string;
  stderr: string;
}

export interface RotatedFile {
  index: number;
  path: string;
  gz: boolean;
}

export function logPaths(logsDir: string, name: string): LogPaths {
  return {
    stdout: path.join(logsDir, `${name}.stdout.log`),
    stderr: path.join(logsDir, `${name}.stderr.log`),
  };
}

/** `NAME.stdout.log.3` or, compressed, `NAME.stdout.log.3.gz`. */
export function rotatedPath(file: string, index: number, gz: boolean): string {
  return `${file}.${index}${gz ? '.gz' : ''}`;
}

/** The FIFO of a stamped stream (`log: {timestamps: true}`): apart from the log files, which readers and search list. */
export function fifoPath(logsDir: string, name: string, stream: LogStream): string {
  return path.join(logsDir, '.pipes', `${name}.${stream}`);
}

/** The sidecar time index of a log file (see log-index.ts). */
export function indexPath(file: string): string {
  return `${file}.idx`;
}

/** Rotated files of a log, newest (.1) first; a file present both plain and .gz counts once (plain wins). */
export function listRotated(file: string, listing?: string[]): RotatedFile[] {
  const dir = path.dirname(file);
  const base = path.basename(file);
  let entries: string[];
  try {
    entries = listing ?? fs.readdirSync(dir);
  } catch {
    return [];
  }
  const byIndex = new Map<number, RotatedFile>();
  for (const entry of entries) {
    if (!entry.startsWith(`${base}.`)) continue;
    const match = /^(\d+)(\.gz)?$/.exec(entry.slice(base.length + 1));
    if (!match) continue;
    const index = Number(match[1]);
    const gz = match[2] !== undefined;
    const known = byIndex.get(index);
    if (known && !known.gz) continue;
    byIndex.set(index, { index, path: path.join(dir, entry), gz });
  }
  return [...byIndex.values()].sort((a, b) => a.index - b.index);
}

/** Temporary files a rotation leaves behind if the daemon dies in the middle of one. */
export function listRotationTemps(file: string, listing?: string[]): string[] {
  const dir = path.dirname(file);
  const prefix = `${path.basename(file)}.tmp-`;
  try {
    return (listing ?? fs.readdirSync(dir)).filter((e) => e.startsWith(prefix)).map((e) => path.join(dir, e));
  } catch {
    return [];
  }
}

/**
 * Opens both log files with O_APPEND so a child can be given them as stdout/stderr: the child
 * then writes straight to disk, and a daemon crash loses nothing. The caller closes the fds
 * once the child is spawned.
 */
export function openLogFds(logsDir: string, name: string): { stdout: number; stderr: number } {
  const files = logPaths(logsDir, name);
  const flags = fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT;
  let stdout: number;
  try {
    stdout = fs.openSync(files.stdout, flags, 0o640);
  } catch (err) {
    // the directory is made when an open finds it missing, not checked before every open (a mkdir and
    // an access per start: two of the six calls of each of a bulk start's log openings)
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw notWritable(logsDir, err);
    ensureLogDir(logsDir);
    stdout = openOrThrow(files.stdout, flags, logsDir);
  }
  try {
    return { stdout, stderr: openOrThrow(files.stderr, flags, logsDir) };
  } catch (err) {
    fs.closeSync(stdout);
    throw err;
  }
}

/** openLogFds on the threadpool; the directory must exist. */
export async function openLogFdsAsync(logsDir: string, name: string): Promise<{ stdout: number; stderr: number }> {
  const files = logPaths(logsDir, name);
  const flags = fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT;
  // fs.open's callback: no FileHandle object per file as with fs.promises
  const open = (file: string) => new Promise<number>((resolve, reject) => fs.open(file, flags, 0o640, (err, fd) => (err ? reject(notWritable(logsDir, err)) : resolve(fd))));
  const [stdout, stderr] = await Promise.allSettled([open(files.stdout), open(files.stderr)]);
  if (stdout.status === 'fulfilled' && stderr.status === 'fulfilled') return { stdout: stdout.value, stderr: stderr.value };
  for (const r of [stdout, stderr]) if (r.status === 'fulfilled') fs.closeSync(r.value);
  throw (stdout.status === 'rejected' ? stdout.reason : (stderr as PromiseRejectedResult).reason) as Error;
}

/** Creates the log directory (and parents) or says why it cannot. */
export function ensureLogDir(logsDir: string): void {
  try {
    fs.mkdirSync(logsDir, { recursive: true, mode: 0o750 });
    fs.accessSync(logsDir, fs.constants.W_OK);
  } catch (err) {
    throw notWritable(logsDir, err);
  }
}

function openOrThrow(file: string, flags: number, logsDir: string): number {
  try {
    return fs.openSync(file, flags, 0o640);
  } catch (err) {
    throw notWritable(logsDir, err);
  }
}

function notWritable(logsDir: string, err: unknown): SentinelError {
  const code = (err as NodeJS.ErrnoException).code ?? 'error';
  return new SentinelError(
    'LOG_DIR_NOT_WRITABLE',
    `log directory ${logsDir} is not writable (${code}): make sure it is a directory the daemon's user can write to (check its parents and permissions), or point SENTINEL_HOME elsewhere`,
    { dir: logsDir, cause: code },
  );
}
