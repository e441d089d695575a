// Definitions with instances, through the built CLI and a real daemon: each instance has its own pid,
// state, restarts, logs and SENTINEL_INSTANCE / NODE_APP_INSTANCE; "web" acts on all, "web:N" on one;
// a config file's instances are created, grown and shrunk by up/reload, and survive a daemon SIGKILL.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, cleanupHome, cli, cliJson, readPid, tempHome, waitFor } from '../helpers.js';

interface View { id: number; name: string; definition: string; instance: number; instances: number; pid: number | null; status: string; stdoutLog: string; command: string }

let home: string;
let dir: string;
beforeAll(() => {
  home = tempHome('sn-inst-');
  dir = mkdtempSync(path.join(os.tmpdir(), 'sn-inst-cfg-'));
});
afterAll(async () => {
  await cleanupHome(home);
  rmSync(dir, { recursive: true, force: true });
});

const list = async (): Promise<View[]> => (await cliJson<{ processes: View[] }>(home, ['list'])).processes;
const of = async (definition: string): Promise<View[]> => (await list()).filter((p) => p.definition === definition);
const PRINT = 'echo "instance=$SENTINEL_INSTANCE node=$NODE_APP_INSTANCE"; exec sleep 300';

describe('instances', () => {
  it('run --instances 3 starts three instances, each with its own pid, index and log files', async () => {
    const r = await cli(home, ['run', '--name', 'web', '--instances', '3', PRINT]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Started web: 3 instances \(web:0 pid \d+, web:1 pid \d+, web:2 pid \d+\)/);
    const web = await of('web');
    expect(web.map((p) => [p.name, p.instance, p.instances, p.status])).toEqual([
      ['web:0', 0, 3, 'running'], ['web:1', 1, 3, 'running'], ['web:2', 2, 3, 'running'],
    ]);
    expect(new Set(web.map((p) => p.pid)).size).toBe(3);
    for (const p of web) {
      expect(alive(p.pid!)).toBe(true);
      expect(await waitFor(() => readFileSync(p.stdoutLog, 'utf8').includes(`instance=${p.instance} node=${p.instance}`))).toBe(true);
    }
    expect(new Set(web.map((p) => p.stdoutLog)).size).toBe(3);
    const logs = await cli(home, ['logs', 'web:2', '--lines', '5']);
    expect(logs.stdout).toContain('instance=2 node=2');
    expect(logs.stdout).not.toContain('instance=1');
    const table = await cli(home, ['list']);
    expect(table.stdout).toMatch(/web \(3\)\s+\|\s+-\s+\|\s+3\/3 running/);
  });

  it('web:1 acts on one instance, web on all of them', async () => {
    const before = await of('web');
    const stop = await cli(home, ['stop', 'web:1']);
    expect(stop.code, stop.stderr).toBe(0);
    let web = await of('web');
    expect(web.map((p) => p.status)).toEqual(['running', 'stopped', 'running']);
    expect(alive(before[1].pid!)).toBe(false);
    expect(web[0].pid).toBe(before[0].pid);

    const start = await cli(home, ['start', 'web']);
    expect(start.code, start.stderr).toBe(0);
    web = await of('web');
    expect(web.map((p) => p.status)).toEqual(['running', 'running', 'running']);
    expect(web[0].pid).toBe(before[0].pid); // only the stopped one was started

    const restart = await cli(home, ['restart', 'web']);
    expect(restart.code, restart.stderr).toBe(0);
    const after = await of('web');
    for (let i = 0; i < 3; i++) expect(after[i].pid).not.toBe(web[i].pid);

    const stopAll = await cli(home, ['stop', 'web']);
    expect(stopAll.code, stopAll.stderr).toBe(0);
    expect((await of('web')).map((p) => p.status)).toEqual(['stopped', 'stopped', 'stopped']);
    for (const p of after) expect(await waitFor(() => !alive(p.pid!))).toBe(true);
  });

  it('refuses what would be wrong, with the reason', async () => {
    const missing = await cli(home, ['status', 'web:7']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('"web" has no instance 7; its instances are web:0 to web:2');
    const one = await cli(home, ['delete', 'web:1']);
    expect(one.code).toBe(2);
    expect(one.stderr).toContain('delete removes a whole definition');
    for (const bad of ['0', 'abc', '1001', '2.5']) {
      const r = await cli(home, ['run', '--name', 'bad', '--instances', bad, 'sleep 1']);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain(`--instances`);
    }
    expect((await list()).map((p) => p.definition)).not.toContain('bad');
    const del = await cli(home, ['delete', 'web']);
    expect(del.code, del.stderr).toBe(0);
    expect(await of('web')).toEqual([]);
  });

  it('up creates a file\'s instances, reload grows and shrinks them without touching the others, down removes all', async () => {
    const file = path.join(dir, 'sentinel.yaml');
    const write = (n: number) => writeFileSync(file, `processes:\n  worker:\n    command: ${JSON.stringify(PRINT)}\n    instances: ${n}\n`);
    write(2);
    expect((await cli(home, ['up', '-f', file])).code).toBe(0);
    const two = await of('worker');
    expect(two.map((p) => [p.name, p.status])).toEqual([['worker:0', 'running'], ['worker:1', 'running']]);

    write(4);
    const grow = await cli(home, ['reload', '-f', file]);
    expect(grow.code, grow.stderr).toBe(0);
    const four = await of('worker');
    expect(four.map((p) => p.status)).toEqual(['running', 'running', 'running', 'running']);
    expect(four.slice(0, 2).map((p) => p.pid)).toEqual(two.map((p) => p.pid));

    write(1);
    const shrink = await cli(home, ['reload', '-f', file]);
    expect(shrink.code, shrink.stderr).toBe(0);
    const one = await of('worker');
    expect(one.map((p) => [p.name, p.pid])).toEqual([['worker', two[0].pid]]);
    for (const p of four.slice(1)) expect(await waitFor(() => !alive(p.pid!))).toBe(true);
    // what a view keeps per record (its name, command, log paths) follows the new spec at once
    expect(four.map((p) => [p.name, p.command, path.basename(p.stdoutLog)])).toEqual([0, 1, 2, 3].map((i) => [`worker:${i}`, PRINT, `worker${i === 0 ? '' : `:${i}`}.stdout.log`]));
    expect(one.map((p) => [p.command, path.basename(p.stdoutLog)])).toEqual([[PRINT, 'worker.stdout.log']]);
    writeFileSync(file, `processes:\n  worker:\n    command: ${JSON.stringify('exec sleep 301')}\n    instances: 1\n`);
    const changed = await cli(home, ['reload', '-f', file]);
    expect(changed.code, changed.stderr).toBe(0);
    expect((await of('worker')).map((p) => [p.name, p.command])).toEqual([['worker', 'exec sleep 301']]);

    const down = await cli(home, ['down', '-f', file]);
    expect(down.code, down.stderr).toBe(0);
    expect(await of('worker')).toEqual([]);
  });

  it('every instance is re-adopted after a daemon SIGKILL', async () => {
    expect((await cli(home, ['run', '--name', 'api', '--instances', '2', PRINT])).code).toBe(0);
    const before = await of('api');
    const daemon = readPid(path.join(home, 'daemon.pid'))!;
    process.kill(daemon, 'SIGKILL');
    expect(await waitFor(() => !alive(daemon))).toBe(true);
    const after = await of('api');
    expect(after.map((p) => [p.name, p.pid, p.status])).toEqual(before.map((p) => [p.name, p.pid, 'running']));
  });
});
