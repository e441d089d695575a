#!/usr/bin/env -S node --
// "node --" stops Node from reading options such as --env-file from the command's own arguments.
// The CLI is started hundreds of times a day, so it starts the cheapest way Node 20 offers: one CommonJS
// bundle (no ESM loader; bin/package.json makes this file CommonJS), compiled from V8's code cache
// when there is one (dist/cli/bundle.cjs.cache, made by npm run build and remade when V8 rejects it, after
// a Node upgrade). Measured on a 2-core machine, `list` beyond `node -e 0`: 44 ms as an ES module bundle,
// 33 ms as CommonJS, 22 ms with the cache. A V8 start-up snapshot (node --snapshot-blob) is no way further: Node 20
// reads a user snapshot from disk instead of its built-in one, and an empty one alone made a start 32 % slower
// in CPU than `node -e 0` (4 MB blob; medians of 20 alternating pairs), before the exec a flag would need.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

// The most frequent command lines have bundles of their own: `sentinel list` / `ls` [--json] without
// commander (src/cli/fast.ts: a third fewer instructions beyond Node's start-up), exactly these argv only;
// and `sentinel run ...` without commander when its line has only plain forms (src/cli/run-fast.ts), else with
// the root and the `run` command alone (src/cli/run-main.ts: 20 M fewer instructions than the full bundle).
// SENTINEL_CLI_FAST=0 takes the full CLI for everything.
const args = process.argv.slice(2);
const fastOn = process.env.SENTINEL_CLI_FAST !== '0';
const fast = fastOn && (args[0] === 'list' || args[0] === 'ls') && (args.length === 1 || (args.length === 2 && args[1] === '--json'));
const bundle = fast ? 'fast.cjs' : fastOn && args[0] === 'run' ? 'run-fast.cjs' : 'bundle.cjs';
if (runBundle(bundle).fallBack === true) runBundle('run.cjs');

/** Runs dist/cli/NAME as a CommonJS module from V8's code cache; returns its exports. */
function runBundle(name) {
  const file = path.join(__dirname, '..', 'dist', 'cli', name);
  const cacheFile = `${file}.cache`;
  let source;
  try {
    source = fs.readFileSync(file, 'utf8');
  } catch {
    process.stderr.write(`Error: ${file} is missing; run "npm run build" first\n`);
    process.exit(1);
  }
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    /* made on the way out */
  }
  // Module.wrap's wrapper, written out: require('node:module') alone cost ~0.6 ms at every start
  const wrapped = `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;
  const script = new vm.Script(wrapped, { filename: file, cachedData, importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once('exit', () => {
      // written whole and renamed: a CLI started meanwhile reads the old cache or the new one, never half of one
      const tmp = `${cacheFile}.${process.pid}`;
      try {
        fs.writeFileSync(tmp, script.createCachedData());
        fs.renameSync(tmp, cacheFile);
      } catch {
        try { fs.unlinkSync(tmp); } catch { /* nothing was written (a read-only install) */ }
      }
    });
  }
  const module_ = { exports: {} };
  script.runInThisContext()(module_.exports, require, module_, file, path.dirname(file));
  return module_.exports;
}
