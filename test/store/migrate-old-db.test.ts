// A state.db written by release 88cf2eb (test/fixtures/store/make-v1-db.sh: schema version 2, the
// scheduler's tables created by the scheduler itself) opened with today's store: the migrations run and
// every row the old daemon wrote is still there and readable.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDb, SCHEMA_VERSION, type Db } from '../../src/store/db.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { ProcessRepo } from '../../src/store/processes.js';
import { GroupRepo, PortRepo } from '../../src/store/groups-ports.js';
import { createSchedulerRepo } from '../../src/store/schedules.js';
import { MetaRepo } from '../../src/store/meta.js';
import { SecretStore } from '../../src/daemon/secrets-store.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/store');

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

/** A temp SENTINEL_HOME holding a copy of the old state.db and its secret key. */
function oldHome(): { home: string; dbFile: string; keyFile: string } {
  const home = mkdtempSync(path.join(os.tmpdir(), 'sn-migrate-'));
  cleanup.push(() => rmSync(home, { recursive: true, force: true }));
  const dbFile = path.join(home, 'state.db');
  const keyFile = path.join(home, 'secret.key');
  copyFileSync(path.join(FIXTURES, 'v1-state.db'), dbFile);
  copyFileSync(path.join(FIXTURES, 'v1-secret.key'), keyFile);
  return { home, dbFile, keyFile };
}

function open(file: string): Db {
  const db = openDb(file);
  cleanup.unshift(() => db.close());
  return db;
}

function userVersion(file: string): number {
  const raw = new Database(file, { readonly: true });
  try {
    return raw.pragma('user_version', { simple: true }) as number;
  } finally {
    raw.close();
  }
}

describe('opening a state.db written by release 88cf2eb', () => {
  it('is the old schema before: version 2, scheduler tables made outside the migrations', () => {
    const { dbFile } = oldHome();
    expect(userVersion(dbFile)).toBe(2);
    const raw = new Database(dbFile, { readonly: true });
    cleanup.unshift(() => raw.close());
    const tables = (raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'schedule%'").all() as Array<{ name: string }>).map((r) => r.name);
    expect(tables.sort()).toEqual(['schedule_runs', 'schedules']);
  });

  it('migrates to the latest version and keeps every process, group, port, schedule, run, secret and event', () => {
    const { dbFile, keyFile } = oldHome();
    const db = open(dbFile);
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');

    const processes = new ProcessRepo(db).list();
    expect(processes.map((p) => ({
      name: p.name, command: p.spec.command, args: p.spec.args, shell: p.spec.shell, group: p.spec.group,
      restart: p.spec.restart.mode, state: p.state, pid: p.pid, wantRunning: p.wantRunning,
    }))).toEqual([
      { name: 'web', command: 'sleep', args: ['1000'], shell: false, group: null, restart: 'never', state: 'stopped', pid: null, wantRunning: true },
      { name: 'once', command: 'sleep', args: ['1000'], shell: false, group: null, restart: 'never', state: 'stopped', pid: null, wantRunning: false },
      { name: 'keeper', command: 'sleep', args: ['1000'], shell: false, group: null, restart: 'always', state: 'stopped', pid: null, wantRunning: true },
      { name: 'api', command: 'sleep 1000', args: [], shell: true, group: 'backend', restart: 'never', state: 'stopped', pid: null, wantRunning: true },
    ]);
    expect(processes.map((p) => p.id)).toEqual([1, 2, 3, 4]);
    // migration 4 (instances): every old row is instance 0 of its definition; the old untyped spec
    // comes back in today's typed sections, with nothing set that was not set before
    expect(processes.map((p) => p.instance)).toEqual([0, 0, 0, 0]);
    for (const p of processes) {
      expect(p.spec).not.toHaveProperty('extra');
      expect(p.spec.instances).toBe(1);
      expect(p.spec.identity).toEqual({ user: null, group: null, nice: null, ionice: null });
      expect(p.spec.source.configFile).toBeNull();
    }
    expect(processes.find((p) => p.name === 'keeper')!.spec.restart.mode).toBe('always');
    expect(processes[0].spec.env.MODE).toBe('prod');
    expect(processes[3].spec.env).toMatchObject({ REGION: 'eu-west', TIER: '2' });
    expect(processes.find((p) => p.name === 'once')!.spec.startWaitMs).toBe(200);

    expect(new GroupRepo(db).list()).toEqual([{ name: 'backend', env: { REGION: 'eu-west', TIER: '2' }, createdAt: expect.any(Number) }]);
    expect(new PortRepo(db).list()).toEqual([{ port: 47311, name: 'web-port', allocatedAt: expect.any(Number) }]);

    const schedules = createSchedulerRepo(db);
    const [tick] = schedules.listSchedules();
    expect(schedules.listSchedules()).toHaveLength(1);
    expect(tick.schedule).toMatchObject({ name: 'tick', trigger: { everyMs: 3_600_000 }, command: 'echo', args: ['tick'], shell: false, enabled: true, overlap: 'skip' });
    expect(tick.nextDueAt).toBe(tick.schedule.createdAt + 3_600_000);
    expect(tick.lastDueAt).toBeNull();
    const runs = schedules.history('tick', 10);
    expect(runs.map((r) => ({ id: r.id, trigger: r.trigger, status: r.status, exitCode: r.exitCode, attempt: r.attempt }))).toEqual([
      { id: 2, trigger: 'manual', status: 'succeeded', exitCode: 0, attempt: 1 },
      { id: 1, trigger: 'manual', status: 'succeeded', exitCode: 0, attempt: 1 },
    ]);
    expect(runs.every((r) => r.endedAt !== null && r.endedAt >= r.startedAt && r.stdoutPath?.endsWith(`/tick/${r.id}.stdout.log`))).toBe(true);
    expect(schedules.lastRuns().get('tick')?.id).toBe(2);

    const secrets = new SecretStore(db, keyFile, {});
    expect(secrets.list().map((s) => s.name)).toEqual(['db_password']);
    expect(secrets.get('db_password')).toBe('hunter2-v1');

    const meta = new MetaRepo(db);
    expect(JSON.parse(meta.get('notifications')!)).toEqual({ webhooks: [{ url: 'http://127.0.0.1:9/hook', events: ['crash'] }] });
    expect(meta.get('boot_id')).toMatch(/\S/);

    const events = new ProcessRepo(db).events({ limit: 1000 });
    expect(events).toHaveLength(20);
    for (const name of ['web', 'once', 'keeper', 'api']) expect(events.filter((e) => e.processName === name)).toHaveLength(5);
    expect(events.filter((e) => e.processName === 'once').map((e) => [e.kind, e.newState, e.actor])).toEqual([
      ['created', null, 'cli'], ['state', 'starting', 'cli'], ['state', 'running', 'sentinel'], ['state', 'stopping', 'cli'], ['state', 'stopped', 'cli'],
    ]);
  });

  it('stays writable after the upgrade: new runs continue the old ids, a re-open changes nothing', () => {
    const { dbFile } = oldHome();
    const db = open(dbFile);
    const schedules = createSchedulerRepo(db);
    const run = schedules.startRun({ name: 'tick', dueAt: null, claim: false, trigger: 'manual', attempt: 1, startedAt: Date.now() });
    expect(run?.id).toBe(3);
    const proc = new ProcessRepo(db).insert({ ...new ProcessRepo(db).list()[0].spec, name: 'web2' }, Date.now(), {
      time: Date.now(), processId: null, processName: 'web2', kind: 'state', oldState: null, newState: 'stopped', pid: null, exitCode: null, signal: null, reason: 'created', actor: 'test',
    });
    expect(proc.id).toBe(5);
    db.close();
    cleanup.shift();
    const again = open(dbFile);
    expect(again.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(createSchedulerRepo(again).history('tick', 10).map((r) => r.id)).toEqual([3, 2, 1]);
    expect(new ProcessRepo(again).list().map((p) => p.name)).toEqual(['web', 'once', 'keeper', 'api', 'web2']);
  });

  it('a version-2 file the scheduler never touched gets the scheduler tables from migration 3', () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'sn-migrate-'));
    cleanup.push(() => rmSync(home, { recursive: true, force: true }));
    const file = path.join(home, 'state.db');
    const raw = new Database(file);
    for (const [i, sql] of MIGRATIONS.slice(0, 2).entries()) {
      raw.exec(sql);
      raw.pragma(`user_version = ${i + 1}`);
    }
    raw.prepare("INSERT INTO groups (name, env, created_at) VALUES ('g', '{\"A\":\"1\"}', 1)").run();
    raw.close();
    const db = open(file);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(new GroupRepo(db).list()).toEqual([{ name: 'g', env: { A: '1' }, createdAt: 1 }]);
    expect(createSchedulerRepo(db).listSchedules()).toEqual([]);
  });
});
