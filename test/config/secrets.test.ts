// Secrets: AES-256-GCM round trip, a wrong key refused, key files of mode 0600, redaction.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { decryptSecret, encryptSecret, loadSecretKey, redact, redactDeep } from '../../src/config/secrets.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length > 0) rmSync(dirs.pop() as string, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-secrets-'));
  dirs.push(dir);
  return dir;
};

describe('secrets', () => {
  it('round-trips a value, with a fresh IV each time', () => {
    const key = randomBytes(32);
    const a = encryptSecret('p@ss wörd', key);
    const b = encryptSecret('p@ss wörd', key);
    expect(a).not.toBe(b);
    expect(a).not.toContain('p@ss');
    expect(decryptSecret(a, key)).toBe('p@ss wörd');
  });

  it('refuses a wrong key and a tampered value', () => {
    const sealed = encryptSecret('value', randomBytes(32));
    const message = 'DB: cannot decrypt with this key (wrong SENTINEL_SECRET_KEY or key file, or the value was tampered with); restore the original key or set the secret again';
    expect(() => decryptSecret(sealed, randomBytes(32), 'DB')).toThrow(message);
    expect(() => decryptSecret('plain text', randomBytes(32), 'DB')).toThrow('DB: stored value is not a Sentinel secret; set it again with: sentinel secret set DB');
  });

  it('creates a key file of mode 0600 once and reads it back', () => {
    const keyFile = join(tempDir(), 'home', 'secret.key');
    const first = loadSecretKey({ keyFile, env: {} });
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(loadSecretKey({ keyFile, env: {} }).equals(first)).toBe(true);
    expect(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64').equals(first)).toBe(true);
  });

  it('takes SENTINEL_SECRET_KEY as hex or base64, and rejects a short one', () => {
    const key = randomBytes(32);
    const keyFile = join(tempDir(), 'unused.key');
    expect(loadSecretKey({ keyFile, env: { SENTINEL_SECRET_KEY: key.toString('hex') } }).equals(key)).toBe(true);
    expect(loadSecretKey({ keyFile, env: { SENTINEL_SECRET_KEY: key.toString('base64') } }).equals(key)).toBe(true);
    expect(() => loadSecretKey({ keyFile, env: { SENTINEL_SECRET_KEY: 'c2hvcnQ=' } })).toThrow(
      'SENTINEL_SECRET_KEY: expected a 32-byte key as 64 hex digits or base64, got 5 bytes; generate one with: openssl rand -base64 32',
    );
  });

  it('redacts every secret value in text and in nested objects', () => {
    expect(redact('url=postgres://u:hunter2@db and hunter2 again', ['hunter2'])).toBe('url=postgres://u:***@db and *** again');
    expect(redact('abcdef', ['abc', 'abcdef', ''])).toBe('***');
    const event = { message: 'started with TOKEN=t0k', env: { TOKEN: 't0k' }, list: ['t0k', 3], at: 5 };
    expect(redactDeep(event, ['t0k'])).toEqual({ message: 'started with TOKEN=***', env: { TOKEN: '***' }, list: ['***', 3], at: 5 });
    expect(event.env.TOKEN).toBe('t0k');
  });
});
