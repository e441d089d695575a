// Every table of state.db comes from the versioned migrations: a fresh file gets them all from openDb,
// and using every repository afterwards creates nothing more.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openDb, SCHEMA_VERSION, type Db } from '../../src/store/db.js';
import { ProcessRepo } from '../../src/store/processes.js';
import { GroupRepo, PortRepo } from '../../src/store/groups-ports.js';
import { createSchedulerRepo } from '../../src/store/schedules.js';
import { SecretRepo } from '../../src/store/secrets.js';
import { MetaRepo } from '../../src/store/meta.js';
import { ConfigOwnedRepo } from '../../src/store/config-owned.js';
import { TokenRepo } from '../../src/store/tokens.js';
import { DeployRepo } from '../../src/store/deploys.js';
import { createSchedule } from '../../src/scheduler/schedule.js';
import { DEFAULT_RESTART_POLICY, type ProcessSpec } from '../../src/core/spec.js';

const STORE_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../src/store');

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

function freshDb(): { db: Db; home: string } {
  const home = mkdtempSync(path.join(os.tmpdir(), 'sn-schema-'));
  const db = openDb(path.join(home, 'state.db'));
  cleanup.push(() => {
    db.close();
    rmSync(home, { recursive: true, force: true });
  });
  return { db, home };
}

function schema(db: Db): Array<{ type: string; name: string; sql: string | null }> {
  return db.prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all() as Array<{ type: string; name: string; sql: string | null }>;
}

/** The tables the store's statements read or write, taken from the SQL in src/store/*.ts. */
function tablesUsedByStore(): Set<string> {
  const used = new Set<string>();
  for (const file of readdirSync(STORE_DIR).filter((f) => f.endsWith('.ts') && f !== 'migrations.ts' && f !== 'lock.ts')) {
    const text = readFileSync(path.join(STORE_DIR, file), 'utf8');
    for (const m of text.matchAll(/\b(?:FROM|INTO|UPDATE|JOIN)\s+([a-z_]+)\b/g)) used.add(m[1]);
  }
  return used;
}

const spec = (name: string): ProcessSpec => ({
  name, command: 'true', args: [], shell: false, cwd: '/', env: {}, group: 'g',
  restart: { ...DEFAULT_RESTART_POLICY }, stopSignal: 'SIGTERM', stopTimeoutMs: 10_000, startWaitMs: 0, port: null, logMaxBytes: 1024, logKeep: 1, extra: {},
});

describe('the schema of a fresh state.db', () => {
  it('has exactly the tables the store uses, at the latest version', () => {
    const { db } = freshDb();
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const tables = schema(db).filter((o) => o.type === 'table').map((o) => o.name).sort();
    expect(tables).toEqual(['config_owned', 'deploys', 'events', 'groups', 'meta', 'ports', 'processes', 'revisions', 'schedule_runs', 'schedules', 'secrets', 'tokens']);
    expect([...tablesUsedByStore()].sort()).toEqual(tables);
  });

  it('gains no table or index when every repository is used', () => {
    const { db } = freshDb();
    const before = schema(db);
    const now = 1_780_000_000_000;
    const event = { time: now, processId: null, processName: 'p', kind: 'created', oldState: null, newState: null, pid: null, exitCode: null, signal: null, reason: null, actor: 'test' };
    const procs = new ProcessRepo(db);
    const rec = procs.insert(spec('p'), now, event);
    procs.update(rec.id, { state: 'running', pid: 1 }, { ...event, kind: 'state' });
    expect(procs.events({ name: 'p' })).toHaveLength(2);
    expect(procs.maxStartSeq()).toBe(0);
    new GroupRepo(db).create('g', { A: '1' }, now);
    new PortRepo(db).add(40_000, 'web', now);
    const secrets = new SecretRepo(db);
    secrets.upsert('s', 'v1:sealed', now);
    secrets.upsert('s', 'v1:resealed', now + 1);
    expect(secrets.list()).toEqual([{ name: 's', sealed: 'v1:resealed', createdAt: now, updatedAt: now + 1 }]);
    expect(secrets.meta('s')).toEqual({ name: 's', createdAt: now, updatedAt: now + 1 });
    expect(secrets.sealedValue('s')).toBe('v1:resealed');
    const meta = new MetaRepo(db);
    meta.set('boot_id', 'a');
    meta.set('boot_id', 'b');
    expect(meta.get('boot_id')).toBe('b');
    expect(meta.get('notifications')).toBeUndefined();
    const owned = new ConfigOwnedRepo(db);
    owned.add('/f.yaml', 'group', 'g');
    owned.add('/f.yaml', 'group', 'g');
    owned.add('/f.yaml', 'schedule', 'nightly');
    owned.add('/other.yaml', 'port', '40000');
    expect(owned.list('/f.yaml')).toEqual([{ kind: 'group', name: 'g' }, { kind: 'schedule', name: 'nightly' }]);
    expect(owned.names('/f.yaml', 'schedule')).toEqual(['nightly']);
    owned.remove('/f.yaml', 'schedule', 'nightly');
    owned.removeFile('/f.yaml');
    expect(owned.list('/f.yaml')).toEqual([]);
    expect(owned.list('/other.yaml')).toEqual([{ kind: 'port', name: '40000' }]);
    const schedules = createSchedulerRepo(db);
    schedules.insertSchedule(createSchedule({ name: 'nightly', trigger: { everyMs: 60_000 }, command: 'true', cwd: '/' }, now), now);
    const run = schedules.startRun({ name: 'nightly', dueAt: now, claim: true, trigger: 'interval', attempt: 1, startedAt: now });
    expect(run?.status).toBe('running');
    expect(schedules.finishRun(run!.id, { endedAt: now + 5, durationMs: 5, exitCode: 0, signal: null, status: 'succeeded' })).toBe(true);
    const tokens = new TokenRepo(db);
    tokens.insert({ name: 't', hash: 'ab'.repeat(32), role: 'viewer', processes: 'web*', createdAt: now, expiresAt: now + 1000, lastUsedAt: null, createdBy: 'cli' });
    tokens.touch('t', now + 1);
    expect(tokens.byHash('ab'.repeat(32))).toMatchObject({ name: 't', role: 'viewer', processes: 'web*', lastUsedAt: now + 1 });
    expect(tokens.list().map((t) => t.name)).toEqual(['t']);
    expect(tokens.removeExpiredBefore(now + 1000)).toBe(0);
    expect(tokens.removeExpiredBefore(now + 1001)).toBe(1);
    tokens.insert({ name: 't', hash: 'ab'.repeat(32), role: 'viewer', processes: null, createdAt: now, expiresAt: null, lastUsedAt: null, createdBy: 'cli' });
    expect(tokens.removeExpiredBefore(now * 2)).toBe(0);
    expect(tokens.remove('t')).toBe(true);
    expect(tokens.remove('t')).toBe(false);
    const deploys = new DeployRepo(db);
    const rev = deploys.addRevision({ name: 'p', spec: spec('p'), artifactHash: null, traffic: 'proxy', createdAt: now, createdBy: 'cli' });
    expect(rev.revision).toBe(1);
    const options = { maxSurge: 1, maxUnavailable: 0, minHealthyMs: 0, canaryWeight: 0.1, canaryInstances: 1, bakeMs: 0, maxErrorRate: 0.01, drainMs: 0 };
    const dep = deploys.insertDeploy({ name: 'p', fromRevision: null, toRevision: 1, strategy: 'rolling', options, plan: [{ op: 'add', count: 1, weight: 'normal' }], step: 0, state: 'running', reason: null, report: {}, startedAt: now, endedAt: null, actor: 'cli' });
    expect(deploys.running('p').map((x) => x.id)).toEqual([dep.id]);
    deploys.setStep(dep.id, 1, { steps: [] });
    deploys.finish(dep.id, 'succeeded', null, {}, now + 1);
    expect(deploys.current('p')?.revision).toBe(1);
    expect(deploys.history('p', 5).map((x) => x.state)).toEqual(['succeeded']);
    expect(deploys.names()).toEqual(['p']);
    expect(schema(db)).toEqual(before);
  });

  it('only migrations.ts creates objects in state.db (lock.ts makes its own lock file)', () => {
    for (const file of readdirSync(STORE_DIR).filter((f) => f.endsWith('.ts'))) {
      const creates = /\bCREATE\s+(?:UNIQUE\s+)?(?:TABLE|INDEX|VIEW|TRIGGER)\b|\bALTER\s+TABLE\b/.test(readFileSync(path.join(STORE_DIR, file), 'utf8'));
      expect({ file, creates }).toEqual({ file, creates: file === 'migrations.ts' || file === 'lock.ts' });
    }
  });
});

describe('a connection to state.db', () => {
  it('bounds its page cache to 2 MiB (better-sqlite3 builds SQLite with 16 MiB, which a growing events table filled)', () => {
    const { db } = freshDb();
    expect(db.pragma('cache_size', { simple: true })).toBe(-2048);
    // WAL as before: the cache setting does not replace the journal mode
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  });
});
