// The supervisor's view of log files: O_APPEND descriptors for children, the tail for crash reports.
import { closeSync, openSync, readSync, fstatSync, statSync } from 'node:fs';
import path from 'node:path';
import { ensureLogDir, logPaths, openLogFds, openLogFdsAsync } from '../logs/paths.js';
import { LogStamper } from '../logs/stamper.js';
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
  sample(file: string, time: number): void;
}

export interface DaemonLogPort extends LogPort {
  /** Stops reading stamped output (children keep writing into their pipes for the next daemon). */
  close(): void;
}

export function createLogPort(logsDir: string, rotation: RotationHooks, onError: (err: unknown, file: string) => void = () => undefined): DaemonLogPort {
  // created on the first process with log timestamps: a daemon without one never loads it
  let stamper: LogStamper | null = null;
  const stamped = (): LogStamper => (stamper ??= new LogStamper(logsDir, { written: (file, time) => rotation.sample(file, time), onError }));
  // fds opened ahead by openAhead, until a start takes them
  const prepared = new Map<string, { stdout: number; stderr: number }>();
  return {
    open: (name, spec) => {
      if (!spec.logTimestamps) {
        const ready = prepared.get(name);
        if (ready) {
          prepared.delete(name);
          return ready;
        }
        return openLogFds(logsDir, name);
      }
      ensureLogDir(logsDir);
      const files = logPaths(logsDir, name);
      return { ...stamped().openForChild(name), sizes: { stdout: sizeOf(files.stdout), stderr: sizeOf(files.stderr) } };
    },
    watch: (name, spec) => {
      rotation.watch(name, spec);
      // a process re-adopted after a daemon restart: read what it wrote meanwhile, and on
      if (spec.logTimestamps) stamped().resume(name);
    },
    // Creating a file costs 0.7 ms on a busy 2-core machine (the journal, mostly waiting): one by one in
    // each start, a thousand of them held a bulk start for 0.7 s. Here they are opened on the threadpool,
    // four at a time, while the event loop goes on. An open that fails is left to open(), which reports it.
    openAhead: async (starts) => {
      const wanted = starts.filter((s) => !s.spec.logTimestamps && !prepared.has(s.name));
      if (wanted.length === 0) return () => undefined;
      try {
        ensureLogDir(logsDir);
      } catch {
        return () => undefined;
      }
      const opened = await Promise.all(wanted.map((s) => openLogFdsAsync(logsDir, s.name).catch(() => null)));
      wanted.forEach((s, i) => {
        const fds = opened[i];
        if (fds && !prepared.has(s.name)) prepared.set(s.name, fds);
        else if (fds) closeFds(fds);
      });
      return () => {
        wanted.forEach((s, i) => {
          const fds = opened[i];
          if (fds && prepared.get(s.name) === fds) {
            prepared.delete(s.name);
            closeFds(fds);
          }
        });
      };
    },
    close: () => stamper?.close(),
    unwatch: (name) => rotation.unwatch(name),
    lastLines: (name, stream, n, from) => lastLines(logFile(logsDir, name, stream), n, from),
  };
}

function closeFds(fds: { stdout: number; stderr: number }): void {
  closeSync(fds.stdout);
  closeSync(fds.stderr);
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
