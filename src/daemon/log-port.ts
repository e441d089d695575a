// The supervisor's view of log files: O_APPEND descriptors for children, the tail for crash reports.
import { closeSync, mkdirSync, openSync, readSync, fstatSync } from 'node:fs';
import path from 'node:path';
import { SentinelError } from '../core/errors.js';
import type { LogPort } from '../core/supervisor.js';
import type { ProcessSpec } from '../core/spec.js';

export function logFile(logsDir: string, name: string, stream: 'stdout' | 'stderr'): string {
  return path.join(logsDir, `${name}.${stream}.log`);
}

function openAppend(file: string): number {
  try {
    return openSync(file, 'a', 0o640);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new SentinelError('LOG_DIR_NOT_WRITABLE', `cannot open log file ${file} (${e.code}); make ${path.dirname(file)} a writable directory or set SENTINEL_HOME elsewhere`);
  }
}

/** The last n lines of a file, reading at most the final 64 KiB. */
export function readLastLines(file: string, n: number): string[] {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, 65536);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const lines = buf.toString('utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return lines.slice(-n);
  } finally {
    closeSync(fd);
  }
}

export interface RotationHooks {
  watch(name: string, spec: ProcessSpec): void;
  unwatch(name: string): void;
}

export function createLogPort(logsDir: string, rotation: RotationHooks): LogPort {
  return {
    open(name) {
      try {
        mkdirSync(logsDir, { recursive: true });
      } catch (err) {
        throw new SentinelError('LOG_DIR_NOT_WRITABLE', `cannot create log directory ${logsDir} (${(err as NodeJS.ErrnoException).code}); make it a writable directory or set SENTINEL_HOME elsewhere`);
      }
      const stdout = openAppend(logFile(logsDir, name, 'stdout'));
      try {
        return { stdout, stderr: openAppend(logFile(logsDir, name, 'stderr')) };
      } catch (err) {
        closeSync(stdout);
        throw err;
      }
    },
    watch: (name, spec) => rotation.watch(name, spec),
    unwatch: (name) => rotation.unwatch(name),
    lastLines: async (name, stream, n) => readLastLines(logFile(logsDir, name, stream), n),
  };
}
