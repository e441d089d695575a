// docker-compose.yml: services with a command or entrypoint become processes run directly on this
// machine; image-only services (and those whose command only passes arguments to the image's
// entrypoint) run in a container of their image (image, ports, volumes, user), through Podman by default.
import { basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SentinelError } from '../../core/errors.js';
import { isPublishedPort } from '../schema-process.js';
import { parseCpuMax, parseMemoryMax, parsePidsMax } from '../../isolation/cgroup-limits.js';
import { envFromAny, processName, shellJoin, shellSplit, toName, unmappedKeys, type ImportResult } from './common.js';

const CONDITIONS: Record<string, string> = {
  service_started: 'started',
  service_healthy: 'healthy',
  service_completed_successfully: 'completed_successfully',
};

/** What a container service carries over besides HANDLED. */
const CONTAINER_HANDLED = ['ports', 'volumes'];

const HANDLED = ['command', 'entrypoint', 'environment', 'env_file', 'depends_on', 'healthcheck', 'restart', 'working_dir', 'user', 'stop_signal', 'stop_grace_period', 'image', 'container_name', 'profiles', 'mem_limit', 'cpus', 'pids_limit', 'deploy'];

/** entrypoint + command as compose combines them: lists stay argv, any string makes it a shell line. */
function commandOf(svc: Record<string, unknown>): { command?: string; argv?: string[] } | undefined {
  const parts = [svc.entrypoint, svc.command].filter((p) => p !== undefined && p !== null);
  if (parts.length === 0) return undefined;
  if (parts.every(Array.isArray)) return { argv: parts.flatMap((p) => (p as unknown[]).map(String)) };
  return { command: parts.map((p) => (Array.isArray(p) ? shellJoin(p.map(String)) : String(p))).join(' ') };
}

/** `command: ["--port", "80"]` with no entrypoint: arguments for the image's own entrypoint, no program. */
function onlyEntrypointArgs(svc: Record<string, unknown>): boolean {
  if (svc.entrypoint !== undefined && svc.entrypoint !== null) return false;
  const first = Array.isArray(svc.command) ? String(svc.command[0] ?? '') : typeof svc.command === 'string' ? (shellSplit(svc.command)[0] ?? '') : '';
  return first.startsWith('-');
}

function healthOf(name: string, check: Record<string, unknown>, warnings: string[]): Record<string, unknown> | undefined {
  if (check.disable === true) return undefined;
  const test = check.test;
  let exec: string | undefined;
  if (typeof test === 'string') exec = test;
  else if (Array.isArray(test) && test[0] === 'CMD-SHELL') exec = String(test[1]);
  else if (Array.isArray(test) && test[0] === 'CMD') exec = shellJoin(test.slice(1).map(String));
  else if (Array.isArray(test) && test[0] === 'NONE') return undefined;
  if (!exec) {
    warnings.push(`${name}: healthcheck.test ${JSON.stringify(test)} is not understood; health check not imported`);
    return undefined;
  }
  const health: Record<string, unknown> = { exec };
  if (check.interval !== undefined) health.interval = check.interval;
  if (check.timeout !== undefined) health.timeout = check.timeout;
  if (typeof check.retries === 'number') health.failure_threshold = check.retries;
  if (check.start_period !== undefined) health.initial_delay = check.start_period;
  if (check.start_interval !== undefined) warnings.push(`${name}: healthcheck.start_interval is not mapped`);
  return health;
}

function restartOf(value: unknown): unknown {
  const text = String(value);
  if (text === 'no') return 'never';
  if (text === 'always' || text === 'unless-stopped') return 'always';
  const failure = text.match(/^on-failure(?::(\d+))?$/);
  if (failure) return failure[1] ? { policy: 'on-failure', max_restarts: Number(failure[1]) } : 'on-failure';
  return undefined;
}

function dependsOf(value: unknown, runnable: Set<string>, name: string, warnings: string[]): unknown {
  const entries: [string, string][] = Array.isArray(value)
    ? value.map((d) => [String(d), 'started'])
    : Object.entries((value ?? {}) as Record<string, { condition?: string }>).map(([d, spec]) => [d, CONDITIONS[spec?.condition ?? 'service_started'] ?? 'started']);
  const out: Record<string, { condition: string }> = {};
  for (const [dep, condition] of entries) {
    if (!runnable.has(dep)) {
      warnings.push(`${name}: depends on "${dep}", which needs a container runtime; dependency dropped`);
      continue;
    }
    out[toName(dep)] = { condition };
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A service that runs its image's own program: imported as a container process. */
function runsImage(svc: Record<string, unknown> | null | undefined): boolean {
  return !!svc && typeof svc.image === 'string' && (!commandOf(svc) || onlyEntrypointArgs(svc));
}

/** "8080:80", "127.0.0.1:8080:80/udp", 8080 or {target, published, host_ip, protocol} as "[IP:]HOST:CONTAINER[/proto]". */
function portOf(name: string, p: unknown, warnings: string[]): string | undefined {
  let text: string | undefined;
  if (typeof p === 'number' || typeof p === 'string') text = String(p);
  else if (p && typeof p === 'object') {
    const o = p as { target?: unknown; published?: unknown; host_ip?: unknown; protocol?: unknown };
    if (o.target !== undefined && o.published !== undefined) {
      text = `${o.host_ip ? `${String(o.host_ip)}:` : ''}${String(o.published)}:${String(o.target)}${o.protocol && o.protocol !== 'tcp' ? `/${String(o.protocol)}` : ''}`;
    } else if (o.target !== undefined) text = String(o.target);
  }
  if (text !== undefined && isPublishedPort(text)) return text;
  warnings.push(`${name}: port ${JSON.stringify(p)} is not mapped (a container port on a random host port, a range or a variable); write it as "HOST:CONTAINER" in ports:`);
  return undefined;
}

/** The container keys of an image service. */
function containerOf(name: string, svc: Record<string, unknown>, warnings: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { image: svc.image };
  if (Array.isArray(svc.ports)) {
    const ports = svc.ports.map((p) => portOf(name, p, warnings)).filter((p): p is string => p !== undefined);
    if (ports.length > 0) out.ports = ports;
  }
  if (Array.isArray(svc.volumes)) {
    const volumes: string[] = [];
    for (const v of svc.volumes) {
      if (typeof v === 'string' && v.includes(':')) volumes.push(v);
      else if (v && typeof v === 'object' && (v as { source?: unknown }).source && (v as { target?: unknown }).target) {
        const o = v as { source: unknown; target: unknown; read_only?: unknown };
        volumes.push(`${String(o.source)}:${String(o.target)}${o.read_only === true ? ':ro' : ''}`);
      } else warnings.push(`${name}: volume ${JSON.stringify(v)} (an anonymous volume or a form without a source) is not mapped`);
    }
    if (volumes.length > 0) out.volumes = volumes;
  }
  // inside a container the user is an account of the image, which is what container_user means
  if (svc.user !== undefined) out.container_user = String(svc.user);
  return out;
}

/**
 * The container's hard limits (mem_limit, cpus, pids_limit, or deploy.resources.limits, which wins as in
 * compose) become the process's cgroup limits; a value that cannot be one is reported, not guessed.
 */
function limitsOf(name: string, svc: Record<string, unknown>, warnings: string[]): Record<string, unknown> | undefined {
  const deploy = (typeof svc.deploy === 'object' && svc.deploy ? svc.deploy : {}) as Record<string, unknown>;
  const resources = (typeof deploy.resources === 'object' && deploy.resources ? deploy.resources : {}) as Record<string, unknown>;
  const limits = (typeof resources.limits === 'object' && resources.limits ? resources.limits : {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const take = (key: string, value: unknown, source: string, parse: (v: unknown, what: string) => number, unlimited: (v: unknown) => boolean) => {
    if (value === undefined || value === null || unlimited(value)) return;
    try {
      out[key] = parse(value, `${name}: ${source}`);
    } catch (err) {
      warnings.push(`${(err as Error).message}; not mapped`);
    }
  };
  const noLimit = (v: unknown) => String(v) === '-1' || String(v) === '0';
  take('memory_max', limits.memory ?? svc.mem_limit, limits.memory !== undefined ? 'deploy.resources.limits.memory' : 'mem_limit', parseMemoryMax, () => false);
  take('cpu_max', limits.cpus ?? svc.cpus, limits.cpus !== undefined ? 'deploy.resources.limits.cpus' : 'cpus', parseCpuMax, (v) => String(v) === '0');
  take('pids_max', limits.pids ?? svc.pids_limit, limits.pids !== undefined ? 'deploy.resources.limits.pids' : 'pids_limit', parsePidsMax, noLimit);
  warnings.push(...unmappedKeys(`${name}: deploy.resources.limits`, limits, ['memory', 'cpus', 'pids']));
  warnings.push(...unmappedKeys(`${name}: deploy.resources`, resources, ['limits']));
  warnings.push(...unmappedKeys(`${name}: deploy`, deploy, ['resources']));
  return Object.keys(out).length > 0 ? out : undefined;
}

function mapService(name: string, svc: Record<string, unknown>, runnable: Set<string>, warnings: string[]): Record<string, unknown> {
  const container = runsImage(svc);
  const proc: Record<string, unknown> = container ? { ...containerOf(name, svc, warnings) } : {};
  if (container) {
    // arguments for the image's entrypoint are the container's command
    const cmd = svc.command;
    if (cmd !== undefined && cmd !== null) proc.argv = Array.isArray(cmd) ? cmd.map(String) : shellSplit(String(cmd));
  } else Object.assign(proc, commandOf(svc));
  if (!container && typeof svc.image === 'string') warnings.push(`${name}: runs in image "${svc.image}" under compose; imported to run its command directly on this machine`);
  // no image or build but volumes: an override of a service defined in another compose file
  else if (!container && svc.build === undefined && svc.volumes !== undefined) warnings.push(`${name}: has no image or build here but mounts volumes (an override of another compose file?); its command ran in that service's container, imported to run directly on this machine`);
  if (typeof svc.working_dir === 'string') proc.cwd = svc.working_dir;
  const env = envFromAny(svc.environment);
  if (env) proc.env = env;
  if (svc.env_file !== undefined) {
    const files = (Array.isArray(svc.env_file) ? svc.env_file : [svc.env_file]).map((f) => (typeof f === 'object' && f ? String((f as { path: string }).path) : String(f)));
    proc.env_file = files.length === 1 ? files[0] : files;
  }
  const deps = svc.depends_on === undefined ? undefined : dependsOf(svc.depends_on, runnable, name, warnings);
  if (deps) proc.depends_on = deps;
  // a container's exec check runs inside its container, as compose runs it
  if (svc.healthcheck && typeof svc.healthcheck === 'object') {
    const health = healthOf(name, svc.healthcheck as Record<string, unknown>, warnings);
    if (health) proc.health = health;
  }
  if (svc.restart !== undefined) {
    const restart = restartOf(svc.restart);
    if (restart) proc.restart = restart;
    else warnings.push(`${name}: restart "${String(svc.restart)}" is not understood; not mapped`);
  }
  // a container's user names an account inside the image, not on this machine: never run as it on the host
  if (svc.user !== undefined && !container) warnings.push(`${name}: user ${JSON.stringify(String(svc.user))} is a user inside the container image, not a host user; not mapped (set user: in sentinel.yaml to run as a host account)`);
  if (typeof svc.stop_signal === 'string') proc.stop_signal = svc.stop_signal;
  // a service under profiles starts only when one of them is selected (docker compose --profile X up)
  if (Array.isArray(svc.profiles) && svc.profiles.length > 0) {
    proc.autostart = false;
    warnings.push(`${name}: starts under compose only with ${svc.profiles.map((p) => `--profile ${String(p)}`).join(' or ')}; imported with autostart: false (start it with: sentinel start ${toName(name)})`);
  }
  if (svc.stop_grace_period !== undefined) proc.stop_timeout = svc.stop_grace_period;
  const limits = limitsOf(name, svc, warnings);
  if (limits) proc.limits = limits;
  warnings.push(...unmappedKeys(name, svc, container ? [...HANDLED, ...CONTAINER_HANDLED] : HANDLED));
  return proc;
}

export function importCompose(text: string, filename: string): ImportResult {
  let data: { services?: Record<string, Record<string, unknown>> };
  try {
    data = parseYaml(text, { merge: true }) ?? {};
  } catch (err) {
    throw new SentinelError('IMPORT_FAILED', `${basename(filename)}: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!data.services || typeof data.services !== 'object') throw new SentinelError('IMPORT_FAILED', `${basename(filename)}: expected a "services" map, as in a compose file`);
  const warnings: string[] = [];
  const services = Object.entries(data.services);
  const runnable = new Set(services.filter(([, s]) => s && ((commandOf(s) && !onlyEntrypointArgs(s)) || runsImage(s))).map(([n]) => n));
  const processes: Record<string, unknown> = {};
  for (const [name, svc] of services) {
    if (svc && commandOf(svc) && onlyEntrypointArgs(svc) && !runsImage(svc)) {
      const image = typeof svc.image === 'string' ? `image "${svc.image}"` : 'its image';
      warnings.push(`${name}: command ${JSON.stringify(svc.command)} only passes arguments to the entrypoint of ${image}; it needs that image and a container runtime and was not imported`);
      continue;
    }
    if (!runnable.has(name)) {
      const image = typeof svc?.image === 'string' ? `image "${svc.image}"` : 'a build';
      warnings.push(`${name}: uses ${image} without a command; it needs a container runtime and was not imported`);
      continue;
    }
    processes[processName(name, warnings)] = mapService(name, svc, runnable, warnings);
  }
  for (const key of Object.keys(data)) {
    if (['volumes', 'networks', 'secrets', 'configs'].includes(key)) warnings.push(`top-level "${key}" is not mapped (container resources)`);
  }
  return { config: { processes }, warnings };
}
