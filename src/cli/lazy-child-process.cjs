// The CLI bundle's stand-in for node:child_process (package.json's build: esbuild --alias). commander
// requires it when it loads, though Sentinel never uses commander's executable subcommands; loading it
// (and dgram and net's socket list with it) costs every CLI call a few milliseconds. Here each function is
// a getter that loads the real module the first time one is used. Named getters, not a Proxy: the bundle's
// ES-module interop copies a module's own property names.
'use strict';
const name = 'node:child_process';
let real;
for (const key of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork', 'ChildProcess']) {
  Object.defineProperty(module.exports, key, {
    enumerable: true,
    get() {
      real ??= require(name);
      return real[key];
    },
  });
}
