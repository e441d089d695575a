// docs/cli.md and docs/api.md are generated (npm run docs): these fail when the CLI or the contracts
// changed and the references were not regenerated, and check that the generators miss nothing.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, cliVersion } from '../../src/cli/program.js';
import { CONTRACT_LIST } from '../../src/contracts/index.js';
import { buildOpenApi } from '../../src/contracts/openapi.js';
import { apiReferenceMarkdown } from '../../src/docs/api-reference.js';
import { cliReferenceMarkdown } from '../../src/docs/cli-reference.js';
import { ROOT } from '../helpers.js';

const read = (f: string) => readFileSync(path.join(ROOT, f), 'utf8');

function allCommands(cmd: Command, prefix = 'sentinel'): string[] {
  return cmd.commands.flatMap((c) => [`${prefix} ${c.name()}`, ...allCommands(c, `${prefix} ${c.name()}`)]);
}

describe('docs/cli.md', () => {
  it('matches the CLI (run "npm run docs:cli" after changing a command)', () => {
    expect(read('docs/cli.md')).toBe(cliReferenceMarkdown(buildProgram()));
  });

  it('has a section for every command and a row for every option', () => {
    const program = buildProgram();
    const text = cliReferenceMarkdown(program);
    const names = allCommands(program);
    expect(names).toContain('sentinel plugin list');
    for (const name of names) expect(text, name).toContain(`### ${name}\n`);
    const run = program.commands.find((c) => c.name() === 'run')!;
    for (const o of run.options) expect(text, o.flags).toContain(`| \`${o.flags.replace(/\|/g, '\\|')}\` |`);
  });
});

describe('docs/api.md', () => {
  it('matches the OpenAPI document (run "npm run docs:api" after changing an operation)', () => {
    expect(read('docs/api.md')).toBe(apiReferenceMarkdown(buildOpenApi(cliVersion())));
  });

  it('lists every route of every operation, with its role', () => {
    const text = apiReferenceMarkdown(buildOpenApi(cliVersion()));
    for (const c of CONTRACT_LIST) {
      for (const r of c.routes) expect(text, c.name).toContain(`### ${r.method} ${r.path.replace(/:([A-Za-z]+)/g, '{$1}')}\n`);
      expect(text, c.name).toContain(`Operation \`${c.name}\` · kind ${c.kind} · role ${c.permission}`);
    }
  });
});

describe('README', () => {
  it('links the references and every tutorial', () => {
    const readme = read('README.md');
    for (const f of ['docs/cli.md', 'docs/api.md', 'docs/plugins.md']) expect(readme, f).toContain(`](${f})`);
    const index = read('docs/tutorials/README.md');
    for (const m of index.matchAll(/\]\(([a-z0-9-]+\.md)\)/g)) expect(read(path.join('docs/tutorials', m[1])).length, m[1]).toBeGreaterThan(0);
    expect(readme).toContain('](docs/tutorials/README.md)');
  });
});
