// README's API routes table is generated from the contracts: this fails when it is out of date.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withRoutesTable } from '../../src/contracts/docs.js';
import { CONTRACT_LIST } from '../../src/contracts/index.js';
import { ROOT } from '../helpers.js';
import { buildOpenApi } from '../../src/contracts/openapi.js';
import { apiReferenceMarkdown } from '../../src/docs/api-reference.js';
import { cliReferenceMarkdown } from '../../src/docs/cli-reference.js';
import { buildProgram, cliVersion } from '../../src/cli/program.js';

describe('README API section', () => {
  it('matches the contracts (run "npm run docs:api" after changing an operation)', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toBe(withRoutesTable(readme));
    for (const c of CONTRACT_LIST) expect(readme, c.name).toContain(`| \`${c.name}\` |`);
  });
});

describe('generated references in docs/', () => {
  it('docs/api.md and docs/cli.md are current (run "npm run docs")', () => {
    expect(readFileSync(path.join(ROOT, 'docs/api.md'), 'utf8')).toBe(apiReferenceMarkdown(buildOpenApi(cliVersion())));
    expect(readFileSync(path.join(ROOT, 'docs/cli.md'), 'utf8')).toBe(cliReferenceMarkdown(buildProgram()));
  });
});
