// Builds the optional native addon (native/fast-spawn.c: posix_spawn for the daemon's children) with
// node-gyp. It is optional on purpose: when there is no compiler, or the build fails, the daemon starts
// children with Node's child_process as before (slower restarts, same behaviour), and this script says so
// and exits 0. Skipped when the built addon is newer than its sources.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'native');
const output = path.join(dir, 'build', 'Release', 'fast_spawn.node');
const sources = ['fast-spawn.c', 'binding.gyp'].map((f) => path.join(dir, f));

const mtime = (f) => (existsSync(f) ? statSync(f).mtimeMs : 0);
if (process.env.SENTINEL_SKIP_NATIVE === '1') {
  console.log('native addon: skipped (SENTINEL_SKIP_NATIVE=1); the daemon will use Node\'s child_process');
  process.exit(0);
}
if (mtime(output) > Math.max(...sources.map(mtime))) process.exit(0);

/** node-gyp: the one npm gives its scripts, else npm's own copy next to this node, else one in PATH. */
function nodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) return [process.execPath, process.env.npm_config_node_gyp];
  const npmDir = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm');
  try {
    return [process.execPath, createRequire(path.join(npmDir, 'package.json')).resolve('node-gyp/bin/node-gyp.js')];
  } catch {
    return ['node-gyp'];
  }
}

const [command, ...first] = nodeGyp();
const args = [...first, 'rebuild', '--loglevel=warn'];
// npm passes its nodedir setting to scripts; outside npm, a system Node's headers are used when present
// (node-gyp would otherwise try to download them)
const nodedir = process.env.npm_config_nodedir || (existsSync('/usr/include/node/node_api.h') ? '/usr' : '');
if (nodedir) args.push(`--nodedir=${nodedir}`);
const run = spawnSync(command, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (run.status === 0 && existsSync(output)) {
  console.log('native addon: built native/build/Release/fast_spawn.node');
} else {
  const why = run.error ? run.error.message : (run.stderr || run.stdout || '').trim().split('\n').slice(-5).join('\n');
  console.warn(`native addon: not built; the daemon will start children with Node's child_process (slower restarts, same behaviour)\n${why}`);
}
