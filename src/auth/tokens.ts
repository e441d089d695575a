// API tokens: 32 random bytes shown once, kept as a SHA-256 hash. A token is high-entropy, so a fast hash
// is enough (nothing to brute-force); the stored and computed hashes are compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SentinelError } from '../core/errors.js';
import type { Principal } from '../contracts/roles.js';
import type { TokenRepo } from '../store/tokens.js';

const PREFIX = 'snt_';

export function newTokenValue(): string {
  return PREFIX + randomBytes(32).toString('base64url');
}

export function hashToken(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** How often a token's last-used time is written (not on every request). */
const TOUCH_EVERY_MS = 60_000;

/**
 * The principal a bearer token stands for. Unknown, revoked and expired tokens are UNAUTHORIZED with what
 * to do; expiry is checked to the millisecond on every request.
 */
export function verifyToken(repo: TokenRepo, value: string, now: number): Principal {
  const hash = hashToken(value);
  const row = repo.byHash(hash);
  if (!row || !timingSafeEqual(Buffer.from(row.hash, 'hex'), Buffer.from(hash, 'hex'))) {
    throw new SentinelError('UNAUTHORIZED', 'the token is not known (wrong, or revoked); ask an admin for a new one: sentinel token create NAME --role viewer');
  }
  if (row.expiresAt !== null && now >= row.expiresAt) {
    throw new SentinelError('UNAUTHORIZED', `token "${row.name}" expired at ${new Date(row.expiresAt).toISOString()}; ask an admin for a new one (sentinel token create NAME --expires 30d)`);
  }
  if (row.lastUsedAt === null || now - row.lastUsedAt >= TOUCH_EVERY_MS) repo.touch(row.name, now);
  return { name: row.name, role: row.role, processes: row.processes, expiresAt: row.expiresAt };
}
