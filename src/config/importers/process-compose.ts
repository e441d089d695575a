// process-compose.yaml: processes with probes, availability, shutdown and dependency conditions.
// process-compose expands `$VAR` and `${VAR}` when it loads the file (Go's os.ExpandEnv); sentinel.yaml
// expands only `${VAR}` at load, so a bare `$VAR` in a value read at load is written braced. Commands
// run through a shell in both, which expands what is left when the process starts.
import { basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SentinelError } from '../../core/errors.js';
import { envFromAny, processName, seconds, signalName, toName, unmappedKeys, type ImportResult } from './common.js';

type Obj = Record<string, unknown>;

const CONDITIONS: Record<string, string> = {
  process_started: 'started',
  process_healthy: 'ready', // process-compose calls a passed readiness probe "healthy"
  process_log_ready: 'ready',
  process_completed_successfully: 'completed_successfully',
};

const HANDLED = ['command', 'working_dir', 'environment', 'depends_on', 'readiness_probe', 'liveness_probe', 'availability', 'shutdown', 'disabled', 'namespace', 'ready_log_line', 'description', 'replicas', 'is_daemon'];

/** `$VAR` → `${VAR}`, so sentinel.yaml expands at load what process-compose expanded at load. */
function braceBareVars(text: string): string {
  return text.replace(/\$\$|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, name: string | undefined) => (name ? `\${${name}}` : whole));
}

const REPLICA = /\{\{\s*\.PC_REPLICA_NUM\s*\}\}/g;

/** {{.PC_REPLICA_NUM}} in a value read at load: known only when there is one replica (0). */
function replicaAtLoad(text: string, replicas: number, where: string, warnings: string[]): string {
  if (!/\{\{\s*\.PC_REPLICA_NUM\s*\}\}/.test(text)) return text;
  if (replicas > 1) warnings.push(`${where}: {{.PC_REPLICA_NUM}} differs per replica there; Sentinel reads it once, so every instance uses 0`);
  return text.replace(REPLICA, '0');
}

function httpUrl(get: Obj): string {
  const scheme = String(get.scheme ?? 'http');
  const host = String(get.host ?? '127.0.0.1');
  const path = String(get.path ?? '/');
  return braceBareVars(`${scheme}://${host}${get.port !== undefined ? `:${get.port}` : ''}${path.startsWith('/') ? path : `/${path}`}`);
}

function probeTarget(probe: Obj): { exec?: string; http?: string } {
  if (probe.exec && typeof probe.exec === 'object') return { exec: String((probe.exec as Obj).command) };
  if (probe.http_get && typeof probe.http_get === 'object') return { http: httpUrl(probe.http_get as Obj) };
  return {};
}

function mapReadiness(name: string, probe: Obj, logLine: unknown, warnings: string[]): Obj {
  const target = probeTarget(probe);
  const startup: Obj = {};
  if (target.exec) startup.wait_exec = target.exec;
  if (target.http) startup.wait_http = target.http;
  if (typeof logLine === 'string') startup.wait_log = logLine;
  // process-compose gives up after failure_threshold failed checks, each taking up to the longer of
  // period_seconds and timeout_seconds; Sentinel's startup.timeout is that whole span
  const period = Number(probe.period_seconds ?? 10);
  const attempt = Math.max(period, Number(probe.timeout_seconds ?? 1));
  const failures = Number(probe.failure_threshold ?? 3);
  startup.timeout = seconds(Number(probe.initial_delay_seconds ?? 0) + attempt * failures);
  const successes = Number(probe.success_threshold ?? 1);
  if (successes > 1) warnings.push(`${name}: readiness_probe.success_threshold ${successes}: Sentinel is ready after the first passed check`);
  return startup;
}

function mapLiveness(probe: Obj): Obj {
  const health: Obj = { ...probeTarget(probe), action: 'restart' };
  if (probe.period_seconds !== undefined) health.interval = seconds(Number(probe.period_seconds));
  if (probe.timeout_seconds !== undefined) health.timeout = seconds(Number(probe.timeout_seconds));
  if (probe.initial_delay_seconds !== undefined) health.initial_delay = seconds(Number(probe.initial_delay_seconds));
  if (probe.failure_threshold !== undefined) health.failure_threshold = Number(probe.failure_threshold);
  if (probe.success_threshold !== undefined) health.success_threshold = Number(probe.success_threshold);
  return health;
}

function mapAvailability(name: string, a: Obj, warnings: string[]): unknown {
  const modes: Record<string, string> = { always: 'always', on_failure: 'on-failure', exit_on_failure: 'never', no: 'never' };
  const policy = modes[String(a.restart ?? 'no')] ?? 'never';
  if (a.restart === 'exit_on_failure') warnings.push(`${name}: availability.restart exit_on_failure stops process-compose and every process when this one fails; imported as restart: never (Sentinel keeps the others running)`);
  const restart: Obj = { policy };
  if (a.backoff_seconds !== undefined) restart.delay = seconds(Number(a.backoff_seconds));
  if (a.max_restarts !== undefined) restart.max_restarts = Number(a.max_restarts);
  return Object.keys(restart).length === 1 ? policy : restart;
}

function replicasOf(name: string, p: Obj, warnings: string[]): number {
  if (p.replicas === undefined) return 1;
  const n = Number(p.replicas);
  if (Number.isInteger(n) && n >= 1) return n;
  warnings.push(`${name}: replicas: ${JSON.stringify(p.replicas)} is not a whole number of 1 or more; imported as one instance`);
  return 1;
}

function mapProcess(name: string, p: Obj, globalEnv: Record<string, string>, defined: Set<string>, warnings: string[]): Obj {
  const replicas = replicasOf(name, p, warnings);
  const atLoad = (text: string, where: string): string => braceBareVars(replicaAtLoad(text, replicas, `${name}.${where}`, warnings));
  // each replica's number: the instance index, which the shell reads from $SENTINEL_INSTANCE
  const proc: Obj = { command: String(p.command).replace(REPLICA, () => (replicas > 1 ? '$${SENTINEL_INSTANCE}' : '0')) };
  if (typeof p.working_dir === 'string') proc.cwd = atLoad(p.working_dir, 'working_dir');
  const env = { ...globalEnv, ...envFromAny(p.environment, 'inherit') };
  for (const key of Object.keys(env)) env[key] = atLoad(env[key], `environment.${key}`);
  if (Object.keys(env).length > 0) proc.env = env;
  if (p.depends_on && typeof p.depends_on === 'object') {
    const deps: Obj = {};
    for (const [dep, spec] of Object.entries(p.depends_on as Record<string, Obj>)) {
      if (!defined.has(dep)) {
        warnings.push(`${name}: depends on "${dep}", which is not defined in this file; dependency dropped`);
        continue;
      }
      const raw = String(spec?.condition ?? 'process_started');
      if (raw === 'process_completed') warnings.push(`${name}: depends_on ${dep} condition process_completed (any exit) is imported as completed_successfully`);
      deps[toName(dep)] = { condition: CONDITIONS[raw] ?? 'completed_successfully' };
    }
    if (Object.keys(deps).length > 0) proc.depends_on = deps;
  }
  if ((p.readiness_probe && typeof p.readiness_probe === 'object') || typeof p.ready_log_line === 'string') {
    const startup = mapReadiness(name, (p.readiness_probe ?? {}) as Obj, p.ready_log_line, warnings);
    if (typeof startup.wait_http === 'string') startup.wait_http = replicaAtLoad(startup.wait_http, replicas, `${name}.readiness_probe`, warnings);
    proc.startup = startup;
  }
  if (p.liveness_probe && typeof p.liveness_probe === 'object') {
    const health = mapLiveness(p.liveness_probe as Obj);
    if (typeof health.http === 'string') health.http = replicaAtLoad(health.http, replicas, `${name}.liveness_probe`, warnings);
    proc.health = health;
  }
  if (p.availability && typeof p.availability === 'object') proc.restart = mapAvailability(name, p.availability as Obj, warnings);
  if (p.shutdown && typeof p.shutdown === 'object') {
    const s = p.shutdown as Obj;
    if (s.signal !== undefined) proc.stop_signal = signalName(s.signal as number | string);
    if (s.timeout_seconds !== undefined) proc.stop_timeout = seconds(Number(s.timeout_seconds));
    if (s.command !== undefined) warnings.push(`${name}: shutdown.command is not supported; Sentinel stops with stop_signal`);
    warnings.push(...unmappedKeys(`${name}.shutdown`, s, ['signal', 'timeout_seconds', 'command']));
  }
  if (p.disabled === true) proc.autostart = false;
  if (p.is_daemon === true) warnings.push(`${name}: is_daemon: the command starts a daemon and returns; Sentinel supervises a program that stays in the foreground, so run it in the foreground (as imported, its exit counts as the process ending)`);
  if (replicas > 1) proc.instances = replicas;
  if (typeof p.namespace === 'string' && p.namespace !== 'default') proc.group = toName(p.namespace);
  warnings.push(...unmappedKeys(name, p, HANDLED));
  return proc;
}

export function importProcessCompose(text: string, filename: string): ImportResult {
  let data: Obj;
  try {
    data = (parseYaml(text, { merge: true }) ?? {}) as Obj;
  } catch (err) {
    throw new SentinelError('IMPORT_FAILED', `${basename(filename)}: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!data.processes || typeof data.processes !== 'object') throw new SentinelError('IMPORT_FAILED', `${basename(filename)}: expected a "processes" map, as in process-compose.yaml`);
  const warnings: string[] = [];
  const globalEnv = envFromAny(data.environment, 'inherit') ?? {};
  const processes: Obj = {};
  const entries = Object.entries(data.processes as Record<string, Obj>);
  const defined = new Set(entries.filter(([, p]) => p && typeof p.command === 'string').map(([n]) => n));
  for (const [name, p] of entries) {
    if (!defined.has(name)) {
      warnings.push(`${name}: has no command; skipped`);
      continue;
    }
    processes[processName(name, warnings)] = mapProcess(name, p, globalEnv, defined, warnings);
  }
  warnings.push(...unmappedKeys('top level', data, ['version', 'processes', 'environment']));
  return { config: { processes }, warnings };
}
