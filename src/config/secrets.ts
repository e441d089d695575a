// Secrets at rest: AES-256-GCM with a 32-byte key from SENTINEL_SECRET_KEY (base64 or hex) or a
// key file created with mode 0600; and redaction, so a secret value never leaves in any output.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SentinelError } from '../core/errors.js';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const PREFIX = 'v1:';

/** Decodes a key written as 64 hex digits or base64 of 32 bytes. */
export function parseSecretKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== KEY_BYTES || (!/^[0-9a-fA-F]{64}$/.test(trimmed) && !/^[A-Za-z0-9+/=_-]+$/.test(trimmed))) {
    throw new SentinelError(
      'INVALID_SECRET_KEY',
      `${source}: expected a 32-byte key as 64 hex digits or base64, got ${key.length} bytes; generate one with: openssl rand -base64 32`,
    );
  }
  return key;
}

export interface KeyOptions {
  /** Key file (in SENTINEL_HOME); created with mode 0600 when missing and no env key is set. */
  keyFile: string;
  env?: Record<string, string | undefined>;
}

export function loadSecretKey(options: KeyOptions): Buffer {
  const fromEnv = (options.env ?? process.env).SENTINEL_SECRET_KEY;
  if (fromEnv) return parseSecretKey(fromEnv, 'SENTINEL_SECRET_KEY');
  if (existsSync(options.keyFile)) return parseSecretKey(readFileSync(options.keyFile, 'utf8'), options.keyFile);
  const key = randomBytes(KEY_BYTES);
  mkdirSync(dirname(options.keyFile), { recursive: true, mode: 0o700 });
  writeFileSync(options.keyFile, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(options.keyFile, 0o600); // the umask may have removed bits, never added: make it exact
  return key;
}

/** "v1:" + base64(iv | auth tag | ciphertext). */
export function encryptSecret(value: string, key: Buffer): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

export function decryptSecret(payload: string, key: Buffer, name = 'secret'): string {
  const raw = payload.startsWith(PREFIX) ? Buffer.from(payload.slice(PREFIX.length), 'base64') : Buffer.alloc(0);
  if (raw.length < IV_BYTES + TAG_BYTES) {
    throw new SentinelError('SECRET_DECRYPT_FAILED', `${name}: stored value is not a Sentinel secret; set it again with: sentinel secret set ${name}`);
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new SentinelError(
      'SECRET_DECRYPT_FAILED',
      `${name}: cannot decrypt with this key (wrong SENTINEL_SECRET_KEY or key file, or the value was tampered with); restore the original key or set the secret again`,
    );
  }
}

export const REDACTED = '***';

/** Replaces every occurrence of every secret value in `text` with ***. Longest values first. */
export function redact(text: string, secretValues: Iterable<string>): string {
  const values = [...new Set(secretValues)].filter((v) => v.length > 0).sort((a, b) => b.length - a.length);
  let out = text;
  for (const value of values) out = out.split(value).join(REDACTED);
  return out;
}

/** redact() over every string (values and keys) of a JSON-like value; returns a copy. */
export function redactDeep<T>(value: T, secretValues: Iterable<string>): T {
  const values = [...secretValues];
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redact(v, values);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && !(v instanceof Date) && !Buffer.isBuffer(v)) {
      return Object.fromEntries(Object.entries(v).map(([k, inner]) => [redact(k, values), walk(inner)]));
    }
    return v;
  };
  return walk(value) as T;
}
