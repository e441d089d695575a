// npm run build: bundles the daemon (src/daemon/main.ts) into dist/daemon-bundle/: main.js and the chunks its
// dynamic imports load (the TCP face, the config loader...), minified ES modules. The CLI and boot units start
// this bundle; dist/daemon/main.js (tsc's output) still works and is what the tests may start directly.
//
// Why: a daemon started from ~300 tsc files holds every file's source text in its heap (as two-byte strings
// when a comment has an arrow or a dash) plus one module record each, and zod loads all its ~40 locales.
// One minified bundle with its lazy parts split off measured 4 MiB less private memory with 100 processes
// (about 27 -> 23 MiB, smaps_rollup Private_*).
//
// The bundle sits two levels under the package root like every tsc output directory (dist/daemon-bundle/),
// so the paths modules build from import.meta.url (../../package.json, ../../native/..., ../web) still hold.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

// pure-JS dependencies the daemon loads at start or on `up -f`: bundled (and tree-shaken). zod is shaken only
// when imported as a namespace (`import * as z from 'zod'`, as everywhere in src/): `import { z }` pulls in
// its `z` object and with it all ~40 locales and the JSON Schema converters, 470 KB of the 1.06 MB the daemon
// loaded at start, against 109 KB now. The others stay in node_modules: native (better-sqlite3), loaded only
// by an optional face (fastify, prom-client, nodemailer, ssh2), or never by the daemon.
const BUNDLED = new Set(['zod', 'yaml', 'smol-toml', 'dotenv', 'croner']);
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const external = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })
  .filter((name) => !BUNDLED.has(name))
  .flatMap((name) => [name, `${name}/*`]);

const outdir = new URL('../dist/daemon-bundle/', import.meta.url).pathname;
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [new URL('../src/daemon/main.ts', import.meta.url).pathname],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // dynamic imports become chunks loaded on first use, as they were before bundling
  splitting: true,
  outdir,
  chunkNames: 'chunk-[hash]',
  // whitespace and syntax minified, identifiers left as written: stack traces in daemon.log stay readable
  // without keepNames, whose __name() call per function and class gave each one its own property array.
  // Measured with 100 processes up (V8 heap used after a full collection): 12.64/13.24 MiB with shortened
  // identifiers and keepNames, 11.99/12.07 MiB so, though the bundle is 23 % larger (0.89 -> 1.10 MB)
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  external,
  // bundled CommonJS packages (yaml, dotenv) call require() for Node's built-in modules
  banner: { js: "import { createRequire as __sentinelRequire } from 'node:module'; const require = __sentinelRequire(import.meta.url);" },
  logLevel: 'warning',
});
