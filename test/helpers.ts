// Shared test helpers: a temporary SENTINEL_HOME, the built CLI, and cleanup of everything started, by PID.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = path.join(ROOT, 'bin/sentinel.js');
export const FIXTURES = path.join(ROOT, 'test/fixtures');

export function tempHome(prefix = 'sn-'): string {
  // short paths: a Unix socket path must stay under 108 bytes
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface CliResult { code: number; stdout: string; stderr: string }

export function cli(home: string, args: string[], opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--', BIN, ...args], {
      env: { ...process.env, SENTINEL_HOME: home, ...opts.env },
      cwd: opts.cwd ?? ROOT,
      timeout: opts.timeoutMs ?? 60_000,
      maxBuffer: 256 * 1024 * 1024,
    }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? (err as unknown as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

export async function cliJson<T = Record<string, unknown>>(home: string, args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<T> {
  // --json goes before a "--" that starts the command's own arguments
  const dd = args.indexOf('--');
  const withJson = dd < 0 ? [...args, '--json'] : [...args.slice(0, dd), '--json', ...args.slice(dd)];
  const r = await cli(home, withJson, opts);
  if (r.code !== 0) throw new Error(`sentinel ${args.join(" ")} failed (${r.code}): ${r.stderr}${r.stdout ? `\nstdout: ${r.stdout}` : ""}`);
  return JSON.parse(r.stdout) as T;
}

export function readPid(file: string): number | null {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return null;
  }
}

/** Alive and not a zombie (PID 1 here reaps orphans late). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, stepMs = 25): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return check();
}

/** A TCP port on `host` where nothing listens (bound, then closed): a connect to it is refused. */
export async function closedPort(host = '127.0.0.1'): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, host, r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** How many file descriptors this test process has open. */
export const openFds = (): number => readdirSync('/proc/self/fd').length;

export function killPids(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/**
 * A list for the pids a test file's tests start: after each test, every pid pushed to it is killed (and the
 * list emptied), so a failing test leaves nothing running. Call it at the top level of the file.
 */
export function killedAfterEach(o: { groups?: boolean } = {}): number[] {
  const started: number[] = [];
  // with `groups`, each pid leads its own process group (a detached child) and the whole group is killed
  afterEach(() => killPids(started.splice(0).map((pid) => (o.groups ? -pid : pid))));
  return started;
}

/** Stops the daemon of a home (and so its processes), then kills by PID anything still listed, and removes the home. */
export async function cleanupHome(home: string, extraPids: number[] = []): Promise<void> {
  const daemonPid = readPid(path.join(home, 'daemon.pid'));
  let pids: number[] = [];
  const running = daemonPid !== null && alive(daemonPid);
  const list = !running ? { stdout: '' } : spawnSync(process.execPath, ['--', BIN, 'list', '--json'], { env: { ...process.env, SENTINEL_HOME: home, SENTINEL_DAEMON_START_TIMEOUT: '1' }, encoding: 'utf8', timeout: 10_000 });
  try {
    pids = (JSON.parse(list.stdout).processes as Array<{ pid: number | null }>).map((p) => p.pid).filter((p): p is number => !!p);
  } catch {
    /* no daemon */
  }
  if (running) spawnSync(process.execPath, ['--', BIN, 'daemon', 'stop'], { env: { ...process.env, SENTINEL_HOME: home }, timeout: 30_000 });
  // groups first (negative pid), then the processes themselves
  killPids(pids.map((p) => -p));
  killPids([...pids, ...extraPids]);
  if (daemonPid && alive(daemonPid)) killPids([daemonPid]);
  rmSync(home, { recursive: true, force: true });
}

/**
 * Live processes (not zombies) whose environment carries FAULT_TAG=<tag>, but for the daemon of `home` (it has
 * the client's environment): how the fault tests find every process a fixture started, escaped ones included.
 */
export function tagged(tag: string, home?: string): number[] {
  const daemon = home ? readPid(path.join(home, 'daemon.pid')) : null;
  const needle = `FAULT_TAG=${tag}`;
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === daemon) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(needle) && alive(Number(entry))) out.push(Number(entry));
    } catch {
      /* gone or not readable */
    }
  }
  return out;
}
