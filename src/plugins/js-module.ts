// The JS form: a module loaded into the daemon with import(). It is found by package name under
// SENTINEL_HOME/node_modules (`npm install --prefix $SENTINEL_HOME NAME`) or by absolute path, and
// must export the apiVersion this daemon speaks. A module shares the daemon's process: its calls are
// bounded by timeouts and its throws are caught, but only the exec form survives a busy loop.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SentinelError } from '../core/errors.js';
import { PLUGIN_API_VERSION, PLUGIN_KINDS, type PluginContext, type PluginHooks, type PluginKind, type PluginModule } from './types.js';

function fail(name: string, message: string): never {
  throw new SentinelError('PLUGIN_FAILED', `plugin "${name}": ${message}`);
}

type Exports = string | { [key: string]: Exports } | null | undefined;

/** The file `exports` (or `module`/`main`) points at for an import. */
function entryOf(pkgDir: string, pkg: { exports?: Exports; module?: string; main?: string }): string {
  let e: Exports = pkg.exports;
  if (e && typeof e === 'object' && '.' in e) e = e['.'];
  while (e && typeof e === 'object') e = e.import ?? e.node ?? e.default;
  const rel = typeof e === 'string' ? e : (pkg.module ?? pkg.main ?? 'index.js');
  const file = path.join(pkgDir, rel);
  return existsSync(file) && statSync(file).isDirectory() ? path.join(file, 'index.js') : file;
}

/** Where `module` is: an absolute file or package directory, or a package under one of `searchDirs`' node_modules. */
export function resolvePluginModule(name: string, module: string, searchDirs: string[]): string {
  if (path.isAbsolute(module)) {
    if (!existsSync(module)) fail(name, `${module} does not exist`);
    if (!statSync(module).isDirectory()) return module;
    const pkgFile = path.join(module, 'package.json');
    return existsSync(pkgFile) ? entryOf(module, JSON.parse(readFileSync(pkgFile, 'utf8'))) : path.join(module, 'index.js');
  }
  if (!/^(@[a-z0-9._~-]+\/)?[a-z0-9._~-]+$/i.test(module)) fail(name, `module ${JSON.stringify(module)} is neither an npm package name nor an absolute path`);
  for (const dir of searchDirs) {
    const pkgDir = path.join(dir, 'node_modules', module);
    const pkgFile = path.join(pkgDir, 'package.json');
    if (existsSync(pkgFile)) return entryOf(pkgDir, JSON.parse(readFileSync(pkgFile, 'utf8')));
  }
  fail(name, `package ${JSON.stringify(module)} is not installed: run "npm install --prefix ${searchDirs[0]} ${module}" (looked in ${searchDirs.map((d) => path.join(d, 'node_modules')).join(', ')})`);
}

/** Imports the module, checks its apiVersion and kinds, and creates its hooks. */
export async function loadPluginModule(name: string, file: string, wanted: PluginKind[], options: Record<string, unknown>, context: PluginContext): Promise<{ hooks: PluginHooks; kinds: PluginKind[] }> {
  let mod: Partial<PluginModule> & { default?: Partial<PluginModule> };
  try {
    mod = (await import(pathToFileURL(file).href)) as typeof mod;
  } catch (err) {
    fail(name, `could not load ${file}: ${(err as Error).message}`);
  }
  const m: Partial<PluginModule> = typeof mod.create === 'function' ? mod : (mod.default ?? {});
  if (m.apiVersion !== PLUGIN_API_VERSION) {
    fail(name, `${file} exports apiVersion ${JSON.stringify(m.apiVersion)}, this daemon speaks ${PLUGIN_API_VERSION}: use a version of the plugin written for plugin API ${PLUGIN_API_VERSION}`);
  }
  if (typeof m.create !== 'function') fail(name, `${file} exports no create(options, context) function`);
  const kinds = Array.isArray(m.kinds) ? m.kinds.filter((k): k is PluginKind => (PLUGIN_KINDS as readonly string[]).includes(k)) : [];
  if (kinds.length === 0) fail(name, `${file} exports no kinds (a list of ${PLUGIN_KINDS.join(', ')})`);
  const missing = wanted.filter((k) => !kinds.includes(k));
  if (missing.length) fail(name, `daemon.yaml asks for kind ${missing.join(', ')}, but the module is ${kinds.join(', ')}`);
  let hooks: PluginHooks;
  try {
    hooks = await m.create(options, context);
  } catch (err) {
    fail(name, `create() failed: ${(err as Error).message}`);
  }
  if (typeof hooks !== 'object' || hooks === null) fail(name, 'create() returned no object of hooks');
  return { hooks, kinds };
}
