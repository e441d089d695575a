// The built sentinel binary against a real daemon in a temporary SENTINEL_HOME, with real processes.
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, cleanupHome, cli, cliJson, FIXTURES, readPid, tempHome, waitFor } from '../helpers.js';

interface View { id: number; name: string; pid: number | null; status: string; restarts: number; lastExit: { exitCode: number | null; signal: string | null; stoppedByUs: boolean; forceKilled: boolean } | null; reason: string | null }

let home: string;
beforeAll(() => { home = tempHome(); });
afterAll(async () => { await cleanupHome(home); });

const status = async (ref: string) => (await cliJson<{ process: View }>(home, ['status', ref])).process;

describe('run, list, status, stop', () => {
  it('starts the daemon on first use and runs a shell string', async () => {
    const r = await cli(home, ['run', 'sleep 300', '--name', 'sleeper']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Started sleeper \(id: \d+, pid: \d+\)\n$/);
    const p = await status('sleeper');
    expect(p.status).toBe('running');
    expect(alive(p.pid!)).toBe(true);
    const list = await cli(home, ['list']);
    expect(list.stdout).toContain('| ID | NAME');
    expect(list.stdout).toMatch(/sleeper .*running/);
  });

  it('runs the argv form after -- and finds a process by id', async () => {
    const out = await cliJson<{ process: View }>(home, ['run', '--name', 'argv', '--', 'sh', '-c', 'echo "$0 $1"; sleep 300', 'hello', 'world']);
    const byId = await status(String(out.process.id));
    expect(byId.name).toBe('argv');
    await waitFor(async () => (await cli(home, ['logs', 'argv', '--stream', 'stdout'])).stdout.includes('hello world'));
    expect((await cli(home, ['logs', 'argv', '--stream', 'stdout'])).stdout).toContain('hello world');
  });

  it('stops the whole tree, grandchildren and escaped sessions included, and records the exit', async () => {
    const pidFile = path.join(home, 'tree.pids');
    await cli(home, ['run', '--name', 'tree', '--', path.join(FIXTURES, 'grandchildren.sh'), pidFile]);
    await waitFor(() => { try { return readFileSync(pidFile, 'utf8').trim().split(/\s+/).length >= 4; } catch { return false; } });
    const pids = readFileSync(pidFile, 'utf8').trim().split(/\s+/).map(Number);
    expect(pids.length).toBeGreaterThanOrEqual(4);
    expect(pids.every(alive)).toBe(true);
    const r = await cli(home, ['stop', 'tree']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Stopped tree');
    expect(await waitFor(() => pids.every((p) => !alive(p)), 5000)).toBe(true);
    const p = await status('tree');
    expect(p.status).toBe('stopped');
    expect(p.lastExit).toMatchObject({ stoppedByUs: true, signal: 'SIGTERM' });
  });

  it('kills a TERM-ignorer with SIGKILL after the stop timeout, leaving no orphan', async () => {
    const pidFile = path.join(home, 'ignore.pids');
    await cli(home, ['run', '--name', 'stubborn', '--stop-timeout', '1s', '--', path.join(FIXTURES, 'ignore-term.sh'), pidFile]);
    await waitFor(() => readPid(pidFile) !== null && readFileSync(pidFile, 'utf8').trim().includes(' '));
    const pids = readFileSync(pidFile, 'utf8').trim().split(' ').map(Number);
    const r = await cli(home, ['stop', 'stubborn']);
    expect(r.stdout).toContain('killed after the stop timeout');
    expect(await waitFor(() => pids.every((pid) => !alive(pid)), 5000)).toBe(true);
    const p = await status('stubborn');
    expect(p.lastExit).toMatchObject({ signal: 'SIGKILL', stoppedByUs: true, forceKilled: true });
  });

  it('stop --force kills at once', async () => {
    await cli(home, ['run', 'sleep 300', '--name', 'forced']);
    const pid = (await status('forced')).pid!;
    const r = await cli(home, ['stop', 'forced', '--force']);
    expect(r.code).toBe(0);
    expect(alive(pid)).toBe(false);
    expect((await status('forced')).lastExit).toMatchObject({ signal: 'SIGKILL' });
  });

  it('reports a crash at start with exit code and stderr, and a non-zero exit', async () => {
    const r = await cli(home, ['run', '--name', 'crasher', '--', path.join(FIXTURES, 'crash.sh')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Error: process "crasher" crashed immediately \(exit code 3 after \d+ms\)\nlast stderr lines:\n  fatal: cannot open config.yml\n/);
    expect((await status('crasher')).status).toBe('exited');
  });

  it('restarts a crashing process with --restart, event-driven', async () => {
    const pidFile = path.join(home, 'restarts.pids');
    await cli(home, ['run', '--name', 'phoenix', '--restart', '--restart-delay', '0', '--wait', '0', '--', path.join(FIXTURES, 'exit-after.sh'), pidFile, '0.2', '1']);
    expect(await waitFor(() => { try { return readFileSync(pidFile, 'utf8').trim().split('\n').length >= 4; } catch { return false; } }, 10_000)).toBe(true);
    const p = await status('phoenix');
    expect(p.restarts).toBeGreaterThanOrEqual(3);
    await cli(home, ['stop', 'phoenix']);
    const events = await cliJson<{ events: Array<{ newState: string; exitCode: number | null }> }>(home, ['events', 'phoenix', '--limit', '200']);
    expect(events.events.some((e) => e.newState === 'exited' && e.exitCode === 1)).toBe(true);
  });

  it('when a process ends on its own, what it left in its group is stopped too', async () => {
    const pidFile = path.join(home, 'leftover.pid');
    await cli(home, ['run', `sleep 300 & echo $! > ${pidFile}; sleep 0.5; exit 1`, '--name', 'leaver', '--wait', '0']);
    expect(await waitFor(() => readPid(pidFile) !== null)).toBe(true);
    const child = readPid(pidFile)!;
    expect(await waitFor(async () => (await status('leaver')).status === 'exited', 10_000)).toBe(true);
    expect(await waitFor(() => !alive(child), 5000)).toBe(true);
    const events = await cliJson<{ events: Array<{ kind: string; reason: string }> }>(home, ['events', 'leaver']);
    expect(events.events.find((e) => e.kind === 'reaped')?.reason).toMatch(/^1 leftover processes of pid \d+'s group stopped \(SIGTERM, SIGKILL after 10s\)$/);
  });

  it('restart gives a new pid; start after stop works', async () => {
    const before = (await status('sleeper')).pid;
    const r = await cli(home, ['restart', 'sleeper']);
    expect(r.stdout).toMatch(/^Restarted sleeper/);
    const after = (await status('sleeper')).pid;
    expect(after).not.toBe(before);
    expect(alive(before!)).toBe(false);
    await cli(home, ['stop', 'sleeper']);
    expect((await cli(home, ['start', 'sleeper'])).stdout).toMatch(/^Started sleeper/);
  });

  it('delete keeps logs, delete --purge removes them', async () => {
    await cli(home, ['run', 'echo kept; sleep 300', '--name', 'keeper']);
    await waitFor(() => { try { return readFileSync(path.join(home, 'logs/keeper.stdout.log'), 'utf8').includes('kept'); } catch { return false; } });
    expect((await cli(home, ['delete', 'keeper'])).code).toBe(0);
    expect(readFileSync(path.join(home, 'logs/keeper.stdout.log'), 'utf8')).toBe('kept\n');
    await cli(home, ['run', 'echo gone; sleep 300', '--name', 'purged']);
    await cli(home, ['delete', 'purged', '--purge']);
    expect(() => readFileSync(path.join(home, 'logs/purged.stdout.log'))).toThrow();
    expect((await cli(home, ['status', 'purged'])).code).toBe(1);
  });

  it('stopall, startall, restartall and clean', async () => {
    const stopped = await cli(home, ['stopall']);
    expect(stopped.code).toBe(0);
    const all = (await cliJson<{ processes: View[] }>(home, ['list'])).processes;
    expect(all.every((p) => !['running', 'starting'].includes(p.status))).toBe(true);
    await cli(home, ['startall']);
    expect((await status('sleeper')).status).toBe('running');
    const before = (await status('sleeper')).pid;
    await cli(home, ['restartall']);
    expect((await status('sleeper')).pid).not.toBe(before);
    await cli(home, ['stop', 'argv']);
    const cleaned = await cliJson<{ removed: Array<{ name: string }> }>(home, ['clean']);
    expect(cleaned.removed.map((r) => r.name)).toContain('argv');
    expect(cleaned.removed.map((r) => r.name)).not.toContain('sleeper');
  });
});

describe('environment', () => {
  it('passes the client environment, .env files and --env with the documented precedence', async () => {
    const dir = path.join(home, 'proj');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(home, '.env'), 'FROM_GLOBAL=g\nSHARED=global\n');
    writeFileSync(path.join(dir, '.env'), 'FROM_PROJECT=p\nSHARED=project\n');
    writeFileSync(path.join(dir, 'extra.env'), 'FROM_FILE=f\nSHARED=file\n');
    await cli(home, ['run', 'env; sleep 300', '--name', 'envy', '--env-file', 'extra.env', '--env', 'FLAG=1', '--cwd', dir], { env: { FROM_CLIENT: 'c', PATH: `/opt/custom-bin:${process.env.PATH}` } });
    await waitFor(async () => (await cli(home, ['logs', 'envy'])).stdout.includes('FLAG=1'));
    const out = (await cli(home, ['logs', 'envy', '--stream', 'stdout', '--lines', '500'])).stdout;
    for (const kv of ['FROM_GLOBAL=g', 'FROM_PROJECT=p', 'FROM_FILE=f', 'FROM_CLIENT=c', 'FLAG=1', 'SHARED=file']) expect(out).toContain(kv);
    expect(out).toContain('PATH=/opt/custom-bin:');
  });

  it('--clean-env keeps only the named variables', async () => {
    await cli(home, ['run', 'env; sleep 300', '--name', 'clean-env', '--clean-env', 'PATH,KEEP_ME'], { env: { KEEP_ME: 'yes', DROP_ME: 'no' } });
    await waitFor(async () => (await cli(home, ['logs', 'clean-env'])).stdout.includes('KEEP_ME'));
    const out = (await cli(home, ['logs', 'clean-env', '--stream', 'stdout'])).stdout;
    expect(out).toContain('KEEP_ME=yes');
    expect(out).not.toContain('DROP_ME');
    rmSync(path.join(home, '.env'));
  });
});
