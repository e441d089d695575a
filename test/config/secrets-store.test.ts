// The daemon's secret store over a real SQLite file, the redaction the daemon log and API apply, and the
// spawner that resolves ${secret:NAME} only when a child starts.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/store/db.js';
import { createLogger } from '../../src/daemon/logger.js';
import { redactSecrets, redactSecretsDeep, secretSpawner, SecretStore } from '../../src/daemon/secrets-store.js';
import type { Spawner } from '../../src/core/spawn.js';
import { emptySections, type ProcessSpec } from '../../src/core/spec.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

function setup(env: Record<string, string> = {}): { dir: string; db: Db; store: SecretStore } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sn-store-'));
  const db = openDb(path.join(dir, 'state.db'));
  cleanup.push(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, db, store: new SecretStore(db, path.join(dir, 'secret.key'), env) };
}

describe('SecretStore', () => {
  it('stores values encrypted, lists names and times only, removes them', () => {
    const { dir, db, store } = setup();
    const value = `pw-${randomBytes(8).toString('hex')}`;
    expect(store.set('DB_PASSWORD', value, 1000)).toEqual({ name: 'DB_PASSWORD', createdAt: 1000, updatedAt: 1000 });
    expect(store.set('DB_PASSWORD', value, 2000)).toEqual({ name: 'DB_PASSWORD', createdAt: 1000, updatedAt: 2000 });
    expect(store.get('DB_PASSWORD')).toBe(value);
    expect(store.get('NOPE')).toBeUndefined();
    expect(store.list()).toEqual([{ name: 'DB_PASSWORD', createdAt: 1000, updatedAt: 2000 }]);
    expect(store.versions(['DB_PASSWORD', 'NOPE'])).toEqual({ DB_PASSWORD: 2000 });
    db.pragma('wal_checkpoint(TRUNCATE)');
    for (const f of readdirSync(dir)) expect(readFileSync(path.join(dir, f)).toString('latin1')).not.toContain(value);
    expect(store.remove('DB_PASSWORD').name).toBe('DB_PASSWORD');
    expect(() => store.remove('DB_PASSWORD')).toThrow('no secret named "DB_PASSWORD"; "sentinel secret list" shows the secrets');
  });

  it('uses SENTINEL_SECRET_KEY when given, and a wrong key cannot read the values', () => {
    const key = randomBytes(32).toString('base64');
    const { db, dir, store } = setup({ SENTINEL_SECRET_KEY: key });
    store.set('A', 'alpha');
    const other = new SecretStore(db, path.join(dir, 'secret.key'), { SENTINEL_SECRET_KEY: randomBytes(32).toString('base64') });
    expect(() => other.get('A')).toThrow('A: cannot decrypt with this key');
    expect(other.warmUp()).toEqual(['A']);
    expect(new SecretStore(db, path.join(dir, 'secret.key'), { SENTINEL_SECRET_KEY: key }).get('A')).toBe('alpha');
  });

  it('rejects bad names and empty values', () => {
    const { store } = setup();
    expect(() => store.set('has space', 'x')).toThrow('secret name "has space" is not valid');
    expect(() => store.set('EMPTY', '')).toThrow('secret "EMPTY": the value is empty');
  });
});

describe('redactSecrets', () => {
  it('hides known values as written and as escaped in JSON, in text and in objects', () => {
    const { store } = setup();
    const value = `q"${randomBytes(6).toString('hex')}\\z`;
    store.set('QUOTED', value);
    const json = JSON.stringify({ msg: `got ${value}` });
    expect(json).not.toContain(value); // escaped in JSON...
    expect(redactSecrets(json)).toBe('{"msg":"got ***"}'); // ...and still hidden
    expect(redactSecrets(`plain ${value} text`)).toBe('plain *** text');
    expect(redactSecretsDeep({ list: [value], [value]: 1 })).toEqual({ list: ['***'], '***': 1 });
  });

  it('is what the daemon logger needs: createLogger({ redact: redactSecrets })', () => {
    const { dir, store } = setup();
    const value = `log-${randomBytes(8).toString('hex')}`;
    store.set('TOKEN', value);
    const file = path.join(dir, 'daemon.log');
    createLogger(file, { redact: redactSecrets }).warn('X', `failed with ${value}`, { detail: value });
    const line = readFileSync(file, 'utf8');
    expect(line).not.toContain(value);
    expect(JSON.parse(line)).toMatchObject({ msg: 'failed with ***', detail: '***' });
  });
});

describe('secretSpawner', () => {
  const spec = (env: Record<string, string>): ProcessSpec => ({
    name: 'p', command: 'true', args: [], shell: false, cwd: '/', env, group: null,
    restart: { mode: 'never', exitCodes: [], noRestartExitCodes: [], maxRestarts: 0, windowMs: 0, delayMs: 0, backoff: 'fixed', backoffMaxMs: 0, jitter: 0, minUptimeMs: 0 },
    stopSignal: 'SIGTERM', stopTimeoutMs: 1000, startWaitMs: 0, port: null, logMaxBytes: 1, logKeep: 1, ...emptySections(),
  });

  it('resolves markers only in the spec handed to the child; a missing secret is named', () => {
    const { store } = setup();
    store.set('API', 'the-value');
    const seen: Array<Record<string, string>> = [];
    const inner: Spawner = { spawn: (s) => { seen.push(s.env); return { pid: 1, startTime: null, onExit: () => undefined }; } };
    const wrapped = secretSpawner(inner, store);
    expect(secretSpawner(wrapped, store)).toBe(wrapped); // wrapping twice is a no-op
    const stored = spec({ TOKEN: 'Bearer ${secret:API}', PLAIN: 'x' });
    wrapped.spawn(stored, { stdout: 1, stderr: 2 });
    expect(seen[0]).toEqual({ TOKEN: 'Bearer the-value', PLAIN: 'x' });
    expect(stored.env.TOKEN).toBe('Bearer ${secret:API}');
    expect(() => wrapped.spawn(spec({ T: '${secret:GONE}' }), { stdout: 1, stderr: 2 })).toThrow(
      'secret "GONE" is not set; add it with: sentinel secret set GONE',
    );
  });
});
