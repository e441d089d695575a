// The supervisor's view of log files: O_APPEND descriptors for children, the tail for crash reports.
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import path from 'node:path';
import { openLogFds } from '../logs/paths.js';
import { lastLines } from '../logs/read.js';
import type { LogPort } from '../core/supervisor.js';
import type { ProcessSpec } from '../core/spec.js';

export function logFile(logsDir: string, name: string, stream: 'stdout' | 'stderr'): string {
  return path.join(logsDir, `${name}.${stream}.log`);
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
    open: (name) => openLogFds(logsDir, name),
    watch: (name, spec) => rotation.watch(name, spec),
    unwatch: (name) => rotation.unwatch(name),
    lastLines: (name, stream, n, from) => lastLines(logFile(logsDir, name, stream), n, from),
  };
}
