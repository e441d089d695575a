// PM2 ecosystem files (.json, .yaml, .js/.cjs/.mjs). JavaScript is evaluated in a child `node`
// process that prints JSON, never in Sentinel's own process. PM2 reads a .json file as a JavaScript
// object literal (unquoted keys, single quotes, comments), so one that is not strict JSON is read
// the same way, as an expression in an empty context.
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SentinelError } from '../../core/errors.js';
import { compileGlob } from '../../watch/glob.js';
import { millis, processName, shellJoin, shellSplit, toName, unmappedKeys, type ImportResult } from './common.js';

// PM2 loads ecosystem files with require(): compile as CommonJS whatever the nearest package.json says,
// and fall back to import() for ES module syntax (export default).
const PRINT_EXPORTS = `
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
const [file, mode] = process.argv.slice(1);
const require = createRequire(file);
const Module = require('node:module');
let value;
try {
  if (mode === 'literal') value = vm.runInNewContext('(' + readFileSync(file, 'utf8') + '\\n)', {}, { filename: file, timeout: 5000 });
  else if (mode === 'esm') throw new SyntaxError('ES module');
  else {
    const m = new Module(file);
    m.filename = file;
    m.paths = Module._nodeModulePaths(dirname(file));
    m._compile(readFileSync(file, 'utf8'), file);
    value = m.exports;
  }
} catch (err) {
  if (mode === 'literal' || !(err instanceof SyntaxError)) throw err;
  const ns = await import(pathToFileURL(file).href);
  value = ns.default ?? ns;
}
process.stdout.write(JSON.stringify(Array.isArray(value) ? { apps: value } : value));
`;

function isEsm(text: string, filename: string): boolean {
  return extname(filename).toLowerCase() === '.mjs' || /^\s*export\s/m.test(text);
}

function evaluateJs(text: string, filename: string, mode: 'esm' | 'cjs' | 'literal'): unknown {
  const real = resolve(filename);
  let dir: string | undefined;
  let file = real;
  if (!existsSync(real)) {
    dir = mkdtempSync(join(tmpdir(), 'sentinel-pm2-'));
    file = join(dir, basename(filename));
    writeFileSync(file, text);
  }
  try {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', PRINT_EXPORTS, file, mode], {
      encoding: 'utf8',
      timeout: 15_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return JSON.parse(out);
  } catch (err) {
    const lines = String((err as { stderr?: string }).stderr || (err as Error).message).split('\n').map((l) => l.trim());
    const stderr = lines.find((l) => /^[A-Za-z]*Error\b.*:/.test(l)) ?? lines.filter(Boolean).pop() ?? 'no output';
    throw new SentinelError('IMPORT_FAILED', `${basename(filename)}: evaluating the PM2 ecosystem file failed: ${stderr}`);
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

function readEcosystem(text: string, filename: string): unknown {
  const ext = extname(filename).toLowerCase();
  if (['.js', '.cjs', '.mjs'].includes(ext)) return evaluateJs(text, filename, isEsm(text, filename) ? 'esm' : 'cjs');
  try {
    return ext === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    if (ext === '.json') return evaluateJs(text, filename, 'literal');
    throw new SentinelError('IMPORT_FAILED', `${basename(filename)}: ${(err as Error).message.split('\n')[0]}`);
  }
}

const INTERPRETERS: Record<string, string> = { '.js': 'node', '.cjs': 'node', '.mjs': 'node', '.py': 'python3', '.sh': 'bash', '.rb': 'ruby', '.php': 'php', '.pl': 'perl' };

const HANDLED = [
  'name', 'script', 'args', 'interpreter', 'interpreter_args', 'node_args', 'cwd', 'env', 'instances', 'exec_mode', 'autorestart',
  'max_restarts', 'min_uptime', 'restart_delay', 'exp_backoff_restart_delay', 'max_memory_restart', 'cron_restart', 'kill_timeout',
  'watch', 'ignore_watch', 'watch_delay', 'watch_options', 'stop_exit_codes', 'uid', 'gid', 'out_file', 'error_file', 'log_file', 'output', 'error', 'log', 'merge_logs', 'log_date_format', 'time',
];

/** PM2's instances: a count, 0 or "max" (one per core), -1 / "-1" (cores minus one). */
function pm2Instances(value: unknown, cores: number): number | null {
  if (value === undefined) return 1;
  const n = value === 'max' ? 0 : Number(value);
  if (!Number.isInteger(n)) return null;
  if (n === 0) return cores;
  if (n < 0) return Math.max(1, cores + n);
  return n;
}

function toArgs(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return typeof value === 'string' ? shellSplit(value) : [];
}

function commandOf(app: Record<string, unknown>): string[] {
  const script = String(app.script);
  const ext = extname(script).toLowerCase();
  const interpreter = typeof app.interpreter === 'string' ? app.interpreter : INTERPRETERS[ext] ?? 'none';
  const interpreterArgs = toArgs(app.interpreter_args ?? app.node_args);
  const head = interpreter === 'none' ? [] : [interpreter, ...interpreterArgs];
  return [...head, script, ...toArgs(app.args)];
}

function restartOf(app: Record<string, unknown>): unknown {
  if (app.autorestart === false) return 'never';
  const restart: Record<string, unknown> = { policy: 'always' };
  // PM2 stops restarting after max_restarts (16 unless set) runs shorter than min_uptime (1 s, as Sentinel's)
  restart.max_restarts = typeof app.max_restarts === 'number' ? app.max_restarts : 16;
  if (app.min_uptime !== undefined) restart.min_uptime = typeof app.min_uptime === 'number' ? millis(app.min_uptime) : app.min_uptime;
  if (typeof app.restart_delay === 'number') restart.delay = millis(app.restart_delay);
  if (typeof app.exp_backoff_restart_delay === 'number') {
    restart.backoff = 'exponential';
    restart.delay = millis(app.exp_backoff_restart_delay);
    restart.backoff_max = '15s'; // PM2 caps its exponential backoff at 15 seconds
  }
  if (Array.isArray(app.stop_exit_codes)) restart.no_restart_exit_codes = app.stop_exit_codes;
  return restart;
}

/** A PM2 ignore_watch entry that is a regular expression written as a string (PM2's docs show one for dot files), not a glob. */
function looksLikeRegex(p: string): boolean {
  return /\\[./\\dswb]|^\^|\$$|\(\?/.test(p);
}

/** PM2's watch, ignore_watch, watch_delay and watch_options as `watch:`; what has no equivalent is said. */
function watchOf(app: Record<string, unknown>, name: string, warnings: string[]): unknown {
  const w = app.watch;
  // ignore_watch without watch does nothing in PM2 either (ecosystem files often keep it with watch: false)
  if (w === undefined || w === false) return undefined;
  const paths = w === true ? [] : (Array.isArray(w) ? w : [w]).map(String).filter((p) => p !== '');
  const ignore: string[] = [];
  const rawIgnore = app.ignore_watch === undefined ? [] : Array.isArray(app.ignore_watch) ? app.ignore_watch : [app.ignore_watch];
  for (const raw of rawIgnore.map(String)) {
    if (looksLikeRegex(raw)) {
      warnings.push(`${name}: ignore_watch ${JSON.stringify(raw)} is a regular expression, not a glob; not mapped: write it as a glob in watch.ignore (e.g. ".*" for dot files)`);
      continue;
    }
    try {
      compileGlob(raw);
      ignore.push(raw);
    } catch (err) {
      warnings.push(`${name}: ignore_watch: ${(err as Error).message}; not mapped`);
    }
  }
  const options = app.watch_options && typeof app.watch_options === 'object' ? (app.watch_options as Record<string, unknown>) : {};
  if (options.followSymlinks === true) warnings.push(`${name}: watch_options.followSymlinks is not mapped: symlinked directories are not followed; watch their targets as paths instead`);
  if (options.usePolling === true) warnings.push(`${name}: watch_options.usePolling is not mapped: Sentinel watches with inotify (a network file system may not report changes)`);
  const otherOptions = Object.keys(options).filter((k) => k !== 'followSymlinks' && k !== 'usePolling');
  if (otherOptions.length) warnings.push(`${name}: watch_options ${otherOptions.join(', ')} not mapped`);
  const delay = typeof app.watch_delay === 'number' && app.watch_delay >= 0 ? millis(app.watch_delay) : undefined;
  if (app.watch_delay !== undefined && delay === undefined) warnings.push(`${name}: watch_delay ${JSON.stringify(app.watch_delay)} is not a number of milliseconds; the default (500ms) is used`);
  if (ignore.length === 0 && delay === undefined) return paths.length === 0 ? true : paths;
  return { ...(paths.length ? { paths } : {}), ...(ignore.length ? { ignore } : {}), ...(delay !== undefined ? { delay } : {}) };
}

function mapApp(app: Record<string, unknown>, index: number, environments: Record<string, Record<string, unknown>>, warnings: string[]): [string, Record<string, unknown>] | null {
  const where = `apps[${index}]`;
  if (typeof app.script !== 'string') {
    warnings.push(`${where}: has no "script"; skipped`);
    return null;
  }
  const name = processName(typeof app.name === 'string' ? app.name : basename(app.script, extname(app.script)), warnings);
  const argv = commandOf(app);
  const proc: Record<string, unknown> = typeof app.args === 'string' ? { command: shellJoin(argv) } : { argv };
  if (typeof app.cwd === 'string') proc.cwd = app.cwd;
  if (app.env && typeof app.env === 'object') proc.env = stringValues(app.env);
  proc.restart = restartOf(app);
  if (app.max_memory_restart !== undefined) proc.max_memory = app.max_memory_restart;
  if (typeof app.cron_restart === 'string') proc.restart_cron = app.cron_restart;
  // PM2 stops with SIGINT, then SIGKILL after kill_timeout (default 1600 ms)
  proc.stop_signal = 'SIGINT';
  proc.stop_timeout = millis(typeof app.kill_timeout === 'number' ? app.kill_timeout : 1600);
  if (app.uid !== undefined) proc.user = app.gid !== undefined ? `${String(app.uid)}:${String(app.gid)}` : String(app.uid);
  else if (app.gid !== undefined) warnings.push(`${name}: gid without uid is not mapped; set user: "NAME:GROUP" in sentinel.yaml`);
  const instances = pm2Instances(app.instances, os.availableParallelism());
  if (instances === null) warnings.push(`${name}: instances: ${JSON.stringify(app.instances)} is not understood; imported as one instance`);
  else if (instances > 1) proc.instances = instances;
  if (app.exec_mode === 'cluster' || app.exec_mode === 'cluster_mode') warnings.push(`${name}: exec_mode cluster (Node cluster module sharing one port) has no equivalent; runs as a plain process`);
  const watch = watchOf(app, name, warnings);
  if (watch !== undefined) proc.watch = watch;
  for (const key of ['out_file', 'error_file', 'log_file', 'output', 'error', 'log'] as const) {
    if (app[key] !== undefined) warnings.push(`${name}: ${key} is not mapped; Sentinel keeps logs itself (sentinel logs ${name})`);
  }
  for (const [key, value] of Object.entries(app)) {
    const env = key.match(/^env_(.+)$/);
    if (!env || !value || typeof value !== 'object') continue;
    const overlay = (environments[toName(env[1])] ??= { processes: {} });
    (overlay.processes as Record<string, unknown>)[name] = { env: stringValues(value) };
  }
  const rest = Object.fromEntries(Object.entries(app).filter(([k]) => !k.startsWith('env_')));
  warnings.push(...unmappedKeys(name, rest, HANDLED));
  return [name, proc];
}

function stringValues(object: object): Record<string, string> {
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

export function importPm2(text: string, filename: string): ImportResult {
  const data = readEcosystem(text, filename) as { apps?: unknown; deploy?: unknown } | unknown[];
  const apps = Array.isArray(data) ? data : data && typeof data === 'object' ? (data as { apps?: unknown }).apps : undefined;
  if (!Array.isArray(apps)) {
    const deployOnly = data && typeof data === 'object' && 'deploy' in data;
    throw new SentinelError('IMPORT_FAILED', `${basename(filename)}: ${deployOnly ? 'holds only PM2 deployment targets ("deploy"), no "apps" to run' : 'expected an "apps" list, as in a PM2 ecosystem file'}`);
  }
  const warnings: string[] = [];
  // a JavaScript file is evaluated once, here and now: what it reads from its surroundings is fixed as it was
  if (/\.[cm]?js$/i.test(filename) && /process\.env|require\s*\(|os\.cpus|availableParallelism/.test(text)) {
    warnings.push('values this file computes when PM2 loads it (process.env, require(), os.cpus()) were computed once, now, on this machine; check env and instances');
  }
  const processes: Record<string, unknown> = {};
  const environments: Record<string, Record<string, unknown>> = {};
  apps.forEach((app, i) => {
    const mapped = app && typeof app === 'object' ? mapApp(app as Record<string, unknown>, i, environments, warnings) : null;
    if (mapped) processes[mapped[0]] = mapped[1];
  });
  if (!Array.isArray(data) && (data as { deploy?: unknown }).deploy) warnings.push('deploy: PM2 deployment targets are not mapped');
  const config: Record<string, unknown> = { processes };
  if (Object.keys(environments).length > 0) config.environments = environments;
  return { config, warnings };
}
