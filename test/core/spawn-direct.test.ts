// A shell command of plain words is started as its program (one process); anything the shell must read
// (quotes, expansions, operators, assignments, builtins, a program not in PATH) keeps /bin/sh -c.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { plainArgv, realSpawner, type ChildHandle } from '../../src/core/spawn.js';
import { emptySections, DEFAULTS, DEFAULT_RESTART_POLICY, type ProcessSpec } from '../../src/core/spec.js';
import { waitFor } from '../helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'sn-direct-'));
const PATH = process.env.PATH ?? '/usr/bin:/bin';
const children: ChildHandle[] = [];
afterAll(() => {
  for (const c of children) {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch { /* gone */ }
  }
  rmSync(dir, { recursive: true, force: true });
});

function shellSpec(command: string): ProcessSpec {
  const sections = emptySections();
  return {
    name: 'd', command, args: [], shell: true, cwd: dir, env: { PATH, HOME: dir },
    group: null, restart: DEFAULT_RESTART_POLICY, stopSignal: 'SIGTERM', stopTimeoutMs: 2000, startWaitMs: 0, port: null,
    logMaxBytes: DEFAULTS.logMaxBytes, logKeep: 1, ...sections,
  };
}

function start(command: string): { child: ChildHandle; out: string; exit: Promise<[number | null, string | null]> } {
  const out = path.join(dir, `${children.length}.out`);
  const fd = openSync(out, 'a');
  const child = realSpawner.spawn(shellSpec(command), { stdout: fd, stderr: fd });
  closeSync(fd);
  children.push(child);
  const exit = new Promise<[number | null, string | null]>((r) => child.onExit((code, signal) => r([code, signal])));
  return { child, out, exit };
}

const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
// posix_spawn returns once the child's exec has replaced its memory, which the kernel does just before it
// writes the new argv there: for a moment /proc/PID/cmdline reads empty. Wait for the argv, then look.
async function argvOf(pid: number): Promise<string[]> {
  await waitFor(() => cmdline(pid).length > 0, 3000, 5);
  return cmdline(pid);
}
const childrenOf = (pid: number) => readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);

describe('plain shell commands', () => {
  it('plainArgv splits plain words and refuses what the shell must read', () => {
    expect(plainArgv('  sleep   30 ', PATH, dir)).toEqual(['sleep', '30']);
    expect(plainArgv('node server.js --port=8080 --tag a,b @x 50%', PATH, dir)).toEqual(['node', 'server.js', '--port=8080', '--tag', 'a,b', '@x', '50%']);
    for (const shellish of ['sleep $T', 'sleep "30"', "echo 'a b'", 'sleep 30 &', 'a | b', 'echo *', 'echo ~', 'echo a > f', 'FOO=1 sleep 3',
      'cd /tmp', 'exec sleep 3', 'ulimit -n 10', 'sleep 1; sleep 2', 'echo #x', 'echo a\\ b', 'no-such-program-here 1', '']) {
      expect(plainArgv(shellish, PATH, dir), shellish).toBeNull();
    }
  });

  it('a plain command is one process: the program itself, no shell above it', async () => {
    const { child } = start('sleep 30');
    expect(await argvOf(child.pid)).toEqual(['sleep', '30']);
    expect(childrenOf(child.pid)).toEqual([]);
  });

  it('a command with shell syntax still runs through /bin/sh -c, with its expansions', async () => {
    const { child, out, exit } = start('X=hello; echo "$X $HOME" && exit 3');
    expect(await exit).toEqual([3, null]);
    expect(readFileSync(out, 'utf8')).toBe(`hello ${dir}\n`);
    const sh = start('sleep 30; true');
    expect((await argvOf(sh.child.pid))[0]).toBe('/bin/sh');
    await waitFor(() => childrenOf(sh.child.pid).length === 1, 3000, 20);
  });

  it('exit codes and signals of a direct program are its own', async () => {
    const a = start('false');
    expect(await a.exit).toEqual([1, null]);
    const b = start('sleep 30');
    process.kill(b.child.pid, 'SIGTERM');
    expect(await b.exit).toEqual([null, 'SIGTERM']);
  });
});
