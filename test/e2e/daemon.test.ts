// Daemon survival: one per home, graceful stop and resume, SIGKILL and re-adoption by PID + start time.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, cleanupHome, cli, cliJson, readPid, ROOT, tempHome, waitFor } from '../helpers.js';

interface View { name: string; pid: number | null; status: string }
const homes: string[] = [];
afterEach(async () => {
  while (homes.length) await cleanupHome(homes.pop()!);
});
function newHome(): string {
  const h = tempHome();
  homes.push(h);
  return h;
}
const daemonPid = (home: string) => readPid(path.join(home, 'daemon.pid'));

describe('daemon', () => {
  it('starts with the memory-lean V8 options, and SENTINEL_DAEMON_NODE_FLAGS replaces them', async () => {
    const home = newHome();
    await cli(home, ['daemon', 'start']);
    const args = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(args(daemonPid(home)!)).toEqual(expect.arrayContaining(['--max-semi-space-size=1', '--optimize-for-size', '--v8-pool-size=1', '--expose-gc']));
    await cli(home, ['daemon', 'stop']);
    await cli(home, ['daemon', 'start'], { env: { SENTINEL_DAEMON_NODE_FLAGS: '--max-old-space-size=200' } });
    const own = args(daemonPid(home)!);
    expect(own).toContain('--max-old-space-size=200');
    expect(own).not.toContain('--optimize-for-size');
  });

  it('start, status, refuses a second daemon, stop', async () => {
    const home = newHome();
    const started = await cli(home, ['daemon', 'start']);
    expect(started.stdout).toMatch(/^Started daemon \(pid: \d+\)/);
    expect((await cli(home, ['daemon', 'status'])).stdout).toMatch(/^Daemon is running \(pid: \d+/);
    const again = await cli(home, ['daemon', 'start']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('a daemon is already running');
    // a second daemon process started by hand refuses too, naming the holder
    const direct = spawnSync(process.execPath, [path.join(ROOT, 'dist/daemon/main.js')], { env: { ...process.env, SENTINEL_HOME: home }, encoding: 'utf8', timeout: 10_000 });
    expect(direct.status).toBe(3);
    expect(direct.stderr).toContain(`another daemon (pid ${daemonPid(home)}) already owns`);
    const stopped = await cli(home, ['daemon', 'stop']);
    expect(stopped.stdout).toMatch(/^Stopped daemon/);
    expect((await cli(home, ['daemon', 'status'])).stdout).toBe('Daemon is not running\n');
  });

  it('two clients racing to start it end with one daemon', async () => {
    const home = newHome();
    const results = await Promise.all([1, 2, 3].map((i) => cli(home, ['run', 'sleep 300', '--name', `race${i}`])));
    expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
    const list = await cliJson<{ processes: View[] }>(home, ['list']);
    expect(list.processes.map((p) => p.name).sort()).toEqual(['race1', 'race2', 'race3']);
    const pid = daemonPid(home)!;
    expect(alive(pid)).toBe(true);
  });

  it('daemon stop stops processes in reverse order and the next daemon brings them back', async () => {
    const home = newHome();
    await cli(home, ['run', 'sleep 300', '--name', 'first']);
    await cli(home, ['run', 'sleep 300', '--name', 'second']);
    await cli(home, ['run', 'sleep 300', '--name', 'idle']);
    await cli(home, ['stop', 'idle']);
    const before = (await cliJson<{ processes: View[] }>(home, ['list'])).processes;
    await cli(home, ['daemon', 'stop']);
    for (const p of before) if (p.pid) expect(alive(p.pid)).toBe(false);
    const events = await cliJson<{ events: Array<{ processName: string; newState: string; reason: string }> }>(home, ['events', '--limit', '100']);
    const order = events.events.filter((e) => e.newState === 'stopping' && e.reason === 'daemon shutdown').map((e) => e.processName);
    expect(order).toEqual(['second', 'first']);
    const after = (await cliJson<{ processes: View[] }>(home, ['list'])).processes;
    expect(after.find((p) => p.name === 'first')!.status).toMatch(/starting|running/);
    expect(after.find((p) => p.name === 'second')!.status).toMatch(/starting|running/);
    expect(after.find((p) => p.name === 'idle')!.status).toBe('stopped');
  });

  it('after a daemon SIGKILL the processes keep running and logging, and are re-adopted', async () => {
    const home = newHome();
    await cli(home, ['run', 'i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.05; done', '--name', 'ticker']);
    await cli(home, ['run', 'sleep 300', '--name', 'quiet', '--restart']);
    const before = (await cliJson<{ processes: View[] }>(home, ['list'])).processes;
    const pid = daemonPid(home)!;
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !alive(pid));
    const logFile = path.join(home, 'logs/ticker.stdout.log');
    const size = statSync(logFile).size;
    await new Promise((r) => setTimeout(r, 500));
    expect(statSync(logFile).size).toBeGreaterThan(size);
    for (const p of before) expect(alive(p.pid!)).toBe(true);
    // the next command starts a new daemon that adopts the same PIDs
    const after = (await cliJson<{ processes: View[] }>(home, ['list'])).processes;
    expect(after.map((p) => [p.name, p.pid, p.status])).toEqual(before.map((p) => [p.name, p.pid, 'running']));
    const ev = await cliJson<{ events: Array<{ kind: string; processName: string }> }>(home, ['events']);
    expect(ev.events.filter((e) => e.kind === 'adopted').map((e) => e.processName).sort()).toEqual(['quiet', 'ticker']);
    // an adopted process can be stopped, and one that dies is noticed and restarted by policy
    const r = await cli(home, ['stop', 'ticker']);
    expect(r.code).toBe(0);
    expect(alive(before[0].pid!)).toBe(false);
    process.kill(before[1].pid!, 'SIGKILL');
    expect(await waitFor(async () => {
      const p = (await cliJson<{ process: View }>(home, ['status', 'quiet'])).process;
      return p.status === 'running' && p.pid !== before[1].pid;
    }, 15_000, 200)).toBe(true);
    const lines = readFileSync(logFile, 'utf8').trim().split('\n');
    const numbers = lines.map((l) => Number(l.split(' ')[1]));
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
  });

  it('never signals a recycled PID: a record whose PID now belongs to another process is not adopted', async () => {
    const home = newHome();
    await cli(home, ['run', 'sleep 300', '--name', 'victim']);
    const pid = daemonPid(home)!;
    const child = (await cliJson<{ process: View }>(home, ['status', 'victim'])).process.pid!;
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !alive(pid));
    process.kill(child, 'SIGKILL');
    await waitFor(() => !alive(child));
    // an unrelated process now runs; even if it had the same PID its start time would differ
    const other = spawn('sleep', ['300'], { stdio: 'ignore' });
    try {
      const p = (await cliJson<{ process: View & { reason: string | null } }>(home, ['status', 'victim'])).process;
      expect(p.status).toBe('exited');
      expect(p.reason).toBe('ended while the daemon was down (exit status unknown)');
      expect(alive(other.pid!)).toBe(true);
    } finally {
      other.kill('SIGKILL');
    }
  });
});
