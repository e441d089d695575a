// npm run docs:api: rewrites the routes table of README.md's API section from the operation contracts.
import { readFileSync, writeFileSync } from 'node:fs';
import { withRoutesTable } from '../dist/contracts/docs.js';

const file = new URL('../README.md', import.meta.url);
const before = readFileSync(file, 'utf8');
const after = withRoutesTable(before);
if (after === before) console.log('README.md: API routes table is up to date');
else {
  writeFileSync(file, after);
  console.log('README.md: API routes table updated');
}
