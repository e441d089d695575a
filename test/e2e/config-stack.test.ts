// sentinel up / reload / down with real processes through the built CLI: reload touches only what
// changed, dependencies start in order, a failed dependency blocks its dependents visibly, a bad file
// changes nothing, and a Procfile works directly.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, cleanupHome, cli, cliJson, ROOT, tempHome, waitFor } from '../helpers.js';

interface View { name: string; pid: number | null; status: string; reason: string | null; port: number | null }
interface Ev { id: number; processName: string | null; kind: string; oldState: string | null; newState: string | null; reason: string | null }

let home: string;
let dir: string;
beforeAll(() => {
  home = tempHome();
  dir = mkdtempSync(path.join(os.tmpdir(), 'sn-stack-'));
});
afterAll(async () => {
  await cleanupHome(home);
  rmSync(dir, { recursive: true, force: true });
});

const write = (name: string, text: string): string => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};
const list = async (): Promise<View[]> => (await cliJson<{ processes: View[] }>(home, ['list'])).processes;
const byName = async (): Promise<Record<string, View>> => Object.fromEntries((await list()).map((p) => [p.name, p]));
const events = async (after = 0): Promise<Ev[]> => (await cliJson<{ events: Ev[] }>(home, ['events', '--limit', '500'])).events.filter((e) => e.id > after);
/** The id of the latest event: what a step adds comes after it (one home is shared by the tests). */
const lastEventId = async (): Promise<number> => Math.max(0, ...(await events()).map((e) => e.id));
const firstEvent = (evs: Ev[], name: string, to: string): Ev | undefined => evs.find((e) => e.processName === name && e.newState === to);

describe('up, reload, down', () => {
  it('starts a stack, reloads only what changed (unchanged pids stay) and takes it down in reverse order', async () => {
    const v1 = `processes:
  db:
    command: sleep 300
  api:
    command: sleep 301
    depends_on: [db]
  worker:
    command: sleep 302
    env:
      MODE: one
`;
    const file = write('stack.yaml', v1);
    const up = await cli(home, ['up', '-f', file], { cwd: dir });
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    expect(up.stdout).toContain('Created db, api, worker\n');
    const first = await byName();
    expect(Object.values(first).map((p) => p.status)).toEqual(['running', 'running', 'running']);

    // a second up with nothing changed touches nothing
    const again = await cliJson<{ created: string[]; updated: unknown[]; running: string[]; started: string[] }>(home, ['up', '-f', file]);
    expect(again).toMatchObject({ created: [], updated: [], running: ['db', 'api', 'worker'], started: [] });

    const v2 = v1.replace('MODE: one', 'MODE: two').replace(/ {2}api:\n {4}command: sleep 301\n {4}depends_on: \[db\]\n/, '')
      + `  extra:
    command: sleep 303
    depends_on:
      db:
        condition: ready
`;
    writeFileSync(file, v2);
    const dry = await cli(home, ['reload', '-f', file, '--dry-run']);
    expect(dry.stdout).toBe(
      '+ extra  (new: sleep 303)\n~ worker  (changed: env.MODE)\n- api  (removed)\n= 1 unchanged: db\nPlan: 1 to add, 1 to change, 1 to remove.\n',
    );
    expect((await byName()).worker.pid).toBe(first.worker.pid); // a dry run changes nothing

    const reload = await cli(home, ['reload', '-f', file]);
    expect(reload.code).toBe(0);
    expect(reload.stdout.startsWith(dry.stdout)).toBe(true); // the plan is printed first
    expect(reload.stdout).toContain('Removed api\n');
    const second = await byName();
    expect(Object.keys(second).sort()).toEqual(['db', 'extra', 'worker']);
    expect(second.db.pid).toBe(first.db.pid);
    expect(second.worker.pid).not.toBe(first.worker.pid);
    expect(second.worker.status).toBe('running');
    expect(second.extra.status).toBe('running');
    expect(alive(first.api.pid!)).toBe(false);

    // down: dependents (extra) stop before what they depend on (db)
    const down = await cli(home, ['down', '-f', file]);
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(/^Stopped extra, (db, worker|worker, db)\nRemoved extra, (db, worker|worker, db)\n$/);
    const evs = await events();
    expect(firstEvent(evs, 'extra', 'stopped')!.id).toBeLessThan(firstEvent(evs, 'db', 'stopping')!.id);
    expect(await list()).toEqual([]);
    for (const p of Object.values(second)) expect(await waitFor(() => !alive(p.pid!), 5000)).toBe(true);
  });

  it('down --keep only stops; a subset of names brings their dependencies up too', async () => {
    const file = write('subset.yaml', `processes:
  base:
    command: sleep 300
  mid:
    command: sleep 300
    depends_on: [base]
  other:
    command: sleep 300
`);
    const up = await cliJson<{ started: string[] }>(home, ['up', '-f', file, 'mid']);
    expect(up.started.sort()).toEqual(['base', 'mid']);
    expect(Object.keys(await byName()).sort()).toEqual(['base', 'mid']);
    const unknown = await cli(home, ['up', '-f', file, 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('Error: process "nope" is not defined in subset.yaml; the file defines: base, mid, other\n');
    const keep = await cli(home, ['down', '-f', file, '--keep']);
    expect(keep.stdout).toBe('Stopped mid, base\n');
    expect(Object.values(await byName()).map((p) => p.status)).toEqual(['stopped', 'stopped']);
    await cli(home, ['down', '-f', file]);
    expect(await list()).toEqual([]);
  });
});

describe('dependencies', () => {
  it('waits for completed_successfully, starts independent processes in parallel, and blocks the dependents of a failure', async () => {
    const file = write('deps.yaml', `processes:
  migrate:
    command: sleep 0.6; echo migrated
  web:
    command: sleep 300
    depends_on:
      migrate:
        condition: completed_successfully
  broken:
    command: sleep 0.4; exit 3
  api:
    command: sleep 300
    depends_on:
      broken:
        condition: completed_successfully
  client:
    command: sleep 300
    depends_on:
      api:
        condition: started
`);
    const mark = await lastEventId();
    const up = await cli(home, ['up', '-f', file]);
    expect(up.code).toBe(1);
    expect(up.stdout).toContain('Blocked api: waiting for broken: failed (exit code 3)\n');
    expect(up.stdout).toContain('Blocked client: waiting for api: blocked (waiting for broken: failed (exit code 3))\n');
    const procs = await byName();
    expect(procs.web.status).toBe('running');
    expect(procs.migrate.status).toBe('exited');
    expect(procs.api).toMatchObject({ status: 'stopped', reason: 'waiting for broken: failed (exit code 3)' });
    expect(procs.client.status).toBe('stopped');

    const evs = await events(mark);
    // web started only after migrate had exited with 0
    expect(firstEvent(evs, 'migrate', 'exited')!.id).toBeLessThan(firstEvent(evs, 'web', 'starting')!.id);
    // migrate and broken do not wait for each other: both started before either ended
    expect(firstEvent(evs, 'broken', 'starting')!.id).toBeLessThan(firstEvent(evs, 'migrate', 'exited')!.id);
    expect(evs.find((e) => e.processName === 'api' && e.kind === 'blocked')?.reason).toBe('waiting for broken: failed (exit code 3)');

    const status = await cli(home, ['status', 'api']);
    expect(status.stdout).toContain('waiting for broken: failed (exit code 3)');
    await cli(home, ['down', '-f', file]);
  });

  it('sentinel graph prints the tree and the start order', async () => {
    const file = write('graph.yaml', `processes:
  db: {command: sleep 1}
  cache: {command: sleep 1}
  api:
    command: sleep 1
    depends_on: {db: {condition: ready}, cache: {condition: started}}
`);
    const graph = await cli(home, ['graph', '-f', file]);
    expect(graph.stdout).toBe('api\n├─ db (ready)\n└─ cache (started)\n\nStart order: db + cache -> api\n');
    const cycle = write('cycle.yaml', 'processes:\n  a: {command: sleep 1, depends_on: [b]}\n  b: {command: sleep 1, depends_on: [a]}\n');
    const bad = await cli(home, ['graph', '-f', cycle]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('Error: cycle.yaml has 1 error; nothing was changed:\n  - processes.a.depends_on: dependency cycle: a -> b -> a (cycle.yaml:2:37)\n');
  });
});

describe('a bad file changes nothing', () => {
  it('leaves the running stack as it was for a broken file, a missing program, a missing cwd and a name conflict', async () => {
    const good = `processes:
  keep:
    command: sleep 300
    env:
      V: "1"
`;
    const file = write('guarded.yaml', good);
    expect((await cli(home, ['up', '-f', file])).code).toBe(0);
    const before = await list();

    writeFileSync(file, `processes:
  keep:
    command: sleep 300
    stop_timeout: soon
    restrat: always
  fresh:
    command: sleep 300
`);
    for (const op of ['up', 'reload']) {
      const r = await cli(home, [op, '-f', file]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        'Error: guarded.yaml has 2 errors; nothing was changed:\n' +
          '  - processes.keep.stop_timeout: expected a duration like "5s", got "soon" (guarded.yaml:4:19)\n' +
          '  - processes.keep.restrat: unknown key "restrat"; did you mean "restart"? (guarded.yaml:5:5)\n',
      );
    }

    writeFileSync(file, `${good}  fresh:\n    command: ./no-such-program --serve\n`);
    const missing = await cli(home, ['up', '-f', file]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^Error: process "fresh": executable \/.*\/no-such-program does not exist; check the path \(relative paths start from .*\); nothing was changed\n$/);

    writeFileSync(file, `${good}  fresh:\n    command: sleep 300\n    cwd: ./not-here\n`);
    const cwd = await cli(home, ['up', '-f', file]);
    expect(cwd.stderr).toBe(`Error: process "fresh": working directory ${path.join(dir, 'not-here')} does not exist or is not a directory; create it or set the working directory (--cwd, or cwd: in a config file) to an existing one; nothing was changed\n`);

    await cli(home, ['run', 'sleep 300', '--name', 'taken']);
    writeFileSync(file, `${good.replace('"1"', '"2"')}  taken:\n    command: sleep 300\n`);
    const conflict = await cli(home, ['up', '-f', file]);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toBe('Error: process "taken" already exists and was started with "sentinel run"; delete it ("sentinel delete taken") or rename it in guarded.yaml; nothing was changed\n');

    const after = (await list()).filter((p) => p.name !== 'taken');
    expect(after).toEqual(before.map((p) => ({ ...p, cpu: after[0].cpu, memory: after[0].memory, uptimeMs: after[0].uptimeMs })));
    const evs = await events();
    expect(evs.filter((e) => e.processName === 'keep' && e.kind === 'updated')).toEqual([]);
    await cli(home, ['delete', 'taken']);
    writeFileSync(file, good);
    await cli(home, ['down', '-f', file]);
  });

  it('names a missing default file and a missing -f file', async () => {
    const none = await cli(home, ['up'], { cwd: dir });
    expect(none.code).toBe(1);
    expect(none.stderr).toBe(`Error: no sentinel.yaml (or .yml, .toml, .json) in ${dir}; create one with "sentinel init" or name a file with -f (a Procfile, PM2 ecosystem, compose or supervisord file works too)\n`);
    const gone = await cli(home, ['up', '-f', 'gone.yaml'], { cwd: dir });
    expect(gone.stderr).toBe('Error: config file gone.yaml does not exist; check the path given to -f\n');
  });
});

describe('other supervisors\' files directly', () => {
  it('up -f Procfile runs its processes; down -f Procfile removes them', async () => {
    const sub = path.join(dir, 'heroku');
    rmSync(sub, { recursive: true, force: true });
    (await import('node:fs')).mkdirSync(sub);
    writeFileSync(path.join(sub, 'Procfile'), 'web: echo "web on $PORT"; sleep 300\nworker: sleep 300\n');
    const up = await cli(home, ['up', '-f', 'Procfile'], { cwd: sub });
    expect(up.code).toBe(0);
    const procs = await byName();
    expect(procs.web.status).toBe('running');
    expect(procs.worker.status).toBe('running');
    expect(procs.web.port).toBeGreaterThan(0);
    await waitFor(async () => (await cli(home, ['logs', 'web'])).stdout.includes('web on'));
    expect((await cli(home, ['logs', 'web', '--stream', 'stdout'])).stdout).toBe(`web on ${procs.web.port}\n`);
    expect((await cli(home, ['port', 'list'])).stdout).toContain(String(procs.web.port));
    const down = await cli(home, ['down', '-f', 'Procfile'], { cwd: sub });
    expect(down.stdout).toMatch(/^Stopped (web, worker|worker, web)\nRemoved/);
    expect(await list()).toEqual([]);
    // the port the file allocated is released with it
    expect((await cli(home, ['port', 'list'])).stdout).not.toContain(String(procs.web.port));
  });
});

describe('the demo stack', () => {
  it('examples/demo.yaml comes up in order with only Node, serves HTTP, and goes down', async () => {
    const demo = path.join(ROOT, 'examples/demo.yaml');
    const mark = await lastEventId();
    const up = await cli(home, ['up', '-f', demo]);
    expect(up.code).toBe(0);
    expect(up.stdout).toContain('Created migrate, web, worker\n');
    const procs = await byName();
    expect(procs.migrate.status).toBe('exited');
    expect(procs.web.status).toBe('running');
    const evs = await events(mark);
    expect(firstEvent(evs, 'migrate', 'exited')!.id).toBeLessThan(firstEvent(evs, 'web', 'starting')!.id);
    expect(firstEvent(evs, 'web', 'running')!.id).toBeLessThan(firstEvent(evs, 'worker', 'starting')!.id);
    const body = await waitFor(async () => (await fetch(`http://127.0.0.1:${procs.web.port}/`).then((r) => r.text()).catch(() => '')).includes('Sentinel demo'));
    expect(body).toBe(true);
    expect(await waitFor(async () => (await cli(home, ['logs', 'worker'])).stdout.includes('worker tick 1'))).toBe(true);
    expect((await cli(home, ['logs', 'migrate', '--stream', 'stdout'])).stdout).toContain('migrations applied\n');
    const down = await cli(home, ['down', '-f', demo]);
    expect(down.stdout).toBe('Stopped worker, web\nRemoved worker, web, migrate\n');
    expect(await list()).toEqual([]);
  });
});
