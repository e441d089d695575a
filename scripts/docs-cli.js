// npm run docs:cli: writes docs/cli.md from the commander program (every command, argument and option).
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { buildProgram } from '../dist/cli/program.js';
import { cliReferenceMarkdown } from '../dist/docs/cli-reference.js';

const dir = new URL('../docs/', import.meta.url);
const file = new URL('cli.md', dir);
mkdirSync(dir, { recursive: true });
const text = cliReferenceMarkdown(buildProgram());
if (existsSync(file) && readFileSync(file, 'utf8') === text) console.log('docs/cli.md is up to date');
else {
  writeFileSync(file, text);
  console.log('docs/cli.md updated');
}
