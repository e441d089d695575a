// Safe defaults against real crashing processes: a crash loop backs off and ends failed by default, run
// says what happened when the process crashed during its start wait, a zero-delay crash storm leaves the
// API answering with a bounded event log, crash notifications are coalesced, and the CLI notices a daemon
// from another install.
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, cleanupHome, cli, cliJson, readPid, ROOT, tempHome, waitFor } from '../helpers.js';
import { startReceiver, type Receiver } from '../notify/receiver.js';

interface View { name: string; status: string; restarts: number; reason: string | null; pid: number | null }
interface Ev { kind: string; oldState: string | null; newState: string | null; reason: string | null }

let home: string;
beforeAll(() => { home = tempHome(); });
afterAll(async () => { await cleanupHome(home); });

const status = async (h: string, n: string) => (await cliJson<{ process: View }>(h, ['status', n])).process;

describe('a crash loop by default', () => {
  it('run reports the crash during the start wait and the next attempt, exits 0, and the loop ends failed after 15 unstable restarts', async () => {
    // --backoff-max keeps the test short; the number of attempts is the default one
    const r = await cli(home, ['run', '--name', 'boom', '--restart', 'always', '--backoff-max', '200ms', 'echo boom >&2; exit 1']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^process "boom" crashed after \d+ ms \(exit code 1\); restarting per its policy, attempt 1, next in 0\.1 s; see "sentinel logs boom"\n$/);
    expect(r.code).toBe(0);
    expect(await waitFor(async () => (await status(home, 'boom')).status === 'failed', 30_000, 100)).toBe(true);
    const p = await status(home, 'boom');
    expect(p.restarts).toBe(15);
    expect(p.reason).toBe('exit code 1; restarted 15 times without staying up 1s (max-restarts 15), giving up');
    const evs = (await cliJson<{ events: Ev[] }>(home, ['events', 'boom', '--limit', '500'])).events;
    // exponential backoff with jitter: the first wait is 100 ms ± 20%, the next ones double up to the cap
    // reasons say "restart 3 in 412ms" or "restart 9 in 12.8s"
    const delays = evs.filter((e) => e.newState === 'backoff').map((e) => {
      const m = /restart \d+ in ([\d.]+)(ms|s)\b/.exec(e.reason ?? '');
      return m ? Number(m[1]) * (m[2] === 's' ? 1000 : 1) : NaN;
    });
    expect(delays).toHaveLength(15);
    expect(delays[0]).toBeGreaterThanOrEqual(80);
    expect(delays[0]).toBeLessThanOrEqual(120);
    expect(delays[1]).toBeGreaterThanOrEqual(160);
    for (const d of delays.slice(2)) expect(d).toBeLessThanOrEqual(240);
  });

  it('--max-restarts 0 still means unlimited', async () => {
    const r = await cli(home, ['run', '--name', 'forever', '--restart', 'always', '--max-restarts', '0', '--backoff-max', '50ms', '--wait', '0', 'exit 1']);
    expect(r.code).toBe(0);
    expect(await waitFor(async () => (await status(home, 'forever')).restarts > 20, 30_000, 200)).toBe(true);
    expect((await status(home, 'forever')).status).not.toBe('failed');
    await cli(home, ['stop', 'forever']);
  });

  it('a policy that gives up during the start wait still fails run with exit code 1', async () => {
    const r = await cli(home, ['run', '--name', 'once-only', '--restart', 'on-failure', '--no-restart-exit-codes', '3', 'echo nope >&2; exit 3']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: process "once-only" crashed immediately \(exit code 3 after \d+ms\)\nlast stderr lines:\n {2}nope\n/);
  });
});

describe('a zero-delay crash storm', () => {
  it('with 20 processes crashing at once, list answers and the event log stays small', async () => {
    const h = tempHome();
    try {
      for (let i = 0; i < 20; i++) {
        const r = await cli(h, ['run', '--name', `storm${i}`, '--restart', 'always', '--restart-delay', '0', '--max-restarts', '0', '--no-wait', 'echo boom >&2; exit 1']);
        expect(r.code).toBe(0);
      }
      // every one of them went round many times
      expect(await waitFor(async () => {
        const l = await cli(h, ['list', '--json']);
        return l.code === 0 && (JSON.parse(l.stdout).processes as View[]).every((p) => p.restarts >= 10);
      }, 120_000, 500)).toBe(true);
      // the client's normal timeout: the daemon answers at all
      const list = await cli(h, ['list', '--json']);
      expect(list.code).toBe(0);
      const procs = JSON.parse(list.stdout).processes as View[];
      expect(procs).toHaveLength(20);
      const restarts = procs.find((p) => p.name === 'storm0')!.restarts;
      const evs = (await cliJson<{ events: Ev[] }>(h, ['events', 'storm0', '--limit', '100000'])).events;
      // each restart is at least two state changes; the repeats are counted on few rows
      expect(evs.length).toBeLessThan(restarts);
      expect(evs.some((e) => /times in a row like this/.test(e.reason ?? ''))).toBe(true);
    } finally {
      await cleanupHome(h);
    }
  }, 180_000);
});

describe('crash notifications', () => {
  let rx: Receiver;
  beforeAll(async () => { rx = await startReceiver(); });
  afterAll(async () => { await rx.close(); });

  it('are one message per process and kind, then a summary per window', async () => {
    const h = tempHome();
    try {
      const env = { SENTINEL_NOTIFY_WINDOW: '2s' };
      expect((await cli(h, ['notify', 'add-webhook', rx.url], { env })).code).toBe(0);
      await cli(h, ['run', '--name', 'noisy', '--restart', 'always', '--restart-delay', '0', '--max-restarts', '0', '--wait', '0', 'exit 1'], { env });
      const crashes = () => rx.received.map((r) => JSON.parse(r.body)).filter((b) => b.process === 'noisy' && b.event === 'crash');
      expect(await waitFor(() => crashes().length >= 2, 30_000, 100)).toBe(true);
      await cli(h, ['stop', 'noisy'], { env });
      const [first, summary] = crashes();
      expect(first.reason).toBe('exit code 1: restarting');
      expect(first.repeats).toBeUndefined();
      expect(summary.reason).toMatch(/^crashed \d+ more times in the last 2 s; last: exit code 1: /);
      expect(summary.repeats).toBeGreaterThan(1);
      const restarts = (await status(h, 'noisy')).restarts;
      expect(crashes().length).toBeLessThan(restarts);
    } finally {
      await cleanupHome(h);
    }
  });
});

describe('a daemon from another install', () => {
  it('is named on stderr with the way out; daemon restart brings up this install and re-adopts what runs', async () => {
    const h = tempHome();
    const other = mkdtempSync(path.join(os.tmpdir(), 'sn-install-'));
    let oldDaemon: number | null = null;
    try {
      cpSync(path.join(ROOT, 'dist'), path.join(other, 'dist'), { recursive: true });
      symlinkSync(path.join(ROOT, 'node_modules'), path.join(other, 'node_modules'));
      const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
      writeFileSync(path.join(other, 'package.json'), JSON.stringify({ ...pkg, version: '0.0.1-other' }));
      // the other install's daemon, for this home
      spawn(process.execPath, [path.join(other, 'dist/daemon/main.js')], { env: { ...process.env, SENTINEL_HOME: h }, detached: true, stdio: 'ignore' }).unref();
      expect(await waitFor(() => readPid(path.join(h, 'daemon.pid')) !== null && alive(readPid(path.join(h, 'daemon.pid'))!), 15_000)).toBe(true);
      expect(await waitFor(async () => (await cli(h, ['daemon', 'status'])).code === 0, 15_000, 100)).toBe(true);
      oldDaemon = readPid(path.join(h, 'daemon.pid'));
      const run = await cli(h, ['run', 'sleep 300', '--name', 'keeper']);
      expect(run.code).toBe(0);
      expect(run.stderr).toBe(`Warning: the daemon runs Sentinel 0.0.1-other but this CLI is ${pkg.version} (a daemon started from another install); restart it with "sentinel daemon restart" to run this version\n`);
      const keeperPid = (await status(h, 'keeper')).pid;
      const restarted = await cli(h, ['daemon', 'restart']);
      expect(restarted.stdout).toMatch(new RegExp(`^Restarted daemon \\(pid: ${oldDaemon} -> \\d+, version 0\\.0\\.1-other -> ${pkg.version.replace(/\./g, '\\.')}\\); every process kept running and was re-adopted\\n$`));
      expect(restarted.code).toBe(0);
      expect(alive(oldDaemon!)).toBe(false);
      const list = await cli(h, ['list', '--json']);
      expect(list.stderr).toBe('');
      expect(await waitFor(async () => (await status(h, 'keeper')).status === 'running', 15_000, 100)).toBe(true);
      // the same process, never stopped: re-adopted by pid and start time
      expect((await status(h, 'keeper')).pid).toBe(keeperPid);
      expect(alive(keeperPid!)).toBe(true);
    } finally {
      await cleanupHome(h, oldDaemon ? [oldDaemon] : []);
      rmSync(other, { recursive: true, force: true });
    }
  });
});
