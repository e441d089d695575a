// README's API routes table is generated from the contracts: this fails when it is out of date.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withRoutesTable } from '../../src/contracts/docs.js';
import { CONTRACT_LIST } from '../../src/contracts/index.js';
import { ROOT } from '../helpers.js';

describe('README API section', () => {
  it('matches the contracts (run "npm run docs:api" after changing an operation)', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toBe(withRoutesTable(readme));
    for (const c of CONTRACT_LIST) expect(readme, c.name).toContain(`| \`${c.name}\` |`);
  });
});
