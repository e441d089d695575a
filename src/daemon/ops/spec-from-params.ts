// Turns run parameters (the CLI's flags or an API body) into the config file's process, then a ProcessSpec.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SentinelError } from '../../core/errors.js';
import { parseDuration, parseSize } from '../../core/duration.js';
import { compileGlob } from '../../watch/glob.js';
import { parseScaleRange, PORT_MODES } from '../../cluster/scale-config.js';
import { DEFAULT_RESTART_POLICY, type PortMode, type LivenessSection, type ProcessSpec, type ReadinessSection, type RestartMode, type RestartPolicy } from '../../core/spec.js';
import type { SentinelConfig } from '../../config/schema.js';
import { buildEnv, readEnvFile } from '../../core/env.js';
import { nameFromCommand, validateName } from '../../core/names.js';
import { restartPolicyFromParams } from './policy.js';
import { healthSectionsFromParams } from './health-params.js';
import { validateCron, validateTimeZone } from '../../scheduler/schedule.js';
import { splitUserGroup, validateIonice, validateNice } from '../../isolation/identity.js';
import { parseCpuMax, parseMemoryMax, parsePidsMax } from '../../isolation/cgroup-limits.js';
import { optBool, optDuration, optNumber, optString, optStringArray, optStringMap, parseEnvPairs, type Params } from '../params.js';

const SIGNALS = new Set(Object.keys(os.constants.signals));

export function parseSignal(value: string): NodeJS.Signals {
  const upper = value.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  if (!SIGNALS.has(name)) {
    throw new SentinelError('INVALID_ARGUMENT', `stop signal ${JSON.stringify(value)} is not a known signal; use a name like SIGTERM, SIGINT or SIGQUIT`);
  }
  return name as NodeJS.Signals;
}

export function parseRestartMode(value: unknown): RestartMode {
  if (value === undefined || value === null || value === false) return 'never';
  if (value === true || value === '') return 'always';
  if (value === 'never' || value === 'on-failure' || value === 'always') return value;
  throw new SentinelError('INVALID_ARGUMENT', `restart policy ${JSON.stringify(value)} is not known; use never, on-failure or always (e.g. --restart on-failure)`);
}

export interface SpecContext {
  groupEnv: (group: string) => Record<string, string>;
  globalEnvFile: string;
  takenNames: (name: string) => boolean;
}

/**
 * Builds a spec from run parameters (the CLI's flags, or an API body of the same shape). Each value is
 * checked here with the flag's own message; the values are then written as the config file's process
 * (snake_case, the file's units), checked by the file's schema and normalized by the file's code, so
 * `run` and `up` produce specs the same way and defaults live in one place.
 */
export async function specFromParams(p: Params, ctx: SpecContext): Promise<ProcessSpec> {
  const command = optString(p, 'command');
  const args = optStringArray(p, 'args') ?? [];
  const image = optString(p, 'image');
  // a container may run its image's own command
  if ((command === undefined || command.trim() === '') && (image === undefined || command !== undefined)) {
    throw new SentinelError('INVALID_ARGUMENT', 'no command given; e.g. sentinel run "python server.py" or sentinel run --name web -- node server.js');
  }
  const shell = optBool(p, 'shell') ?? args.length === 0;
  const cwd = path.resolve(optString(p, 'cwd') ?? process.cwd());
  let name = optString(p, 'name');
  if (name !== undefined) validateName(name, 'process name');
  else {
    const base = command === undefined ? nameFromImage(image!) : nameFromCommand(shell ? command : path.basename(command));
    name = base;
    for (let i = 2; ctx.takenNames(name); i++) name = `${base}-${i}`;
  }
  const group = optString(p, 'group') ?? null;
  if (group !== null) validateName(group, 'group name');
  const keepEnv = optStringArray(p, 'keepEnv') ?? null;
  const envFiles = (optStringArray(p, 'envFiles') ?? []).map((f) => path.resolve(cwd, f));
  for (const file of envFiles) readEnvFile(file, true);
  // what the process inherits: the global and project .env files, then the client's environment
  const baseEnv = buildEnv({
    clientEnv: optStringMap(p, 'env') ?? {},
    keepOnly: keepEnv,
    globalEnvFile: ctx.globalEnvFile,
    projectEnvFile: optBool(p, 'projectEnv') === false ? null : path.join(cwd, '.env'),
    groupEnv: {},
    envFiles: [],
    envFlags: {},
  });
  const waitMs = optBool(p, 'noWait') ? 0 : optDuration(p, 'wait', '--wait');
  const logKeep = optNumber(p, 'logKeep');
  if (logKeep !== undefined && (!Number.isInteger(logKeep) || logKeep < 0 || logKeep > 1000)) {
    throw new SentinelError('INVALID_ARGUMENT', `--log-keep ${logKeep}: expected a whole number from 0 to 1000 (e.g. --log-keep 5)`);
  }
  const logMax = p.logMaxSize === undefined || p.logMaxSize === null ? undefined : parseSize(p.logMaxSize as string | number, '--log-max-size');
  const stopSignal = optString(p, 'stopSignal');
  const restartCron = restartCronFromParams(p);
  const identity = identityFromParams(p);
  const health = healthSectionsFromParams(p);
  const proc = compact({
    ...(command === undefined ? {} : shell ? { command } : { argv: [command, ...args] }),
    ...containerFromParams(p),
    group: group ?? undefined,
    env: parseEnvPairs(optStringArray(p, 'envVars') ?? []),
    env_file: envFiles.length > 0 ? envFiles : undefined,
    restart: restartToConfig(restartPolicyFromParams(p, { ...DEFAULT_RESTART_POLICY, mode: parseRestartMode(p.restart) })),
    restart_cron: restartCron ? (restartCron.tz ? { cron: restartCron.cron, tz: restartCron.tz } : restartCron.cron) : undefined,
    stop_signal: stopSignal ? parseSignal(stopSignal) : undefined,
    stop_timeout: msText(optDuration(p, 'stopTimeout', '--stop-timeout')),
    start_wait: msText(waitMs),
    log: compact({ max_size: logMax, keep: logKeep, compress: optBool(p, 'logCompress'), timestamps: optBool(p, 'logTimestamps') }),
    startup: health.readiness ? readinessToConfig(health.readiness) : undefined,
    health: health.liveness ? livenessToConfig(health.liveness) : undefined,
    max_memory: health.limits.maxMemoryBytes ?? undefined,
    max_cpu: health.limits.maxCpu ? compact({ percent: health.limits.maxCpu.percent, for: msText(health.limits.maxCpu.forMs) }) : undefined,
    notify: health.notify.webhooks.length > 0 || health.notify.plugins?.length
      ? compact({ webhooks: health.notify.webhooks.length > 0 ? health.notify.webhooks : undefined, plugins: health.notify.plugins })
      : undefined,
    user: identity.user === null ? undefined : identity.group === null ? identity.user : `${identity.user}:${identity.group}`,
    nice: identity.nice ?? undefined,
    ionice: identity.ionice ?? undefined,
    instances: instancesFromParams(p),
    scale: scaleFromParams(p),
    limits: hardLimitsFromParams(p),
    watch: watchFromParams(p, cwd),
    wrap: optString(p, 'wrap') !== undefined ? { plugin: optString(p, 'wrap') } : undefined,
  });
  const { ProcessConfig } = await import('../../config/schema-process.js');
  const { toProcessSpec } = await import('../../config/normalize.js');
  const checked = ProcessConfig.safeParse(proc);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const flag = FLAG_OF_KEY[String(issue.path[0])];
    throw new SentinelError('INVALID_ARGUMENT', `${flag ?? (issue.path.join('.') || 'process')}: ${issue.message}`);
  }
  const config = {
    processes: { [name]: checked.data },
    ...(group ? { groups: { [group]: { env: ctx.groupEnv(group) } } } : {}),
  } as unknown as SentinelConfig;
  const spec = toProcessSpec(config, name, { cwd, baseEnv });
  // the port is assigned after this (run): the mode is checked against it there
  spec.portMode = portModeFromParams(p);
  return spec;
}

function portModeFromParams(p: Params): PortMode | null {
  if (p.portMode === undefined || p.portMode === null) return null;
  const mode = String(p.portMode);
  if (!(PORT_MODES as readonly string[]).includes(mode)) {
    throw new SentinelError('INVALID_ARGUMENT', `--port-mode ${JSON.stringify(mode)}: expected "shared" (one socket every instance listens on), "per-instance" (PORT + index) or "proxy" (a proxy on the port)`);
  }
  return mode as PortMode;
}

/** The flags of the container and Nix keys, for error messages about them. */
const FLAG_OF_KEY: Record<string, string> = {
  port_mode: '--port-mode', scale: '--scale', watch: '--watch', image: '--image', runtime: '--runtime', ports: '--publish', volumes: '--volume', container_user: '--container-user', nix: '--nix / --nix-file', wrap: '--wrap',
};

/** "docker.io/library/redis:7" → "redis". */
function nameFromImage(image: string): string {
  const last = image.split('@')[0].split('/').pop() ?? image;
  return nameFromCommand(last.split(':')[0] || 'container');
}

/** --image, --runtime, --publish, --volume, --container-user, --nix, --nix-file as the config file's keys. */
function containerFromParams(p: Params): Record<string, unknown> {
  const packages = optStringArray(p, 'nixPackages');
  const file = optString(p, 'nixFile');
  if (packages?.length && file !== undefined) {
    throw new SentinelError('INVALID_ARGUMENT', '--nix and --nix-file: give one of them (packages, or an expression file like shell.nix), not both');
  }
  return compact({
    image: optString(p, 'image'),
    runtime: optString(p, 'runtime'),
    ports: optStringArray(p, 'publish')?.length ? optStringArray(p, 'publish') : undefined,
    volumes: optStringArray(p, 'volumes')?.length ? optStringArray(p, 'volumes') : undefined,
    container_user: optString(p, 'containerUser'),
    nix: packages?.length ? { packages } : file !== undefined ? { file } : undefined,
  });
}

/** A duration in ms as the config file writes it. */
function msText(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : `${ms}ms`;
}

function compact<T extends Record<string, unknown>>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined && !(typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0))) as T;
}

function restartToConfig(r: RestartPolicy): Record<string, unknown> {
  const d = DEFAULT_RESTART_POLICY;
  return compact({
    policy: r.mode,
    exit_codes: r.exitCodes.length > 0 ? r.exitCodes : undefined,
    no_restart_exit_codes: r.noRestartExitCodes.length > 0 ? r.noRestartExitCodes : undefined,
    max_restarts: r.maxRestarts !== d.maxRestarts ? r.maxRestarts : undefined,
    window: r.windowMs !== d.windowMs ? msText(r.windowMs) : undefined,
    delay: r.delayMs !== d.delayMs ? msText(r.delayMs) : undefined,
    backoff: r.backoff !== d.backoff ? r.backoff : undefined,
    backoff_max: r.backoffMaxMs !== d.backoffMaxMs ? msText(r.backoffMaxMs) : undefined,
    jitter: r.jitter !== d.jitter ? r.jitter : undefined,
    min_uptime: r.minUptimeMs !== d.minUptimeMs ? msText(r.minUptimeMs) : undefined,
  });
}

function statusText(s: number | [number, number] | undefined): number | string | undefined {
  if (s === undefined) return undefined;
  return typeof s === 'number' ? s : s[0] === s[1] ? s[0] : `${s[0]}-${s[1]}`;
}

function readinessToConfig(r: ReadinessSection): Record<string, unknown> {
  const http = r.waitHttp ? compact({ url: r.waitHttp.url, expect_status: statusText(r.waitHttp.expectStatus) }) : undefined;
  return compact({ wait_port: r.waitPort, wait_http: http, wait_log: r.waitLog, wait_exec: r.waitExec, timeout: msText(r.timeoutMs) });
}

function livenessToConfig(l: LivenessSection): Record<string, unknown> {
  const target = l.kind === 'http' ? { http: compact({ url: l.target, expect_status: statusText(l.expectStatus) }) }
    : l.kind === 'tcp' ? { tcp: l.target }
    : l.kind === 'plugin' ? { plugin: l.target }
    : { exec: l.target };
  return compact({
    ...target,
    send: l.send,
    interval: msText(l.intervalMs),
    timeout: msText(l.timeoutMs),
    failure_threshold: l.failureThreshold,
    success_threshold: l.successThreshold,
    initial_delay: msText(l.initialDelayMs),
    action: l.action,
  });
}

/** --restart-cron "0 4 * * *" [--restart-cron-tz Europe/Berlin], checked before anything starts. */
function restartCronFromParams(p: Params): ProcessSpec['restartCron'] {
  const cron = optString(p, 'restartCron');
  const tz = optString(p, 'restartCronTz');
  if (!cron) {
    if (tz) throw new SentinelError('INVALID_ARGUMENT', '--restart-cron-tz: only applies with --restart-cron, as in --restart-cron "0 4 * * *" --restart-cron-tz Europe/Berlin');
    return null;
  }
  if (tz) validateTimeZone(tz);
  validateCron(cron, tz);
  return { cron, tz: tz ?? null };
}

/** --watch [PATHS] --watch-ignore GLOB --watch-delay D as the config file's `watch`, each checked with its flag's message. */
function watchFromParams(p: Params, cwd: string): unknown {
  const ignore = optStringArray(p, 'watchIgnore') ?? [];
  const delay = p.watchDelay === undefined || p.watchDelay === null ? undefined : parseDuration(p.watchDelay as string | number, '--watch-delay');
  if (p.watch === undefined || p.watch === false) {
    if (ignore.length > 0 || delay !== undefined) {
      throw new SentinelError('INVALID_ARGUMENT', '--watch-ignore and --watch-delay only apply with --watch, as in --watch src --watch-ignore "*.log" --watch-delay 1s');
    }
    return undefined;
  }
  const paths = (p.watch === true ? [] : (p.watch as string[])).flatMap((w) => w.split(',')).map((w) => w.trim()).filter(Boolean);
  for (const w of paths) {
    const abs = path.resolve(cwd, w);
    if (!existsSync(abs)) throw new SentinelError('WATCH_PATH_NOT_FOUND', `--watch ${w}: ${abs} does not exist; create it or watch another path (relative paths start from --cwd, ${cwd})`);
  }
  for (const g of ignore) {
    try {
      compileGlob(g);
    } catch (err) {
      throw new SentinelError('INVALID_PATTERN', `--watch-ignore: ${(err as Error).message}`);
    }
  }
  if (paths.length === 0 && ignore.length === 0 && delay === undefined) return true;
  return compact({ paths: paths.length > 0 ? paths : undefined, ignore: ignore.length > 0 ? ignore : undefined, delay: msText(delay) });
}

/** --user NAME[:GROUP], --nice N, --ionice CLASS[:LEVEL]; checked against the system by the identity spawner. */
function identityFromParams(p: Params): ProcessSpec['identity'] {
  const userRef = optString(p, 'user');
  const nice = wholeNumber(p.nice, '--nice', 'a whole number from -20 (highest priority) to 19 (lowest), e.g. --nice 10');
  const ionice = optString(p, 'ionice');
  const [user, group] = userRef === undefined || userRef === '' ? [null, null] : splitUserGroup(userRef);
  if (nice !== undefined) validateNice(nice, '--nice');
  if (ionice !== undefined) validateIonice(ionice, '--ionice');
  return { user, group, nice: nice ?? null, ionice: ionice ?? null };
}

/** --memory-max, --cpu-max, --pids-max as the config file's `limits`, each checked with its flag's message. */
function hardLimitsFromParams(p: Params): Record<string, unknown> | undefined {
  const given = (v: unknown) => v !== undefined && v !== null;
  const limits = compact({
    memory_max: given(p.memoryMax) ? parseMemoryMax(p.memoryMax, '--memory-max') : undefined,
    cpu_max: given(p.cpuMax) ? parseCpuMax(p.cpuMax, '--cpu-max') : undefined,
    pids_max: given(p.pidsMax) ? parsePidsMax(p.pidsMax, '--pids-max') : undefined,
  });
  return Object.keys(limits).length > 0 ? limits : undefined;
}

/** --scale MIN-MAX with --scale-cpu / --scale-memory as the config file's `scale`. */
function scaleFromParams(p: Params): Record<string, unknown> | undefined {
  if (p.scale === undefined || p.scale === null) {
    if (p.scaleCpu !== undefined || p.scaleMemory !== undefined) throw new SentinelError('INVALID_ARGUMENT', '--scale-cpu and --scale-memory set the targets of --scale MIN-MAX; add --scale, e.g. --scale 2-4');
    return undefined;
  }
  const { min, max } = parseScaleRange(String(p.scale));
  const cpu = p.scaleCpu === undefined ? undefined : typeof p.scaleCpu === 'number' ? p.scaleCpu : /^\d+(\.\d+)?$/.test(String(p.scaleCpu).trim()) ? Number(p.scaleCpu) : p.scaleCpu;
  return compact({ min, max, cpu, memory: p.scaleMemory });
}

function instancesFromParams(p: Params): number | 'max' {
  if (typeof p.instances === 'string' && p.instances.trim() === 'max') return 'max';
  const n = wholeNumber(p.instances, '--instances', 'a whole number from 1 to 1000 (e.g. --instances 4)');
  if (n === undefined) return 1;
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    throw new SentinelError('INVALID_ARGUMENT', `--instances ${n}: expected a whole number from 1 to 1000 (e.g. --instances 4) or "max" (one per core)`);
  }
  return n;
}

/** A whole number given as a number or as the text of a flag; anything else is an error, never ignored. */
function wholeNumber(value: unknown, flag: string, expected: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(n)) throw new SentinelError('INVALID_ARGUMENT', `${flag} ${JSON.stringify(value)}: expected ${expected}`);
  return n;
}
