// Where a daemon keeps its state: everything lives under SENTINEL_HOME (default ~/.sentinel).
import { existsSync, mkdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SentinelError } from '../core/errors.js';

/**
 * V8 options every daemon starts with, whoever starts it (the CLI, a boot unit). A daemon allocates little
 * and briefly, so a 1 MiB young generation (Node's default lets it grow to 16 MiB per semi-space) and
 * V8's memory-over-speed mode cut its private memory by about a third (42 -> 26 MiB with 100 processes,
 * measured with smaps_rollup); the cost is more frequent, smaller collections. One V8 worker thread
 * instead of four (each keeps its own malloc arena and stack): about 1.5 MiB less with 100 processes and
 * 4 MiB less with 1000, and no slower a restart (crash -> running p50 3.5 ms against 3.9-6.2 ms, 2 cores).
 * --expose-gc lets the daemon give back the heap a burst of work filled once it is over (idle-gc.ts).
 * Not among them: V8's interpreter only (--lite-mode, or --no-opt --no-sparkplug without --lite-mode's
 * --jitless, which takes WebAssembly away from a JS plugin's `fetch`). It holds about 3 MiB less private
 * memory with 100 processes (alternated: 20.5/16.4 MiB against 28.1/23.1), but the daemon also runs
 * JavaScript-heavy work: in one `npm run bench` with --no-opt --no-sparkplug, `logs --grep` over 1 GB took
 * 9.6 s (grep -E 0.40 s in the same run; 2.6 s against grep's 1.56 s without them) and the daemon's CPU
 * under a 5 s /metrics scrape of 100 processes was 0.75 %. Add them through SENTINEL_DAEMON_NODE_FLAGS
 * where memory matters more.
 * SENTINEL_DAEMON_NODE_FLAGS replaces them (an empty value: none).
 */
export function daemonNodeFlags(env: NodeJS.ProcessEnv = process.env): string[] {
  const given = env.SENTINEL_DAEMON_NODE_FLAGS;
  if (given !== undefined) return given.split(/\s+/).filter(Boolean);
  return ['--max-semi-space-size=1', '--optimize-for-size', '--v8-pool-size=1', '--expose-gc'];
}

/**
 * The file a daemon starts from, given this install's dist/ directory: the minified bundle npm run build makes
 * (dist/daemon-bundle/main.js: about 4 MiB less private memory than ~300 separate modules), else tsc's
 * dist/daemon/main.js (a build that ran tsc only).
 */
export function daemonEntryIn(dist: string): string {
  const bundle = path.join(dist, 'daemon-bundle', 'main.js');
  return existsSync(bundle) ? bundle : path.join(dist, 'daemon', 'main.js');
}

export interface HomePaths {
  home: string;
  socket: string;
  db: string;
  lock: string;
  pidFile: string;
  logsDir: string;
  daemonLog: string;
  globalEnv: string;
  secretKey: string;
}

export function homePaths(home = process.env.SENTINEL_HOME || path.join(os.homedir(), '.sentinel')): HomePaths {
  const abs = path.resolve(home);
  return {
    home: abs,
    socket: path.join(abs, 'sentinel.sock'),
    db: path.join(abs, 'state.db'),
    lock: path.join(abs, 'daemon.lock'),
    pidFile: path.join(abs, 'daemon.pid'),
    logsDir: path.join(abs, 'logs'),
    daemonLog: path.join(abs, 'daemon.log'),
    globalEnv: path.join(abs, '.env'),
    secretKey: path.join(abs, 'secret.key'),
  };
}

/**
 * Creates SENTINEL_HOME one level at a time. Node's recursive mkdir spins forever on some paths (under
 * /proc, say), and a home that is a file would only show up later as "connect ENOTDIR"; both are a
 * clear error at once here.
 */
export function ensureHome(home: string): void {
  const bad = (why: string) => new SentinelError('BAD_HOME', `SENTINEL_HOME ${home} ${why}; set SENTINEL_HOME to a directory you can write (default ~/.sentinel)`);
  const parts = path.resolve(home).split(path.sep).filter(Boolean);
  let current: string = path.sep;
  for (const part of parts) {
    current = path.join(current, part);
    let isDir: boolean;
    try {
      isDir = statSync(current).isDirectory();
    } catch {
      try {
        mkdirSync(current, { mode: 0o700 });
        continue;
      } catch (err) {
        throw bad(`cannot be created (${(err as NodeJS.ErrnoException).code ?? (err as Error).message} at ${current})`);
      }
    }
    if (!isDir) throw bad(current === path.resolve(home) ? 'is a file, not a directory' : `cannot be created: ${current} is a file`);
  }
}
