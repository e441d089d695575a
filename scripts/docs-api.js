// npm run docs:api: rewrites the routes table of README.md's API section from the operation contracts,
// and docs/api.md from the OpenAPI document.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { withRoutesTable } from '../dist/contracts/docs.js';
import { buildOpenApi } from '../dist/contracts/openapi.js';
import { apiReferenceMarkdown } from '../dist/docs/api-reference.js';

function update(url, name, next) {
  const before = existsSync(url) ? readFileSync(url, 'utf8') : null;
  if (before === next) console.log(`${name}: up to date`);
  else {
    writeFileSync(url, next);
    console.log(`${name}: updated`);
  }
}

const readme = new URL('../README.md', import.meta.url);
update(readme, 'README.md API routes table', withRoutesTable(readFileSync(readme, 'utf8')));
const version = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
mkdirSync(new URL('../docs/', import.meta.url), { recursive: true });
update(new URL('../docs/api.md', import.meta.url), 'docs/api.md', apiReferenceMarkdown(buildOpenApi(version)));
