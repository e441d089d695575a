// Token operations (create, list, revoke) and auth.whoami.
import { SentinelError } from '../../core/errors.js';
import { OWNER } from '../../contracts/roles.js';
import { hashToken, newTokenValue } from '../../auth/tokens.js';
import type { TokenRow } from '../../store/tokens.js';
import type { Daemon, Handlers } from '../context.js';
import { suggest } from '../../core/suggest.js';

/** How long an expired token stays listed (as expired) before token.create removes it. */
const EXPIRED_KEPT_MS = 7 * 86_400_000;

function info(t: TokenRow) {
  return { name: t.name, role: t.role, processes: t.processes, createdAt: t.createdAt, expiresAt: t.expiresAt, lastUsedAt: t.lastUsedAt, createdBy: t.createdBy };
}

export function tokenOps(d: Daemon): Handlers<'token.create' | 'token.list' | 'token.revoke' | 'auth.whoami'> {
  return {
    'token.create'(p, ctx) {
      // short-lived tokens (one per `sentinel dashboard`) would pile up: those expired for a week go
      d.tokens.removeExpiredBefore(Date.now() - EXPIRED_KEPT_MS);
      if (d.tokens.get(p.name)) {
        throw new SentinelError('NAME_TAKEN', `a token named "${p.name}" already exists; choose another name, or revoke it first: sentinel token revoke ${p.name}`);
      }
      if (p.expires !== undefined && p.expires < 1000) {
        throw new SentinelError('INVALID_DURATION', `expires: a token must work for at least 1s, got ${p.expires}ms; e.g. --expires 30d`);
      }
      const value = newTokenValue();
      const now = Date.now();
      const row: TokenRow = {
        name: p.name, hash: hashToken(value), role: p.role, processes: p.processes ?? null, createdAt: now,
        expiresAt: p.expires !== undefined ? now + p.expires : null, lastUsedAt: null, createdBy: ctx.actor,
      };
      d.tokens.insert(row);
      d.log.info('TOKEN_CREATED', `token "${p.name}" created (role ${p.role}${p.processes ? `, processes ${p.processes}` : ''})`, { actor: ctx.actor });
      return { token: info(row), value };
    },
    'token.list'() {
      return { tokens: d.tokens.list().map(info) };
    },
    'token.revoke'(p, ctx) {
      const row = d.tokens.get(p.name);
      if (!row || !d.tokens.remove(p.name)) {
        const near = suggest(p.name, d.tokens.list().map((t) => t.name));
        throw new SentinelError('TOKEN_NOT_FOUND', `no token named "${p.name}"${near ? `; did you mean "${near}"?` : ''} ("sentinel token list" shows them)`);
      }
      d.log.info('TOKEN_REVOKED', `token "${p.name}" revoked`, { actor: ctx.actor });
      return { revoked: info(row) };
    },
    'auth.whoami'(_p, ctx) {
      const p = ctx.principal ?? OWNER;
      return { name: p.name, role: p.role, processes: p.processes, expiresAt: p.expiresAt };
    },
  };
}
