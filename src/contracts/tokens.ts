// API tokens for the TCP listener (create, list, revoke) and who the caller is (auth.whoami).
import * as z from 'zod';
import { defineOp } from './define.js';
import { Duration, NoParams, params } from './primitives.js';
import { parseDuration } from '../core/duration.js';

export const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const tokenName = z.string().regex(TOKEN_NAME, 'expected a token name of letters, digits, ".", "_" or "-" (at most 64), e.g. "ci-deploy"');
const roleEnum = z.enum(['viewer', 'operator', 'admin']);
/** A glob on process names: letters, digits, ".", "_", "-", ":" and the wildcards "*" and "?". */
const processGlob = z
  .string()
  .regex(/^[A-Za-z0-9._:*?-]{1,128}$/, 'expected a process-name pattern like "web*" (letters, digits, ".", "_", "-", ":" and the wildcards "*" and "?")');

export const TokenInfo = z.object({
  name: z.string(),
  role: roleEnum,
  processes: z.string().nullable().meta({ description: 'The pattern of process names it is limited to; null: every process' }),
  createdAt: z.number(),
  expiresAt: z.number().nullable(),
  lastUsedAt: z.number().nullable(),
  createdBy: z.string().nullable(),
});

const Whoami = z.object({
  name: z.string(), role: roleEnum, processes: z.string().nullable(), expiresAt: z.number().nullable(),
});

export const tokenContracts = [
  defineOp({
    name: 'token.create', summary: 'Create an API token for the TCP listener; its value is answered once and stored only hashed', kind: 'write', permission: 'admin',
    params: () => params({
      name: tokenName,
      role: roleEnum,
      processes: processGlob.optional(),
      expires: Duration.transform((v) => parseDuration(v)).optional().meta({ description: 'How long it works: "30d", "12h", "90s" (a number is seconds)' }),
    }),
    result: () => z.object({ token: TokenInfo, value: z.string().meta({ description: 'The token itself: send it as "Authorization: Bearer VALUE"; it is not shown again' }) }),
    routes: [{ method: 'POST', path: '/v1/tokens' }],
    errors: ['NAME_TAKEN', 'INVALID_DURATION'],
  }),
  defineOp({
    name: 'token.list', summary: 'The API tokens (names, roles, limits and times; never their values)', kind: 'read', permission: 'admin',
    params: () => NoParams, result: () => z.object({ tokens: z.array(TokenInfo) }),
    routes: [{ method: 'GET', path: '/v1/tokens' }],
  }),
  defineOp({
    name: 'token.revoke', summary: 'Revoke an API token: it stops working at once', kind: 'write', permission: 'admin',
    params: () => params({ name: z.string().min(1) }), result: () => z.object({ revoked: TokenInfo }),
    routes: [{ method: 'DELETE', path: '/v1/tokens/:name' }],
    errors: ['TOKEN_NOT_FOUND'],
  }),
  defineOp({
    name: 'auth.whoami', summary: 'Who the caller is: name, role and the processes it may see (the socket\'s owner is admin)', kind: 'read', permission: 'viewer', tokenScope: 'any',
    params: () => NoParams, result: () => Whoami,
    routes: [{ method: 'GET', path: '/v1/auth/whoami' }],
  }),
] as const;
