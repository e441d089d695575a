// Shared helpers for the log tests: temp dirs, children writing to log fds, raw reads.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { listRotated } from '../../src/logs/paths.js';
import { openLogFds } from '../../src/logs/paths.js';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'logs');

const dirs: string[] = [];
const children: ChildProcess[] = [];

export function makeTempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-logs-'));
  dirs.push(dir);
  return dir;
}

/** Spawns a fixture with stdout/stderr on the O_APPEND log fds, as the daemon will. */
export function spawnLogging(logsDir: string, name: string, fixture: string, args: string[]): ChildProcess {
  const fds = openLogFds(logsDir, name);
  try {
    const child = spawn(process.execPath, [path.join(FIXTURES, fixture), ...args], { stdio: ['ignore', fds.stdout, fds.stderr] });
    children.push(child);
    return child;
  } finally {
    fs.closeSync(fds.stdout);
    fs.closeSync(fds.stderr);
  }
}

export function waitExit(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Every byte of a stream as the files hold it: rotated oldest first (gunzipped), then the current file. */
export function readAllRaw(file: string): Buffer {
  const parts = listRotated(file)
    .reverse()
    .map((r) => (r.gz ? zlib.gunzipSync(fs.readFileSync(r.path)) : fs.readFileSync(r.path)));
  if (fs.existsSync(file)) parts.push(fs.readFileSync(file));
  return Buffer.concat(parts);
}

/** The numbers of `out NNNNNNN ...` lines, in file order. */
export function numbersOf(text: string, prefix = 'out'): number[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${prefix} `))
    .map((l) => Number(l.split(' ')[1]));
}

export function expectSequence(numbers: number[], from: number, to: number): void {
  const firstBad = numbers.findIndex((n, i) => n !== from + i);
  if (firstBad >= 0 || numbers.length !== to - from) {
    throw new Error(`expected ${from}..${to - 1} exactly once in order; got ${numbers.length} numbers, first mismatch at index ${firstBad} (${numbers.slice(Math.max(0, firstBad - 2), firstBad + 3).join(',')})`);
  }
}

export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function cleanup(): void {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}
