// Scoped services: processes tied to a parent process (a shell, a CI job) go when it exits — tested with real
// parent processes killed by SIGKILL; a daemon started for scopes exits once nothing is left.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, BIN, cleanupHome, cli, cliJson, readPid, tempHome, waitFor } from '../helpers.js';

interface Listed { processes: Array<{ name: string; pid: number | null; status: string }> }

const started: ChildProcess[] = [];
function parentShell(script = 'sleep 1000'): ChildProcess {
  const child = spawn('bash', ['-c', script], { stdio: 'ignore', detached: true });
  started.push(child);
  return child;
}

let home: string;
beforeAll(() => {
  home = tempHome('sn-scope-');
});
afterAll(async () => {
  for (const c of started) if (c.pid && alive(c.pid)) process.kill(c.pid, 'SIGKILL');
  await cleanupHome(home);
});

async function pidOf(h: string, name: string): Promise<number> {
  const l = await cliJson<Listed>(h, ['list']);
  const p = l.processes.find((x) => x.name === name);
  if (!p?.pid) throw new Error(`${name} has no pid`);
  return p.pid;
}

describe('run --scope PID', () => {
  it('stops and deletes the process when its scope is SIGKILLed; unscoped processes stay', async () => {
    const shell = parentShell();
    expect((await cli(home, ['run', '--name', 'free', 'sleep 300'])).code).toBe(0);
    const r = await cli(home, ['run', '--scope', String(shell.pid), '--name', 'tied', 'sleep 300']);
    expect(r.code, r.stderr).toBe(0);
    const tiedPid = await pidOf(home, 'tied');
    expect(alive(tiedPid)).toBe(true);
    process.kill(shell.pid!, 'SIGKILL');
    expect(await waitFor(async () => !(await cliJson<Listed>(home, ['list'])).processes.some((p) => p.name === 'tied'), 15_000, 200)).toBe(true);
    expect(await waitFor(() => !alive(tiedPid), 5_000)).toBe(true);
    const events = await cliJson<{ events: Array<{ processName: string; actor: string }> }>(home, ['events']);
    expect(events.events.some((e) => e.processName === 'tied' && e.actor === `scope ended (pid ${shell.pid} exited)`)).toBe(true);
    const free = await pidOf(home, 'free');
    expect(alive(free)).toBe(true);
  });

  it('"parent" is the shell that ran the command', async () => {
    const shell = parentShell(`SENTINEL_HOME=${home} ${process.execPath} ${BIN} run --scope parent --name viaparent "sleep 300" >/dev/null 2>&1; sleep 1000`);
    expect(await waitFor(async () => (await cliJson<Listed>(home, ['list'])).processes.some((p) => p.name === 'viaparent' && p.status === 'running'), 20_000, 200)).toBe(true);
    const pid = await pidOf(home, 'viaparent');
    process.kill(shell.pid!, 'SIGKILL');
    expect(await waitFor(() => !alive(pid), 15_000, 100)).toBe(true);
    expect(await waitFor(async () => !(await cliJson<Listed>(home, ['list'])).processes.some((p) => p.name === 'viaparent'), 10_000, 200)).toBe(true);
  });

  it('a scope that is not running, or not a pid, is refused and creates nothing', async () => {
    const gone = await cli(home, ['run', '--scope', '4194300', '--name', 'nope', 'sleep 300']);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('scope 4194300: no process 4194300 is running');
    const bad = await cli(home, ['run', '--scope', 'abc', '--name', 'nope', 'sleep 300']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--scope "abc": expected a pid (e.g. 4321) or "parent"');
    expect((await cliJson<Listed>(home, ['list'])).processes.some((p) => p.name === 'nope')).toBe(false);
  });
});

describe('sentinel scope -- CMD', () => {
  it('runs the command in the foreground, passes its exit code, and removes what was started inside', async () => {
    const script = `${process.execPath} ${BIN} run --name inner "sleep 300" >/dev/null && cat /proc/$(${process.execPath} ${BIN} list --json | ${process.execPath} -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).processes.find(p=>p.name==="inner").pid))')/stat >/dev/null; exit 3`;
    const r = await cli(home, ['scope', '--', 'bash', '-c', script]);
    expect(r.code, r.stderr).toBe(3);
    expect(await waitFor(async () => !(await cliJson<Listed>(home, ['list'])).processes.some((p) => p.name === 'inner'), 15_000, 200)).toBe(true);
  });

  it('a nested scope is refused', async () => {
    const r = await cli(home, ['scope', '--', 'true'], { env: { SENTINEL_SCOPE: '1' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('already inside a scope');
  });
});

describe('a daemon started for scopes', () => {
  it('exits once nothing is left in any scope', async () => {
    const own = tempHome('sn-scoped-');
    try {
      const shell = parentShell();
      const r = await cli(own, ['run', '--scope', String(shell.pid), '--name', 'job', 'sleep 300'], { env: { SENTINEL_SCOPED_IDLE_GRACE_MS: '500' } });
      expect(r.code, r.stderr).toBe(0);
      const daemonPid = readPid(path.join(own, 'daemon.pid'))!;
      expect(readFileSync(`/proc/${daemonPid}/cmdline`, 'utf8').split('\0')).toContain('--scoped');
      const job = await pidOf(own, 'job');
      process.kill(shell.pid!, 'SIGKILL');
      expect(await waitFor(() => !alive(job), 15_000, 100)).toBe(true);
      expect(await waitFor(() => !alive(daemonPid), 15_000, 100)).toBe(true);
    } finally {
      await cleanupHome(own);
    }
  });

  it('stays while something unscoped is managed', async () => {
    const own = tempHome('sn-scoped2-');
    try {
      const shell = parentShell();
      expect((await cli(own, ['run', '--scope', String(shell.pid), '--name', 'job', 'sleep 300'], { env: { SENTINEL_SCOPED_IDLE_GRACE_MS: '500' } })).code).toBe(0);
      expect((await cli(own, ['run', '--name', 'keep', 'sleep 300'])).code).toBe(0);
      const daemonPid = readPid(path.join(own, 'daemon.pid'))!;
      process.kill(shell.pid!, 'SIGKILL');
      expect(await waitFor(async () => !(await cliJson<Listed>(own, ['list'])).processes.some((p) => p.name === 'job'), 15_000, 200)).toBe(true);
      await new Promise((r) => setTimeout(r, 1500));
      expect(alive(daemonPid)).toBe(true);
      expect(alive(await pidOf(own, 'keep'))).toBe(true);
    } finally {
      await cleanupHome(own);
    }
  });
});
