// A full disk under SENTINEL_HOME, for real: the home is on a small ext4 file system (a loop-mounted 8 MiB
// image) that a file fills up and that is freed again. The daemon must record every exit and keep following
// its policies while its state writes are refused, answer clients with a clear error, say that output is
// being lost, write what it held once space is back, resume log rotation and leave no temporary files.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupHome, cli, cliJson, waitFor } from '../helpers.js';

interface View { name: string; pid: number | null; status: string; restarts: number; reason: string | null; lastExit: { exitCode: number | null } | null }
interface Event { kind: string; processName: string | null; newState: string | null; exitCode: number | null; reason: string | null }

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A fresh 8 MiB ext4 file system, loop-mounted; unmounted and removed after the test, also on failure. */
function smallDisk(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'snfull-'));
  const img = path.join(dir, 'img');
  const mnt = path.join(dir, 'm');
  mkdirSync(mnt);
  execFileSync('truncate', ['-s', '8M', img]);
  execFileSync('mkfs.ext4', ['-q', img]);
  execFileSync('mount', ['-o', 'loop', img, mnt]);
  cleanups.push(() => {
    try {
      execFileSync('umount', [mnt]);
    } catch {
      execFileSync('umount', ['-l', mnt]);
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return mnt;
}

/** Fills the file system to its last block (as root, the reserved blocks too), or leaves `leaveBytes` free. */
function fill(mnt: string, leaveBytes = 0): void {
  if (leaveBytes > 0) {
    const st = statfsSync(mnt);
    execFileSync('fallocate', ['-l', String(st.bfree * st.bsize - leaveBytes), path.join(mnt, 'fill')]);
    return;
  }
  // plain writes until the disk refuses them (something else may be writing meanwhile): big blocks, then small
  for (const [file, bs] of [['fill', '64k'], ['fill2', '1k']]) {
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${path.join(mnt, file)}`, `bs=${bs}`], { stdio: 'ignore' });
    } catch {
      /* stops with ENOSPC: that is the point */
    }
  }
}

function unfill(mnt: string): void {
  rmSync(path.join(mnt, 'fill'), { force: true });
  rmSync(path.join(mnt, 'fill2'), { force: true });
}

function home(mnt: string): string {
  const h = path.join(mnt, 'h');
  mkdirSync(h, { mode: 0o700 });
  cleanups.push(() => cleanupHome(h));
  return h;
}

const ENV = { SENTINEL_DISK_CHECK_MS: '200', SENTINEL_LOG_CHECK_MS: '200' };
// writes 2 KB lines every 20 ms (a new block each time); a write the disk refuses ends it with exit code 3
const WRITER = `const fs=require('fs');setInterval(()=>{try{fs.writeSync(1,'x'.repeat(2000)+'\\n')}catch(e){process.exit(3)}},20)`;

async function status(h: string, name: string): Promise<View> {
  return (await cliJson<{ process: View }>(h, ['status', name], { env: ENV })).process;
}

function tempFiles(h: string): string[] {
  return readdirSync(path.join(h, 'logs')).filter((f) => f.includes('.tmp-'));
}

describe('a full disk under SENTINEL_HOME', () => {
  it('every exit is recorded, policies keep working, clients hear why, and everything held is written once space is back', async () => {
    const mnt = smallDisk();
    const h = home(mnt);
    expect((await cli(h, ['run', '--name', 'loop', '--restart', 'always', '--max-restarts', '0', '--restart-delay', '200ms', '--backoff', 'fixed', '--jitter', '0', '--no-wait', '--', 'sh', '-c', 'sleep 0.3; exit 1'], { env: ENV })).code).toBe(0);
    expect((await cli(h, ['run', '--name', 'writer', '--restart', 'never', '--', 'node', '-e', WRITER], { env: ENV })).code).toBe(0);
    expect((await cli(h, ['run', '--name', 'idle', '--', 'sleep', '300'], { env: ENV })).code).toBe(0);
    const writerPid = (await status(h, 'writer')).pid!;

    fill(mnt);
    // the writer's output hits the full disk and it exits: its exit is recorded, not left `starting` or `running`
    expect(await waitFor(async () => (await status(h, 'writer')).status === 'exited', 15_000)).toBe(true);
    const writer = await status(h, 'writer');
    expect(writer.lastExit?.exitCode).toBe(3);
    // the daemon's state writes are refused by now (the writer filled what dd left): status says output is lost
    expect(await waitFor(async () => /^the disk holding SENTINEL_HOME .* is full/.test((await status(h, 'idle')).reason ?? ''), 10_000)).toBe(true);
    expect((await status(h, 'idle')).reason).toMatch(/output is being lost and state changes are kept in memory until space is freed$/);
    // the crash loop keeps following its policy: it keeps being restarted, never stuck in backoff
    const before = (await status(h, 'loop')).restarts;
    expect(await waitFor(async () => (await status(h, 'loop')).restarts >= before + 3, 15_000)).toBe(true);
    // a write a client asks for is refused with the reason, not "internal error"
    const run = await cli(h, ['run', '--name', 'late', '--', 'sleep', '300'], { env: ENV });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toBe('Error: the disk holding SENTINEL_HOME is full: free space on it, then try again (nothing was changed)\n');
    expect((await cliJson<{ processes: View[] }>(h, ['list'], { env: ENV })).processes.map((p) => p.name).sort()).toEqual(['idle', 'loop', 'writer']);

    unfill(mnt);
    // what was held in memory is written: the writer's exit, the loss and the recovery, in the event log
    expect(await waitFor(async () => (await status(h, 'idle')).reason === null, 10_000)).toBe(true);
    const events = (await cliJson<{ events: Event[] }>(h, ['events', '--limit', '1000'], { env: ENV })).events;
    expect(events.some((e) => e.processName === 'writer' && e.newState === 'exited' && e.exitCode === 3)).toBe(true);
    expect(events.some((e) => e.processName === 'idle' && e.kind === 'output-lost' && /is full/.test(e.reason ?? ''))).toBe(true);
    expect(events.some((e) => e.processName === 'idle' && e.kind === 'output-resumed')).toBe(true);
    // and they are on disk
    expect((await cli(h, ['daemon', 'stop'], { env: ENV })).code).toBe(0);
    const db = new Database(path.join(h, 'state.db'), { readonly: true });
    try {
      expect(db.prepare("SELECT state, pid, json_extract(last_exit, '$.exitCode') AS code FROM processes WHERE name = 'writer'").get()).toEqual({ state: 'exited', pid: writerPid, code: 3 });
    } finally {
      db.close();
    }
    // daemon.log got the lines it could not write while the disk was full
    const log = readFileSync(path.join(h, 'daemon.log'), 'utf8');
    expect(log).toContain('"code":"DISK_FULL"');
    expect(log).toContain('"code":"DISK_SPACE_BACK"');
    expect(tempFiles(h)).toEqual([]);
  }, 120_000);

  it('a rotation that meets the full disk leaves no temporary file and resumes once space is back', async () => {
    const mnt = smallDisk();
    const h = home(mnt);
    // leave ~1.5 MiB: the log passes its 1 MiB limit, and its copy into the rotated file cannot fit
    fill(mnt, 1536 * 1024);
    expect((await cli(h, ['run', '--name', 'big', '--restart', 'never', '--log-max-size', '1M', '--log-keep', '2', '--', 'node', '-e', WRITER], { env: ENV })).code).toBe(0);
    const log = path.join(h, 'logs', 'big.stdout.log');
    expect(await waitFor(async () => (await status(h, 'big')).status === 'exited', 30_000)).toBe(true);
    expect(statSync(log).size).toBeGreaterThan(1024 * 1024);
    // the rotator tries every tick meanwhile: none of its attempts leaves a temporary copy behind
    await new Promise((r) => setTimeout(r, 1000));
    expect(tempFiles(h)).toEqual([]);
    expect(existsSync(`${log}.1`)).toBe(false);
    unfill(mnt);
    // a process that has exited is no longer watched: starting it again watches (and rotates) its log
    expect((await cli(h, ['start', 'big', '--no-wait'], { env: ENV })).code).toBe(0);
    expect(await waitFor(() => existsSync(`${log}.1`), 15_000)).toBe(true);
    expect((await cli(h, ['stop', 'big'], { env: ENV })).code).toBe(0);
    expect(tempFiles(h)).toEqual([]);
  }, 120_000);
});
