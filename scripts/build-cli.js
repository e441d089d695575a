// Bundles the CLI into CommonJS files that bin/sentinel.js runs with V8's code cache (see its header):
//   dist/cli/bundle.cjs  every command (src/cli/main.ts);
//   dist/cli/fast.cjs    `list` / `ls` [--json] without commander (src/cli/fast.ts);
//   dist/cli/run-fast.cjs `run` without commander, for the plain forms of its line (src/cli/run-fast.ts);
//   dist/cli/run.cjs     `run`, with the same root and command as the full CLI (src/cli/run-main.ts): the rest.
// node:child_process loads on first use (src/cli/lazy-child-process.cjs): commander requires it at load.
// Old code caches are removed: they belong to the old bundles.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundles = { 'src/cli/main.ts': 'bundle.cjs', 'src/cli/fast.ts': 'fast.cjs', 'src/cli/run-main.ts': 'run.cjs', 'src/cli/run-fast.ts': 'run-fast.cjs' };

await Promise.all(Object.entries(bundles).map(([entry, out]) => {
  rmSync(path.join(root, 'dist/cli', `${out}.cache`), { force: true });
  return build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile: path.join('dist/cli', out),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    alias: { 'node:child_process': './src/cli/lazy-child-process.cjs' },
    define: { 'import.meta.url': '__sentinelMetaUrl' },
    banner: { js: "const __sentinelMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'warning',
  });
}));
rmSync(path.join(root, 'dist/cli/bundle.js'), { force: true });
