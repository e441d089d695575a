// sentinel token create|list|revoke: API tokens for the TCP listener.
import type { Command } from 'commander';
import { act } from '../common.js';
import { println } from '../output.js';
import { makeTable } from '../format.js';
import { oneOf } from '../option-values.js';

function stamp(ms: number | null): string {
  if (ms === null) return '-';
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function register(program: Command): void {
  const token = program.command('token').description('API tokens for the TCP listener (roles viewer, operator, admin)');

  token.command('create').argument('<name>', 'a name for the token, e.g. ci-deploy').description('Create a token; its value is printed once and stored only hashed')
    .requiredOption('--role <role>', 'viewer (reads), operator (also starts, stops, restarts, runs schedules) or admin (everything)', oneOf('--role', ['viewer', 'operator', 'admin']))
    .option('--processes <pattern>', "limit it to processes whose name matches, e.g. 'web*'")
    .option('--expires <duration>', 'make it stop working after this long, e.g. 30d, 12h, 90s')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts) => {
      await act(opts, (c) => c.call('token.create', { name, role: opts.role, processes: opts.processes, expires: opts.expires }), (r) => {
        println(`Created token ${r.token.name} (role ${r.token.role}${r.token.processes ? `, processes ${r.token.processes}` : ''}${r.token.expiresAt ? `, expires ${stamp(r.token.expiresAt)}` : ''})`);
        println('It is shown only this once; send it as "Authorization: Bearer TOKEN":');
        println(r.value);
      });
    });

  token.command('list').description('List the tokens (never their values)')
    .option('--json', 'print the result as JSON')
    .action(async (opts) => {
      await act(opts, (c) => c.call('token.list'), (r) => {
        if (!r.tokens.length) {
          println('No tokens. Create one with: sentinel token create NAME --role viewer');
          return;
        }
        const now = Date.now();
        const t = makeTable(['NAME', 'ROLE', 'PROCESSES', 'CREATED', 'EXPIRES', 'LAST USED']);
        for (const k of r.tokens) {
          const expires = k.expiresAt === null ? 'never' : `${stamp(k.expiresAt)}${k.expiresAt <= now ? ' (expired)' : ''}`;
          t.push([k.name, k.role, k.processes ?? 'all', stamp(k.createdAt), expires, stamp(k.lastUsedAt)]);
        }
        println(t.toString());
      });
    });

  token.command('revoke').argument('<name>').description('Revoke a token: it stops working at once')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts) => {
      await act(opts, (c) => c.call('token.revoke', { name }), (r) => println(`Revoked token ${r.revoked.name}`));
    });
}
