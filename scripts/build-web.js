// npm run build: bundles the dashboard (web/) into dist/web/: app.js (one ES module, minified), app.css and
// index.html. Nothing is fetched at run time; the daemon serves these three files as they are.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';

const out = new URL('../dist/web/', import.meta.url);
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [new URL('../web/app.ts', import.meta.url).pathname],
  bundle: true,
  format: 'esm',
  target: 'es2020',
  minify: true,
  legalComments: 'none',
  outfile: new URL('app.js', out).pathname,
  logLevel: 'warning',
});
await build({
  entryPoints: [new URL('../web/app.css', import.meta.url).pathname],
  bundle: true,
  minify: true,
  target: 'chrome100',
  outfile: new URL('app.css', out).pathname,
  logLevel: 'warning',
});
copyFileSync(new URL('../web/index.html', import.meta.url), new URL('index.html', out));
