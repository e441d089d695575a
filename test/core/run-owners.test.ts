// A stop reads only its own run's processes (src/core/run-owners.ts): what escaped the tree is still found
// and stopped, a stranger is not, and a pid taken again by another process is classified afresh. The same
// stops run once with the classification and once with full /proc sweeps (as without the native addon;
// run this file with SENTINEL_NATIVE=0 for the pure-JavaScript reads).
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { rememberRunMarker, resetRunOwners, RUN_MARKER, stopTree } from '../../src/core/kill-tree.js';
import { nativeAddon } from '../../src/core/native.js';
import { readStartTime } from '../../src/core/proc.js';
import { alive, killPids, readPid, waitFor } from '../helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'sn-run-owners-'));
const started: ChildProcess[] = [];
const extra: number[] = [];
afterEach(() => {
  for (const c of started.splice(0)) {
    // not yet reaped, so its pid and group id are still its own
    if (c.exitCode !== null || c.signalCode !== null) continue;
    try {
      process.kill(-c.pid!, 'SIGKILL'); // each leads its own group
    } catch { /* gone */ }
  }
  killPids(extra.splice(0));
});
afterAll(() => {
  resetRunOwners();
  rmSync(dir, { recursive: true, force: true });
});

/** A shell script as a run's root: its own session, the marker in its environment, remembered as at a spawn. */
function startRun(script: string, marker: string): { pid: number; startTime: number; exited: Promise<void> } {
  const c = spawn('sh', ['-c', script], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', [RUN_MARKER]: marker }, stdio: 'ignore', detached: true });
  started.push(c);
  const startTime = readStartTime(c.pid!)!;
  rememberRunMarker({ pid: c.pid!, startTime }, marker);
  return { pid: c.pid!, startTime, exited: new Promise((r) => c.once('exit', () => r())) };
}

async function pidIn(file: string): Promise<number> {
  expect(await waitFor(() => readPid(file) !== null, 10_000, 20)).toBe(true);
  const pid = readPid(file)!;
  extra.push(pid);
  return pid;
}

const stopOf = (run: { pid: number; startTime: number; exited: Promise<void> }) =>
  stopTree({ pid: run.pid, startTime: run.startTime }, { signal: 'SIGTERM', timeoutMs: 3000, force: false, exited: run.exited });

const withAddon = nativeAddon() !== null;

describe.each([
  { how: 'with the run classification', classify: true },
  { how: 'with full sweeps', classify: false },
])('a stop $how', ({ classify }) => {
  it.skipIf(classify && !withAddon)('stops what escaped after the root started (a double fork into its own session with the marker, an orphan without it), not a stranger', async () => {
    const owners = resetRunOwners(classify);
    const tag = `${classify ? 'c' : 'f'}${Date.now()}`;
    const marked = path.join(dir, `${tag}-marked`);
    const orphan = path.join(dir, `${tag}-orphan`);
    // the root waits before it forks: the classification is made first, the escapees are new to it
    const root = startRun(
      `sleep 0.4; (setsid sh -c 'echo $$ > "$0.tmp" && mv "$0.tmp" "$0"; exec sleep 300' ${marked} &); ` +
      `(env -u ${RUN_MARKER} sh -c 'echo $$ > "$0.tmp" && mv "$0.tmp" "$0"; exec sleep 300' ${orphan} &); exec sleep 300`,
      `${tag}-run`,
    );
    const stranger = startRun('exec sleep 300', `${tag}-other`);
    owners?.refresh();
    const escaped = await pidIn(marked);
    const left = await pidIn(orphan);
    // both now hang off init, out of the root's tree by parent link
    await waitFor(() => readPpid(escaped) !== root.pid && readPpid(left) !== root.pid, 5000, 20);
    if (owners) {
      owners.refresh();
      const mine = owners.candidates(root.pid, `${tag}-run`);
      expect(mine).toEqual(expect.arrayContaining([root.pid, escaped, left]));
      expect(mine).not.toContain(stranger.pid);
      // nothing new since: the next refresh reads (almost) nothing
      owners.refresh();
      expect(owners.lastRead).toBeLessThan(owners.size / 2);
    }
    const result = await stopOf(root);
    expect(result).toEqual({ forceKilled: false, survivors: [] });
    expect(await waitFor(() => !alive(root.pid) && !alive(escaped) && !alive(left), 5000, 20)).toBe(true);
    expect(alive(stranger.pid)).toBe(true);
  }, 20_000);

  it.skipIf(classify && !withAddon)('stops a child in a session of its own that carries another run marker (Sentinel under Sentinel)', async () => {
    const owners = resetRunOwners(classify);
    const tag = `${classify ? 'c' : 'f'}${Date.now()}`;
    const file = path.join(dir, `${tag}-nested`);
    // the child is linked to the root by its parent only: another session, another marker
    const root = startRun(`${RUN_MARKER}=${tag}-inner setsid sh -c 'echo $$ > "$0.tmp" && mv "$0.tmp" "$0"; exec sleep 300' ${file} & wait`, `${tag}-run`);
    const child = await pidIn(file);
    if (owners) {
      owners.refresh();
      expect(owners.candidates(root.pid, `${tag}-run`)).toContain(child);
    }
    expect(await stopOf(root)).toEqual({ forceKilled: false, survivors: [] });
    expect(await waitFor(() => !alive(root.pid) && !alive(child), 5000, 20)).toBe(true);
  }, 20_000);

  it.skipIf(classify && !withAddon)('a root classified before its run was known (adopted, its environment without the marker) brings its children into the run', async () => {
    const owners = resetRunOwners(classify);
    const tag = `${classify ? 'c' : 'f'}${Date.now()}`;
    const file = path.join(dir, `${tag}-adopted`);
    // not remembered as a spawn would be, and no marker in its environment
    const c = spawn('sh', ['-c', `setsid sh -c 'echo $$ > "$0.tmp" && mv "$0.tmp" "$0"; exec sleep 300' ${file} & wait`], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdio: 'ignore', detached: true });
    started.push(c);
    const root = { pid: c.pid!, startTime: readStartTime(c.pid!)!, exited: new Promise<void>((r) => c.once('exit', () => r())) };
    const child = await pidIn(file);
    if (owners) {
      owners.refresh();
      expect(owners.candidates(root.pid, `${tag}-run`)).not.toContain(child);
    }
    // the stop names the run (as the process record does after a daemon restart)
    const result = await stopTree({ ...root, marker: `${tag}-run` }, { signal: 'SIGTERM', timeoutMs: 3000, force: false, exited: root.exited });
    expect(result).toEqual({ forceKilled: false, survivors: [] });
    expect(await waitFor(() => !alive(root.pid) && !alive(child), 5000, 20)).toBe(true);
  }, 20_000);

  it.skipIf(!canReusePid() || (classify && !withAddon))('a pid taken again is not confused with the process that had it', async () => {
    const owners = resetRunOwners(classify);
    const tag = `${classify ? 'c' : 'f'}${Date.now()}`;
    const root = startRun('exec sleep 300', `${tag}-run`);
    // one of ours (the run's marker, outside its tree) and a stranger, both classified; then they end, and
    // each pid is taken by the other kind: the stranger's by one of ours, ours by a stranger. Another
    // process on the machine may take a freed pid first: then the scene is set again with new ones.
    let swapped: { oursNow: ChildProcess; strangerNow: ChildProcess } | null = null;
    for (let attempt = 0; attempt < 20 && !swapped; attempt++) {
      const ours = await execed(startPlain({ [RUN_MARKER]: `${tag}-run` }));
      const stranger = await execed(startPlain({}));
      owners?.refresh();
      if (owners) {
        expect(owners.candidates(root.pid, `${tag}-run`)).toContain(ours.pid);
        expect(owners.candidates(root.pid, `${tag}-run`)).not.toContain(stranger.pid);
      }
      await endPlain(ours);
      await endPlain(stranger);
      // a start time counts clock ticks (10 ms): a pid taken again within the same tick has the same
      // identity, a limit of pid + start time that this test is not about
      await new Promise((r) => setTimeout(r, 12));
      const strangerNow = await startAt(ours.pid!, {});
      const oursNow = strangerNow && (await startAt(stranger.pid!, { [RUN_MARKER]: `${tag}-run` }));
      if (strangerNow && oursNow) swapped = { oursNow, strangerNow };
      else if (strangerNow) await endPlain(strangerNow);
    }
    expect(swapped).not.toBeNull();
    const { oursNow, strangerNow } = swapped!;
    if (owners) {
      owners.refresh();
      const mine = owners.candidates(root.pid, `${tag}-run`);
      expect(mine).toContain(oursNow.pid);
      expect(mine).not.toContain(strangerNow.pid);
    }
    const result = await stopOf(root);
    expect(result).toEqual({ forceKilled: false, survivors: [] });
    expect(await waitFor(() => !alive(root.pid) && !alive(oursNow.pid), 5000, 20)).toBe(true);
    expect(alive(strangerNow.pid)).toBe(true);
  }, 30_000);
});

describe('after a burst of spawns', () => {
  it.skipIf(!withAddon)('the new processes are classified soon, before any stop or reap', async () => {
    const owners = resetRunOwners(true)!;
    expect(owners.size).toBe(0);
    // the first spawn of a cold classification starts it
    startRun('exec sleep 300', `warm-${Date.now()}`);
    expect(await waitFor(() => owners.size > 0, 5000, 50)).toBe(true);
    // what the next look reads is what came since, not the machine
    owners.refresh();
    expect(owners.lastRead).toBeLessThan(owners.size / 2);
  }, 10_000);
});

function readPpid(pid: number): number | null {
  const addon = nativeAddon();
  if (!addon) return 0;
  const rows = addon.procStatsOf(Int32Array.of(pid));
  return rows.length > 0 ? rows[2] : null;
}

function startPlain(env: Record<string, string>): ChildProcess {
  const c = spawn('sleep', ['300'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: 'ignore', detached: true });
  started.push(c);
  return c;
}

/** Until the child runs `sleep`: before its exec, /proc/PID/environ is still its parent's (the test's). */
async function execed(c: ChildProcess): Promise<ChildProcess> {
  const ran = await waitFor(() => {
    try {
      return readFileSync(`/proc/${c.pid}/cmdline`, 'latin1').startsWith('sleep\0');
    } catch {
      return false;
    }
  }, 5000, 5);
  expect(ran).toBe(true);
  return c;
}

async function endPlain(c: ChildProcess): Promise<void> {
  const gone = new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));
  c.kill('SIGKILL');
  await gone;
}

const LAST_PID = '/proc/sys/kernel/ns_last_pid';

/** Forcing a pid needs root in the first pid namespace (ns_last_pid writable). */
function canReusePid(): boolean {
  try {
    accessSync(LAST_PID, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * A new process at exactly `pid` (ns_last_pid set just before the fork), or null when another process
 * holds that pid. The counter is put back where it was at once: rewound, it would hand every process on
 * the machine (other tests' too) pids that were just freed.
 */
async function startAt(pid: number, env: Record<string, string>): Promise<ChildProcess | null> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const last = Number(readFileSync(LAST_PID, 'utf8'));
    writeFileSync(LAST_PID, String(pid - 1));
    const c = startPlain(env);
    const now = Number(readFileSync(LAST_PID, 'utf8'));
    if (now <= last) writeFileSync(LAST_PID, String(last));
    if (c.pid === pid) return execed(c);
    await endPlain(c);
    if (existsSync(`/proc/${pid}`)) return null;
  }
  return null;
}
