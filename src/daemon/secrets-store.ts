// Secrets at rest in SQLite (AES-256-GCM), resolved into a process environment only when it is spawned,
// and a redaction function every output path (daemon log, API answers) can apply.
import { SentinelError } from '../core/errors.js';
import type { Spawner } from '../core/spawn.js';
import type { ProcessSpec } from '../core/spec.js';
import type { Db } from '../store/db.js';
import { SecretRepo } from '../store/secrets.js';
import { decryptSecret, encryptSecret, loadSecretKey, REDACTED } from '../config/secrets.js';
import { resolveSecretMarkers, hasSecretMarker } from '../config/interpolate.js';
import { spawnManyThrough } from '../core/spawn-many.js';

export interface SecretInfo {
  name: string;
  createdAt: number;
  updatedAt: number;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Every secret value this daemon has known (removed ones too: a running process may still hold one). */
const knownValues = new Set<string>();

function rememberValue(value: string): void {
  if (value.length > 0) knownValues.add(value);
}

/** Forms a value can take in output: as written, and escaped inside a JSON string. */
function outputForms(value: string): string[] {
  const escaped = JSON.stringify(value).slice(1, -1);
  return escaped === value ? [value] : [value, escaped];
}

/** Replaces every known secret value in a text (a log line, a JSON answer) with ***. */
export function redactSecrets(text: string): string {
  if (knownValues.size === 0 || text.length === 0) return text;
  const forms = [...knownValues].flatMap(outputForms).sort((a, b) => b.length - a.length);
  let out = text;
  for (const form of forms) if (out.includes(form)) out = out.split(form).join(REDACTED);
  return out;
}

/** redactSecrets over every string (keys and values) of a JSON-like value; returns a copy. */
export function redactSecretsDeep<T>(value: T): T {
  if (knownValues.size === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactSecrets(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
      return Object.fromEntries(Object.entries(v).map(([k, inner]) => [redactSecrets(k), walk(inner)]));
    }
    return v;
  };
  return walk(value) as T;
}

export function validateSecretName(name: string): string {
  if (!NAME.test(name)) {
    throw new SentinelError('INVALID_NAME', `secret name ${JSON.stringify(name)} is not valid; use letters, digits, "_", "." and "-", starting with a letter or "_" (e.g. DB_PASSWORD)`);
  }
  return name;
}

export class SecretStore {
  private key: Buffer | undefined;
  private readonly rows: SecretRepo;

  constructor(
    db: Db,
    private readonly keyFile: string,
    private readonly env: Record<string, string | undefined> = process.env,
  ) {
    this.rows = new SecretRepo(db);
  }

  /** The key is read (or the key file created) only when a secret is first needed. */
  private getKey(): Buffer {
    this.key ??= loadSecretKey({ keyFile: this.keyFile, env: this.env });
    return this.key;
  }

  /** Decrypts every stored value once so redaction knows them from the daemon's start; returns the names that failed. */
  warmUp(): string[] {
    const failed: string[] = [];
    for (const row of this.rows.list()) {
      try {
        rememberValue(decryptSecret(row.sealed, this.getKey(), row.name));
      } catch {
        failed.push(row.name);
      }
    }
    return failed;
  }

  set(name: string, value: string, now = Date.now()): SecretInfo {
    validateSecretName(name);
    if (value.length === 0) throw new SentinelError('INVALID_ARGUMENT', `secret "${name}": the value is empty; pipe a value in, e.g. printf %s "$VALUE" | sentinel secret set ${name}`);
    const sealed = encryptSecret(value, this.getKey());
    rememberValue(value);
    this.rows.upsert(name, sealed, now);
    return this.info(name)!;
  }

  info(name: string): SecretInfo | undefined {
    return this.rows.meta(name);
  }

  list(): SecretInfo[] {
    return this.rows.list().map((r) => ({ name: r.name, createdAt: r.createdAt, updatedAt: r.updatedAt }));
  }

  remove(name: string): SecretInfo {
    const info = this.info(name);
    if (!info) throw new SentinelError('SECRET_NOT_FOUND', `no secret named "${name}"; "sentinel secret list" shows the secrets`);
    this.rows.remove(name);
    return info;
  }

  /** The value, or undefined when there is no such secret (the config loader reports that). */
  get(name: string): string | undefined {
    const sealed = this.rows.sealedValue(name);
    if (sealed === undefined) return undefined;
    const value = decryptSecret(sealed, this.getKey(), name);
    rememberValue(value);
    return value;
  }

  /** When each named secret was last set: part of a spec, so `reload` restarts what uses a changed secret. */
  versions(names: string[]): Record<string, number> {
    const out: Record<string, number> = {};
    for (const name of names) {
      const info = this.info(name);
      if (info) out[name] = info.updatedAt;
    }
    return out;
  }
}

const WRAPPED = Symbol('sentinel.secretSpawner');

/** The spec a child gets: the secrets' values in its environment, Sentinel's own variables out of it. */
function withSecrets(spec: ProcessSpec, store: SecretStore): ProcessSpec {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(spec.env)) {
    // Sentinel's own variables (the secret key above all) never reach a child; SENTINEL_INSTANCE and
    // SENTINEL_REVISION are the daemon's own per-instance values
    if (key.startsWith('SENTINEL_') && key !== 'SENTINEL_INSTANCE' && key !== 'SENTINEL_REVISION') continue;
    env[key] = hasSecretMarker(value) ? resolveSecretMarkers(value, (n) => store.get(n)) : value;
  }
  return { ...spec, env };
}

/**
 * A spawner that replaces `${secret:NAME}` markers in the environment right before the child starts,
 * so the stored spec (state.db) never holds a secret value.
 */
export function secretSpawner(inner: Spawner, store: SecretStore): Spawner {
  if ((inner as Spawner & { [WRAPPED]?: boolean })[WRAPPED]) return inner;
  const wrapped: Spawner & { [WRAPPED]: boolean } = {
    [WRAPPED]: true,
    spawn(spec, fds) {
      return inner.spawn(withSecrets(spec, store), fds);
    },
    spawnMany(requests) {
      // a secret that cannot be read fails its own request only
      return spawnManyThrough(inner, requests, (r) => ({ spec: withSecrets(r.spec, store), fds: r.fds }), (r) => inner.spawn(r.spec, r.fds));
    },
  };
  return wrapped;
}

const stores = new WeakMap<Db, SecretStore>();

/** The one store of a daemon's database, shared by the operations and the spawner. */
export function secretStoreFor(db: Db, keyFile: string, env: Record<string, string | undefined> = process.env): SecretStore {
  let store = stores.get(db);
  if (!store) {
    store = new SecretStore(db, keyFile, env);
    stores.set(db, store);
  }
  return store;
}
