// Step 6: turn each validated process into the ProcessSpec the daemon runs: durations in ms, sizes in
// bytes, every option in its typed section (readiness, liveness, limits, identity, notify, source).
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { parseDuration, parseSize } from '../core/duration.js';
import { SentinelError } from '../core/errors.js';
import { parseCpuMax, parseMemoryMax, parsePidsMax } from '../isolation/cgroup-limits.js';
import { DEFAULT_RESTART_POLICY, DEFAULT_WATCH_DELAY_MS, DEFAULTS, emptySections, type ProcessSpec, type RestartPolicy, type SourceSection } from '../core/spec.js';
import { expandedDependencies, groupMembership } from './dependencies.js';
import { resolveSecretMarkers, type SecretLookup } from './interpolate.js';
import type { ProcessConfigT, SentinelConfig } from './schema.js';
import { toSignalName } from './schema-primitives.js';
import { checkPortMode, instancesFrom, scaleSection, startingCount } from '../cluster/scale-config.js';

export interface NormalizeOptions {
  /** Directory relative paths (cwd, env_file) start from: the config file's directory. */
  cwd: string;
  /** The environment processes inherit (the client's, captured by the CLI). */
  baseEnv: Record<string, string | undefined>;
  /** Replaces `${secret:NAME}` markers in env; without it the markers stay for the daemon to resolve. */
  resolveSecret?: SecretLookup;
}

const CONTAINER_START_WAIT_MS = 3000;

const ms = (value: string | number | undefined): number | undefined => (value === undefined ? undefined : parseDuration(value));

function toRestartPolicy(restart: ProcessConfigT['restart']): RestartPolicy {
  if (restart === undefined) return { ...DEFAULT_RESTART_POLICY };
  if (typeof restart === 'string') return { ...DEFAULT_RESTART_POLICY, mode: restart };
  const d = DEFAULT_RESTART_POLICY;
  return {
    mode: restart.policy ?? 'on-failure',
    exitCodes: restart.exit_codes ?? d.exitCodes,
    noRestartExitCodes: restart.no_restart_exit_codes ?? d.noRestartExitCodes,
    maxRestarts: restart.max_restarts ?? d.maxRestarts,
    windowMs: ms(restart.window) ?? d.windowMs,
    delayMs: ms(restart.delay) ?? d.delayMs,
    backoff: restart.backoff ?? d.backoff,
    backoffMaxMs: ms(restart.backoff_max) ?? d.backoffMaxMs,
    jitter: restart.jitter ?? d.jitter,
    minUptimeMs: ms(restart.min_uptime) ?? d.minUptimeMs,
  };
}

function readEnvFile(path: string, processName: string): Record<string, string> {
  try {
    return parseDotenv(readFileSync(path));
  } catch {
    throw new SentinelError('ENV_FILE_NOT_FOUND', `processes.${processName}.env_file: cannot read "${path}"; create it or remove it from env_file`);
  }
}

function buildEnv(config: SentinelConfig, name: string, proc: ProcessConfigT, group: string | null, options: NormalizeOptions, source: SourceSection): Record<string, string> {
  const env: Record<string, string> = {};
  // a container gets only what is written for it: this machine's variables mean nothing inside an image
  const inherit = proc.inherit_env ?? proc.image === undefined;
  for (const [key, value] of Object.entries(options.baseEnv)) {
    if (value === undefined) continue;
    if (inherit === true || (Array.isArray(inherit) && inherit.includes(key))) env[key] = value;
  }
  const groupEnv = group ? (config.groups?.[group]?.env ?? {}) : {};
  for (const [key, value] of Object.entries(groupEnv)) env[key] = String(value);
  const files = proc.env_file === undefined ? [] : Array.isArray(proc.env_file) ? proc.env_file : [proc.env_file];
  source.envFiles = files.map((f) => resolve(options.cwd, f));
  for (const file of files) Object.assign(env, readEnvFile(resolve(options.cwd, file), name));
  for (const [key, value] of Object.entries(proc.env ?? {})) env[key] = String(value);
  const secrets = Object.values(env).flatMap((v) => [...v.matchAll(/\$\{secret:([A-Za-z_][A-Za-z0-9_.-]*)\}/g)].map((m) => m[1]));
  source.secrets = [...new Set(secrets)];
  if (options.resolveSecret) {
    for (const key of Object.keys(env)) env[key] = resolveSecretMarkers(env[key], options.resolveSecret);
  }
  return env;
}

function httpCheck(value: string | { url: string; expect_status?: number | string }): { url: string; expectStatus?: number | [number, number] } {
  if (typeof value === 'string') return { url: value };
  const s = value.expect_status;
  if (s === undefined) return { url: value.url };
  if (typeof s === 'number') return { url: value.url, expectStatus: s };
  const [min, max] = s.split('-').map((x) => Number(x.trim()));
  return { url: value.url, expectStatus: min === max ? min : [min, max] };
}

function compact(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined));
}

type Sections = Pick<ProcessSpec, 'readiness' | 'liveness' | 'limits' | 'identity' | 'notify' | 'restartCron'>;

function buildSections(proc: ProcessConfigT): Sections {
  const s = proc.startup;
  const h = proc.health;
  const waitHttp = s?.wait_http === undefined ? undefined : httpCheck(s.wait_http);
  const [user, group] = proc.user === undefined ? [null, null] : splitUser(String(proc.user));
  return {
    readiness: s ? (compact({ waitPort: s.wait_port, waitHttp, waitLog: s.wait_log, waitExec: s.wait_exec, timeoutMs: ms(s.timeout) }) as Sections['readiness']) : null,
    liveness: h
      ? (compact({
          ...(h.http !== undefined ? { kind: 'http', target: httpCheck(h.http).url, expectStatus: httpCheck(h.http).expectStatus }
            : h.tcp !== undefined ? { kind: 'tcp', target: tcpTarget(h.tcp) }
            : h.plugin !== undefined ? { kind: 'plugin', target: h.plugin, options: h.options }
            : { kind: 'exec', target: h.exec }),
          intervalMs: ms(h.interval),
          timeoutMs: ms(h.timeout),
          failureThreshold: h.failure_threshold,
          successThreshold: h.success_threshold,
          initialDelayMs: ms(h.initial_delay),
          action: h.action,
          send: h.send,
        }) as unknown as Sections['liveness'])
      : null,
    limits: {
      maxMemoryBytes: proc.max_memory !== undefined ? parseSize(proc.max_memory) : null,
      maxCpu: proc.max_cpu ? (compact({ percent: proc.max_cpu.percent, forMs: ms(proc.max_cpu.for) }) as { percent: number; forMs?: number }) : null,
      memoryMaxBytes: proc.limits?.memory_max !== undefined ? parseMemoryMax(proc.limits.memory_max, 'limits.memory_max') : null,
      cpuMax: proc.limits?.cpu_max !== undefined ? parseCpuMax(proc.limits.cpu_max, 'limits.cpu_max') : null,
      pidsMax: proc.limits?.pids_max !== undefined ? parsePidsMax(proc.limits.pids_max, 'limits.pids_max') : null,
      group: null,
    },
    identity: { user, group, nice: proc.nice ?? null, ionice: proc.ionice ?? null },
    notify: {
      enabled: proc.notify !== false,
      webhooks: typeof proc.notify === 'object' ? (proc.notify.webhooks ?? []) : [],
      ...(typeof proc.notify === 'object' && proc.notify.plugins?.length ? { plugins: proc.notify.plugins } : {}),
    },
    restartCron: proc.restart_cron === undefined ? null
      : typeof proc.restart_cron === 'string' ? { cron: proc.restart_cron, tz: null }
      : { cron: proc.restart_cron.cron, tz: proc.restart_cron.tz ?? null },
  };
}

function splitUser(ref: string): [string, string | null] {
  const at = ref.indexOf(':');
  return at < 0 ? [ref, null] : [ref.slice(0, at), ref.slice(at + 1)];
}

/** "host:port" as written (a port may be ${PORT}, filled in when the check runs). */
function tcpTarget(tcp: number | string): string {
  if (typeof tcp === 'number') return `127.0.0.1:${tcp}`;
  return tcp.includes(':') ? (tcp.startsWith(':') ? `127.0.0.1${tcp}` : tcp) : `127.0.0.1:${tcp}`;
}

function resolvePort(config: SentinelConfig, proc: ProcessConfigT, source: SourceSection): number | null {
  let port = proc.port;
  if (typeof port === 'string' && port !== 'auto') {
    source.portName = port;
    port = config.ports?.[port];
  }
  if (port === 'auto') {
    source.portAuto = true;
    return null;
  }
  return typeof port === 'number' ? port : null;
}

export function toProcessSpec(config: SentinelConfig, name: string, options: NormalizeOptions): ProcessSpec {
  const proc = config.processes?.[name];
  if (!proc) throw new SentinelError('PROCESS_NOT_FOUND', `process "${name}" is not defined in the config`);
  const group = groupMembership(config)[name] ?? null;
  const sections = emptySections();
  const source = sections.source;
  const argv = proc.argv ?? (Array.isArray(proc.command) ? proc.command : undefined);
  const shellCommand = typeof proc.command === 'string' ? proc.command : undefined;
  const port = resolvePort(config, proc, source);
  const env = buildEnv(config, name, proc, group, options, source);
  source.dependsOn = expandedDependencies(config, name);
  source.autostart = proc.autostart !== false;
  const spec: ProcessSpec = {
    name,
    command: shellCommand ?? argv?.[0] ?? '',
    args: shellCommand !== undefined ? [] : (argv?.slice(1) ?? []),
    shell: shellCommand !== undefined,
    cwd: resolve(options.cwd, proc.cwd ?? '.'),
    env,
    group,
    restart: toRestartPolicy(proc.restart),
    stopSignal: (proc.stop_signal && toSignalName(proc.stop_signal)) || DEFAULTS.stopSignal,
    stopTimeoutMs: ms(proc.stop_timeout) ?? DEFAULTS.stopTimeoutMs,
    // a container's client takes about a second to create it: a missing image then still counts as an immediate crash
    startWaitMs: ms(proc.start_wait) ?? (proc.image !== undefined ? CONTAINER_START_WAIT_MS : DEFAULTS.startWaitMs),
    port,
    logMaxBytes: proc.log?.max_size !== undefined ? parseSize(proc.log.max_size) : DEFAULTS.logMaxBytes,
    logKeep: proc.log?.keep ?? DEFAULTS.logKeep,
    ...sections,
    logCompress: proc.log?.compress ?? false,
    logTimestamps: proc.log?.timestamps ?? false,
    ...buildSections(proc),
    // relative mounts start where the process runs (its cwd), as its command's paths do
    container: containerSection(proc, resolve(options.cwd, proc.cwd ?? '.')),
    nix: nixSection(proc, options.cwd),
    watch: watchSection(proc, resolve(options.cwd, proc.cwd ?? '.'), name),
    // only when set: specs without a runtime plugin stay as they were stored before there was one
    ...(proc.wrap ? { wrap: { plugin: proc.wrap.plugin, options: proc.wrap.options ?? {} } } : {}),
  };
  spec.limits.group = groupLimits(config, group);
  spec.portMode = proc.port_mode ?? null;
  spec.scale = scaleSection(proc.scale, spec.cwd);
  spec.instances = startingCount(instancesFrom(proc.instances), spec.scale);
  // a port given as "auto" or by name is filled in later: only a fixed one can be checked here
  if (spec.port !== null || (!source.portAuto && source.portName === null)) checkPortMode(spec.portMode, spec.port, spec.container !== null, `processes.${name}.port_mode`);
  return spec;
}

/** The hard limits of a process's group, which all its members share. */
function groupLimits(config: SentinelConfig, group: string | null): ProcessSpec['limits']['group'] {
  const limits = group ? config.groups?.[group]?.limits : undefined;
  if (!group || !limits) return null;
  const at = `groups.${group}.limits`;
  return {
    name: group,
    memoryMaxBytes: limits.memory_max !== undefined ? parseMemoryMax(limits.memory_max, `${at}.memory_max`) : null,
    cpuMax: limits.cpu_max !== undefined ? parseCpuMax(limits.cpu_max, `${at}.cpu_max`) : null,
    pidsMax: limits.pids_max !== undefined ? parsePidsMax(limits.pids_max, `${at}.pids_max`) : null,
  };
}

/** The container a process runs in, its host paths made absolute (from the process's cwd). */
function containerSection(proc: ProcessConfigT, cwd: string): ProcessSpec['container'] {
  if (proc.image === undefined) return null;
  const volumes = (proc.volumes ?? []).map((v) => {
    const at = v.indexOf(':');
    const source = v.slice(0, at);
    // a bare name is a named volume of the runtime; anything path-like is a host path
    const isPath = source.startsWith('/') || source.startsWith('.') || source.startsWith('~');
    const abs = source.startsWith('~') ? resolve(homedir(), source.slice(source.startsWith('~/') ? 2 : 1)) : resolve(cwd, source);
    return isPath ? `${abs}${v.slice(at)}` : v;
  });
  return {
    runtime: proc.runtime ?? 'podman',
    image: proc.image,
    ports: proc.ports ?? [],
    volumes,
    user: proc.container_user === undefined ? null : String(proc.container_user),
  };
}

/** `watch:` as absolute paths (from the process's cwd); a path that does not exist is an error now, not a silent no-op. */
export function watchSection(proc: Pick<ProcessConfigT, 'watch'>, cwd: string, name: string, key = `processes.${name}.watch`): ProcessSpec['watch'] {
  const w = proc.watch;
  if (w === undefined || w === false) return null;
  const map = typeof w === 'object' && !Array.isArray(w) ? w : {};
  const given = w === true ? [] : typeof w === 'string' || Array.isArray(w) ? w : (map.paths ?? []);
  const list = (typeof given === 'string' ? [given] : given).flatMap((p) => p.split(',')).map((p) => p.trim()).filter(Boolean);
  const paths = [...new Set((list.length > 0 ? list : ['.']).map((p) => resolve(cwd, p)))];
  for (const p of paths) {
    if (!existsSync(p)) throw new SentinelError('WATCH_PATH_NOT_FOUND', `${key}: ${p} does not exist; create it or watch another path (relative paths start from the process's cwd, ${cwd})`);
  }
  const ignore = map.ignore === undefined ? [] : typeof map.ignore === 'string' ? [map.ignore] : map.ignore;
  return { paths, ignore, delayMs: ms(map.delay) ?? DEFAULT_WATCH_DELAY_MS };
}

function nixSection(proc: ProcessConfigT, cwd: string): ProcessSpec['nix'] {
  if (proc.nix === undefined) return null;
  return { packages: proc.nix.packages ?? [], file: proc.nix.file === undefined ? null : resolve(cwd, proc.nix.file) };
}

/** Every process of a validated config as a ProcessSpec, in file order. */
export function toProcessSpecs(config: SentinelConfig, options: NormalizeOptions): ProcessSpec[] {
  return Object.keys(config.processes ?? {}).map((name) => toProcessSpec(config, name, options));
}
