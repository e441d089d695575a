// sentinel token create|list|revoke through the CLI: the value is printed once and stored only hashed,
// bad input exits non-zero with a clear reason and creates nothing.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, cli, cliJson, tempHome } from '../helpers.js';

let home: string;
beforeAll(() => { home = tempHome('sn-tok-'); });
afterAll(async () => { await cleanupHome(home); });

interface TokenInfo { name: string; role: string; processes: string | null; expiresAt: number | null }
const names = async () => (await cliJson<{ tokens: TokenInfo[] }>(home, ['token', 'list'])).tokens.map((t) => t.name);

describe('sentinel token', () => {
  let value = '';

  it('creates a token and prints its value once', async () => {
    const r = await cli(home, ['token', 'create', 'ci-deploy', '--role', 'operator', '--processes', 'web*', '--expires', '30d']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Created token ci-deploy \(role operator, processes web\*, expires \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\)\n/);
    value = r.stdout.trim().split('\n').at(-1)!;
    expect(value).toMatch(/^snt_[A-Za-z0-9_-]{43}$/);
  });

  it('lists tokens without their values, in text and JSON', async () => {
    const text = await cli(home, ['token', 'list']);
    expect(text.stdout).toMatch(/ci-deploy .*operator .*web\*/);
    const json = await cli(home, ['token', 'list', '--json']);
    expect(JSON.parse(json.stdout).tokens[0]).toMatchObject({ name: 'ci-deploy', role: 'operator', processes: 'web*', createdBy: 'cli' });
    for (const out of [text.stdout, json.stdout]) {
      expect(out).not.toContain(value);
      expect(out).not.toMatch(/[0-9a-f]{64}/);
    }
  });

  it('keeps only a hash on disk, never the value', () => {
    for (const f of readdirSync(home).filter((n) => n.startsWith('state.db'))) {
      expect(readFileSync(path.join(home, f)).includes(Buffer.from(value)), f).toBe(false);
    }
  });

  it('refuses bad input with exit 2 and a reason, creating nothing', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['token', 'create', 'x1', '--role', 'root'], /--role "root": expected viewer, operator or admin/],
      [['token', 'create', 'x2', '--role', 'viewer', '--expires', '3q'], /"expires": expected a duration/],
      [['token', 'create', 'x3', '--role', 'viewer', '--expires', '0'], /at least 1s/],
      [['token', 'create', 'bad name', '--role', 'viewer'], /expected a token name/],
      [['token', 'create', 'x4', '--role', 'viewer', '--processes', 'web/*'], /process-name pattern like "web\*"/],
      [['token', 'create', 'x5'], /required option '--role <role>'/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(home, args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect(await names()).toEqual(['ci-deploy']);
  });

  it('refuses a duplicate name and keeps the first token', async () => {
    const r = await cli(home, ['token', 'create', 'ci-deploy', '--role', 'admin']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('a token named "ci-deploy" already exists');
    const list = await cliJson<{ tokens: TokenInfo[] }>(home, ['token', 'list']);
    expect(list.tokens).toEqual([expect.objectContaining({ name: 'ci-deploy', role: 'operator' })]);
  });

  it('revokes by name, suggesting the near name of a typo', async () => {
    const typo = await cli(home, ['token', 'revoke', 'ci-deplyo']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('no token named "ci-deplyo"; did you mean "ci-deploy"?');
    expect(await names()).toEqual(['ci-deploy']);
    const r = await cli(home, ['token', 'revoke', 'ci-deploy']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Revoked token ci-deploy\n');
    expect(await names()).toEqual([]);
    expect((await cli(home, ['token', 'list'])).stdout).toContain('No tokens.');
  });
});
