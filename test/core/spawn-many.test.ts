// Many children started in one call (native spawnMany from a few threads, through the spawner chain): every
// child started is handed back with its pid and start time and its exit delivered, and a request that cannot
// start fails alone, reported as spawn reports it, the others started all the same.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fastSpawnMany } from '../../src/core/fast-spawn.js';
import { nativeAddon } from '../../src/core/native.js';
import { realSpawner } from '../../src/core/spawn.js';
import { isChild, spawnAll, spawnManyThrough } from '../../src/core/spawn-many.js';
import { createRealHost } from '../../src/core/real-host.js';
import { killedAfterEach } from '../helpers.js';
import type { ChildHandle, Spawned, SpawnRequest } from '../../src/core/host.js';
import type { ProcessSpec } from '../../src/core/spec.js';

let dir: string;
const started = killedAfterEach();

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'sentinel-spawn-many-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function exitOf(child: ChildHandle): Promise<[number | null, string | null]> {
  return new Promise((resolve) => child.onExit((code, signal) => resolve([code, signal])));
}

function spec(command: string, args: string[], over: Partial<ProcessSpec> = {}): ProcessSpec {
  return { command, args, shell: false, cwd: dir, env: { PATH: '/usr/bin:/bin' }, ...over } as ProcessSpec;
}

function request(s: ProcessSpec, name: string): SpawnRequest & { file: string } {
  const file = path.join(dir, `${name}.log`);
  return { spec: s, fds: { stdout: openSync(file, 'a'), stderr: openSync(file, 'a') }, file };
}

function children(spawned: Spawned[]): ChildHandle[] {
  return spawned.map((s) => {
    if (!isChild(s)) throw new Error(`not started: ${String(s.error)}`);
    if (s.pid > 0) started.push(s.pid);
    return s;
  });
}

describe('spawnMany', () => {
  it('is in the built addon', () => {
    expect(typeof nativeAddon()?.spawnMany).toBe('function');
  });

  it('starts 60 real children from a few threads, each in its own session with its fds, cwd and environment', async () => {
    const jobs = Array.from({ length: 60 }, (_, i) => {
      const file = path.join(dir, `c${i}.log`);
      const fd = openSync(file, 'a');
      return { file, fd, job: { file: '/bin/sh', argv: ['sh', '-c', `echo "$N $(pwd)"; exit ${i % 7}`], env: { N: String(i) }, cwd: dir, fds: [-1, fd, fd] } };
    });
    const handles = fastSpawnMany(jobs.map((j) => j.job));
    for (const j of jobs) closeSync(j.fd);
    expect(handles.every((h) => h !== null && h.pid > 0)).toBe(true);
    expect(new Set(handles.map((h) => h!.pid)).size).toBe(60);
    const exits = await Promise.all(handles.map((h) => exitOf(h!)));
    expect(exits).toEqual(jobs.map((_, i) => [i % 7, null]));
    jobs.forEach((j, i) => expect(readFileSync(j.file, 'utf8')).toBe(`${i} ${dir}\n`));
  });

  it('gives each child its start time and its own session', async () => {
    const [h] = fastSpawnMany([{ file: '/bin/sleep', argv: ['sleep', '30'], env: {}, cwd: dir, fds: [-1, -1, -1] }]);
    started.push(h!.pid);
    const stat = readFileSync(`/proc/${h!.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    expect(Number(fields[3])).toBe(h!.pid);
    expect(h!.startTime).toBe(Number(fields[19]));
    process.kill(h!.pid, 'SIGTERM');
    expect(await exitOf(h!)).toEqual([null, 'SIGTERM']);
  });

  it('declines, one by one, what it cannot start: the others start all the same', async () => {
    const handles = fastSpawnMany([
      { file: path.join(dir, 'missing'), argv: ['missing'], env: {}, cwd: dir, fds: [-1, -1, -1] },
      { file: '/bin/true', argv: ['true'], env: {}, cwd: path.join(dir, 'nowhere'), fds: [-1, -1, -1] },
      { file: '/bin/true', argv: ['true'], env: {}, cwd: dir, fds: [-1, 1, 2] },
      { file: '/bin/sh', argv: ['sh', '-c', 'exit 3'], env: {}, cwd: dir, fds: [-1, -1, -1] },
    ]);
    expect(handles.slice(0, 3)).toEqual([null, null, null]);
    expect(await exitOf(handles[3]!)).toEqual([3, null]);
  });

  it('through the real spawner: a program missing from PATH or a gone cwd fails as spawn reports it, beside children that start', async () => {
    const ok = request(spec('sh', ['-c', 'echo started $$']), 'ok');
    const missing = request(spec('no-such-program-here', []), 'missing');
    const badCwd = request(spec('sh', ['-c', 'true'], { cwd: path.join(dir, 'gone') }), 'bad-cwd');
    const shell = request(spec('echo from a shell', [], { shell: true }), 'shell');
    const got = children(realSpawner.spawnMany!([ok, missing, badCwd, shell]));
    for (const r of [ok, missing, badCwd, shell]) {
      closeSync(r.fds.stdout);
      closeSync(r.fds.stderr);
    }
    expect(await exitOf(got[0])).toEqual([0, null]);
    expect(readFileSync(ok.file, 'utf8')).toBe(`started ${got[0].pid}\n`);
    // as realSpawner.spawn answers them: Node's spawn emits its error, no pid, exit 127
    expect(got[1].pid).toBe(-1);
    expect(await exitOf(got[1])).toEqual([127, null]);
    expect(got[2].pid).toBe(-1);
    expect(await exitOf(got[2])).toEqual([127, null]);
    expect(await exitOf(got[3])).toEqual([0, null]);
    expect(readFileSync(shell.file, 'utf8')).toBe('from a shell\n');
  });

  it('through the real host: a run marker for each child, and the parent\'s fds closed', async () => {
    const reqs = [request(spec('sh', ['-c', 'echo $_SENTINEL_RUN_ID']), 'a'), request(spec('sh', ['-c', 'echo $_SENTINEL_RUN_ID']), 'b')];
    const got = children(createRealHost().spawnMany!(reqs));
    await Promise.all(got.map(exitOf));
    got.forEach((c, i) => {
      expect(c.runMarker).toMatch(/^[0-9a-f-]{36}$/);
      expect(readFileSync(reqs[i].file, 'utf8')).toBe(`${c.runMarker}\n`);
    });
    expect(got[0].runMarker).not.toBe(got[1].runMarker);
    expect(() => closeSync(reqs[0].fds.stdout)).toThrow(/EBADF/);
  });

  it('a decorator starts its own requests alone and passes the rest on in one batch', () => {
    const seen: string[] = [];
    const inner = {
      spawn: (s: ProcessSpec): ChildHandle => {
        seen.push(`one ${s.command}`);
        return { pid: 1, startTime: null, onExit: () => undefined };
      },
      spawnMany: (rs: SpawnRequest[]): Spawned[] => {
        seen.push(`many ${rs.map((r) => r.spec.command).join(',')}`);
        return rs.map(() => ({ pid: 2, startTime: null, onExit: () => undefined }));
      },
    };
    const reqs = ['a', 'mine', 'b', 'bad'].map((c) => ({ spec: spec(c, []), fds: { stdout: -1, stderr: -1 } }));
    const out = spawnManyThrough(inner, reqs, (r) => {
      if (r.spec.command === 'bad') throw new Error('cannot');
      return r.spec.command === 'mine' ? null : { ...r, spec: { ...r.spec, command: `${r.spec.command}!` } };
    }, (r) => inner.spawn({ ...r.spec, command: 'alone' }));
    expect(seen).toEqual(['one alone', 'many a!,b!']);
    expect(out.map((s) => (isChild(s) ? s.pid : String((s.error as Error).message)))).toEqual([2, 1, 2, 'cannot']);
    // a spawner without spawnMany is asked spawn by spawn, a throw answering for its request only
    const plain = { spawn: (s: ProcessSpec): ChildHandle => { if (s.command === 'bad') throw new Error('no'); return { pid: 3, startTime: null, onExit: () => undefined }; } };
    expect(spawnAll(plain, reqs).map((s) => isChild(s))).toEqual([true, true, true, false]);
  });
});
