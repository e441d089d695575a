// Restart policies against real crashing processes: backoff visible in event timestamps, exit-code
// conditions, retry limits ending in `failed`, and policy changes without a restart.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, cli, cliJson, FIXTURES, tempHome, waitFor } from '../helpers.js';

interface Ev { time: number; oldState: string | null; newState: string | null; exitCode: number | null; reason: string | null }
interface View { status: string; restarts: number; reason: string | null; pid: number | null; nextRestartAt: number | null }
let home: string;
beforeAll(() => { home = tempHome(); });
afterAll(async () => { await cleanupHome(home); });

const status = async (n: string) => (await cliJson<{ process: View }>(home, ['status', n])).process;
const events = async (n: string) => (await cliJson<{ events: Ev[] }>(home, ['events', n, '--limit', '500'])).events;

describe('restart policies', () => {
  it('a crash loop backs off exponentially and ends failed with the reason', async () => {
    const pids = path.join(home, 'loop.pids');
    const r = await cli(home, ['run', '--name', 'loop', '--restart', 'on-failure', '--backoff', 'exponential', '--restart-delay', '200ms',
      '--backoff-max', '800ms', '--jitter', '0', '--max-restarts', '4', '--restart-window', '1m', '--min-uptime', '10s', '--wait', '0',
      '--', path.join(FIXTURES, 'exit-after.sh'), pids, '0', '7']);
    expect(r.code).toBe(0);
    expect(await waitFor(async () => (await status('loop')).status === 'failed', 20_000, 100)).toBe(true);
    const p = await status('loop');
    expect(p.restarts).toBe(4);
    expect(p.reason).toBe('exit code 7; restarted 4 times within 60s (max-restarts 4), giving up');
    const evs = await events('loop');
    // each backoff event is followed by the next start; the gaps grow 200, 400, 800, 800 ms
    const backoffs = evs.filter((e) => e.newState === 'backoff');
    const starts = evs.filter((e) => e.oldState === 'backoff' && e.newState === 'starting');
    expect(backoffs.map((e) => e.reason)).toEqual([
      'exit code 7: restart 1 in 200ms', 'exit code 7: restart 2 in 400ms', 'exit code 7: restart 3 in 800ms', 'exit code 7: restart 4 in 800ms',
    ]);
    const gaps = starts.map((s, i) => s.time - backoffs[i].time);
    const wanted = [200, 400, 800, 800];
    gaps.forEach((g, i) => expect(g).toBeGreaterThanOrEqual(wanted[i] - 5));
    expect(evs[evs.length - 1]).toMatchObject({ newState: 'failed', exitCode: 7 });
  });

  it('restarts only on the listed exit codes', async () => {
    const pids = path.join(home, 'codes.pids');
    await cli(home, ['run', '--name', 'codes', '--restart', 'always', '--no-restart-exit-codes', '0,5', '--wait', '0',
      '--', path.join(FIXTURES, 'exit-after.sh'), pids, '0.1', '5']);
    expect(await waitFor(async () => (await status('codes')).status === 'exited', 10_000)).toBe(true);
    const p = await status('codes');
    expect(p.restarts).toBe(0);
    expect(p.reason).toBe('exit code 5 is in no-restart-exit-codes');
    const pids2 = path.join(home, 'codes2.pids');
    await cli(home, ['run', '--name', 'codes2', '--restart', 'always', '--restart-exit-codes', '3', '--max-restarts', '2', '--wait', '0',
      '--', path.join(FIXTURES, 'exit-after.sh'), pids2, '0.1', '3']);
    expect(await waitFor(async () => (await status('codes2')).status === 'failed', 10_000)).toBe(true);
    expect((await status('codes2')).restarts).toBe(2);
  });

  it('shows the next restart time in backoff, and policy changes apply without a restart', async () => {
    const pids = path.join(home, 'slow.pids');
    await cli(home, ['run', '--name', 'slow', '--restart', '--restart-delay', '1h', '--jitter', '0', '--wait', '0', '--', path.join(FIXTURES, 'exit-after.sh'), pids, '0.1', '1']);
    expect(await waitFor(async () => (await status('slow')).status === 'backoff', 10_000)).toBe(true);
    const p = await status('slow');
    expect(p.nextRestartAt! - Date.now()).toBeGreaterThan(3_500_000);
    expect((await cli(home, ['status', 'slow'])).stdout).toMatch(/Next try:\s+in 5\dm/);
    await cli(home, ['run', 'sleep 300', '--name', 'steady']);
    const before = (await status('steady')).pid;
    const changed = await cli(home, ['policy', 'steady', '--retries', '3', '--delay', '5s', '--restart-window', '1m', '--backoff', 'fixed']);
    expect(changed.stdout).toBe('Policy of steady: restart on-failure; max 3 restarts in 1m 0s; fixed delay 5s; min uptime 1s\n');
    expect((await status('steady')).pid).toBe(before);
    const bad = await cli(home, ['policy', 'steady', '--jitter', '2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('Error: --jitter "2": expected a fraction from 0 to 1 or a percentage (e.g. --jitter 0.2 or --jitter 20%)\n');
    const badCodes = await cli(home, ['policy', 'steady', '--restart-exit-codes', '1,x']);
    expect(badCodes.code).toBe(2);
    expect(badCodes.stderr).toContain('--restart-exit-codes');
  });
});
