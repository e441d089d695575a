// The posix_spawn path (native/fast-spawn.c, src/core/fast-spawn.ts) against real children: what the
// child gets (session, signals, fds, cwd, env) must be what Node's spawn with detached: true gives, and
// every exit must reach its callback, with Node's own children ending beside them.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fastSpawn, spawnMethod } from '../../src/core/fast-spawn.js';
import { realSpawner } from '../../src/core/spawn.js';
import { killedAfterEach } from '../helpers.js';
import type { ChildHandle } from '../../src/core/spawn.js';

let dir: string;
const started = killedAfterEach();

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'sentinel-fast-spawn-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function out(name = 'out.log'): { fd: number; file: string } {
  const file = path.join(dir, name);
  return { fd: openSync(file, 'a'), file };
}

function exitOf(child: ChildHandle): Promise<[number | null, string | null]> {
  return new Promise((resolve) => child.onExit((code, signal) => resolve([code, signal])));
}

function statusField(pid: number, field: string): string {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  return (line ?? '').split(/\s+/)[1] ?? '';
}

describe('fast spawn (posix_spawn)', () => {
  it('is the method in use once the addon is built (npm run build builds it)', () => {
    expect(spawnMethod()).toBe('posix_spawn');
  });

  it('gives the child its own session, default signals, the fds, cwd and environment', async () => {
    const o = out();
    const child = fastSpawn('/bin/sh', ['sh', '-c', 'echo "cwd=$(pwd) v=$FAST_V"; echo err >&2; sleep 30'], { FAST_V: 'yes', PATH: '/usr/bin:/bin' }, dir, [-1, o.fd, o.fd]);
    closeSync(o.fd);
    expect(child).not.toBeNull();
    started.push(child!.pid);
    await new Promise((r) => setTimeout(r, 300));
    const stat = readFileSync(`/proc/${child!.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // pgrp and session are the child's own pid (setsid)
    expect(Number(fields[2])).toBe(child!.pid);
    expect(Number(fields[3])).toBe(child!.pid);
    // this test runner ignores SIGPIPE (Node does); the child must not inherit that, nor a blocked mask
    expect(statusField(child!.pid, 'SigIgn')).toMatch(/^0+$/);
    expect(statusField(child!.pid, 'SigBlk')).toMatch(/^0+$/);
    expect(readFileSync(o.file, 'utf8')).toBe(`cwd=${dir} v=yes\nerr\n`);
    // stdin is /dev/null
    expect(readFileSync(`/proc/${child!.pid}/fd/0`, 'utf8')).toBe('');
    expect(child!.startTime).toBeGreaterThan(0);
    process.kill(child!.pid, 'SIGTERM');
    expect(await exitOf(child!)).toEqual([null, 'SIGTERM']);
  });

  it('reports exit codes, and an exit that came before onExit was called', async () => {
    const child = fastSpawn('/bin/sh', ['sh', '-c', 'exit 7'], {}, dir, [-1, -1, -1]);
    expect(child).not.toBeNull();
    await new Promise((r) => setTimeout(r, 200));
    expect(await exitOf(child!)).toEqual([7, null]);
  });

  it('passes a listening socket as fd 3', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
    const o = out();
    const child = fastSpawn('/bin/sh', ['sh', '-c', 'ls -l /proc/$$/fd/3'], {}, dir, [-1, o.fd, o.fd, fd]);
    closeSync(o.fd);
    expect(await exitOf(child!)).toEqual([0, null]);
    server.close();
    expect(readFileSync(o.file, 'utf8')).toMatch(/3 -> socket:/);
    expect(port).toBeGreaterThan(0);
  });

  it('declines what it cannot do, so that Node\'s spawn reports it the usual way', () => {
    // a source fd that a dup2 would overwrite
    expect(fastSpawn('/bin/true', ['true'], {}, dir, [-1, 1, 2])).toBeNull();
    // no such program, and a working directory that is not there
    expect(fastSpawn(path.join(dir, 'missing'), ['missing'], {}, dir, [-1, -1, -1])).toBeNull();
    expect(fastSpawn('/bin/true', ['true'], {}, path.join(dir, 'nowhere'), [-1, -1, -1])).toBeNull();
  });

  it('delivers every exit when many end at once beside children of Node\'s own spawn', async () => {
    const ours = Array.from({ length: 30 }, (_, i) => fastSpawn('/bin/sh', ['sh', '-c', `sleep 0.2; exit ${i % 5}`], {}, dir, [-1, -1, -1])!);
    const theirs = Array.from({ length: 5 }, () => spawn('/bin/sh', ['-c', 'sleep 0.2; exit 9'], { stdio: 'ignore' }));
    const [ourExits, theirExits] = await Promise.all([
      Promise.all(ours.map(exitOf)),
      Promise.all(theirs.map((c) => new Promise<number | null>((r) => c.on('exit', (code) => r(code))))),
    ]);
    expect(ourExits).toEqual(ours.map((_, i) => [i % 5, null]));
    expect(theirExits).toEqual([9, 9, 9, 9, 9]);
  });

  it('is what the real spawner uses, and a program missing from PATH still fails the usual way', async () => {
    const o = out();
    const spec = { command: 'sh', args: ['-c', 'echo $$'], shell: false, cwd: dir, env: { PATH: '/usr/bin:/bin' } };
    const child = realSpawner.spawn(spec as never, { stdout: o.fd, stderr: o.fd });
    closeSync(o.fd);
    expect(await exitOf(child)).toEqual([0, null]);
    expect(readFileSync(o.file, 'utf8').trim()).toBe(String(child.pid));
    const o2 = out('missing.log');
    const missing = realSpawner.spawn({ ...spec, command: 'no-such-program-here' } as never, { stdout: o2.fd, stderr: o2.fd });
    closeSync(o2.fd);
    expect(missing.pid).toBe(-1);
    expect(await exitOf(missing)).toEqual([127, null]);
  });
});
