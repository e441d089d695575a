// What the Kubernetes, Nomad and Compose exporters share: the input (specs and schedules from the daemon or a
// config file), images for processes that have none, the environment a container should get (this machine's
// session variables left out, `${secret:NAME}` kept as a reference, never a value), checks as
// (kind, port, path) and durations in whole seconds. Every setting an engine cannot carry becomes a warning.
import path from 'node:path';
import type { LivenessSection, ProcessSpec } from '../core/spec.js';
import { DEFAULT_RESTART_POLICY, DEFAULTS } from '../core/spec.js';

/** A schedule as both sources give it; env null when the source does not expose its values. */
export interface ExportSchedule {
  name: string;
  trigger: { cron: string; tz?: string | null } | { everyMs: number } | { at: number | string };
  /** argv, or a shell line in `shell`; both null when it starts `process` */
  argv: string[] | null;
  shell: string | null;
  process: string | null;
  cwd: string;
  env: Record<string, string> | null;
  overlap: string;
  missed: string;
  maxRuntimeMs: number | null;
  retries: number;
  jitterMs: number;
  enabled: boolean;
}

export interface EngineInput {
  specs: ProcessSpec[];
  schedules: ExportSchedule[];
  /** One image for every process without its own entry in `images`. */
  image?: string;
  images?: Record<string, string>;
  /** Variable names that came from this machine's session, not from the process's definition. */
  hostEnv: (key: string) => boolean;
}

export interface ExportFile {
  /** the process (or schedule) the file is for; null for a file that holds them all */
  process: string | null;
  file: string;
  content: string;
}

export interface EngineOutput {
  files: ExportFile[];
  warnings: string[];
}

/** Variables a login session sets about itself or this machine: meaningless inside a container. */
const SESSION_VARS = new Set([
  '_', 'OLDPWD', 'PWD', 'SHLVL', 'PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'TERM', 'HOSTNAME', 'MAIL', 'LANG', 'LANGUAGE',
  'COLORTERM', 'LS_COLORS', 'DISPLAY', 'EDITOR', 'PAGER', 'LESS', 'LESSOPEN', 'LESSCLOSE', 'TZ', 'TMPDIR', 'NODE_APP_INSTANCE',
]);
const SESSION_PREFIXES = ['SENTINEL_', 'SSH_', 'XDG_', 'DBUS_', 'TMUX', 'LC_', 'npm_', 'VSCODE_', 'TERM_', 'GPG_', 'WINDOWID'];

export function isSessionVariable(key: string): boolean {
  return SESSION_VARS.has(key) || SESSION_PREFIXES.some((p) => key.startsWith(p));
}

/** Documented base images for a process without one, chosen by its program; debian otherwise. */
export const BASE_IMAGES: ReadonlyArray<{ programs: RegExp; image: string }> = [
  { programs: /^(node|nodejs|npm|npx|yarn|pnpm)$/, image: 'node:20-slim' },
  { programs: /^(python[0-9.]*|pip[0-9.]*|gunicorn|uvicorn|celery|flask|django-admin)$/, image: 'python:3.12-slim' },
  { programs: /^(ruby|bundle|rails|rake|puma)$/, image: 'ruby:3.3-slim' },
  { programs: /^(java)$/, image: 'eclipse-temurin:21-jre' },
  { programs: /^(php|php-fpm)$/, image: 'php:8.3-cli' },
  { programs: /^(deno)$/, image: 'denoland/deno:debian' },
  { programs: /^(bun)$/, image: 'oven/bun:1-slim' },
];
export const FALLBACK_IMAGE = 'debian:12-slim';

/** The program a process starts: argv[0], or the first word of its shell line. */
export function programOf(spec: Pick<ProcessSpec, 'command' | 'shell'>): string {
  const first = spec.shell ? (spec.command.trim().split(/\s+/).find((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) ?? '') : spec.command;
  return path.basename(first.replace(/^exec\s+/, ''));
}

export function imageFor(spec: ProcessSpec, input: EngineInput, warnings: string[]): string {
  const own = input.images?.[spec.name] ?? input.image;
  if (own) return own;
  const program = programOf(spec);
  const image = BASE_IMAGES.find((b) => b.programs.test(program))?.image ?? FALLBACK_IMAGE;
  warnings.push(`${spec.name}: needs an image: none given, so the base image ${image} runs its command ("${program}" ${image === FALLBACK_IMAGE ? 'is not a known runtime' : 'picks it'}); the program and its files (${spec.cwd}) must be in the image: build one that copies them in and pass --image ${spec.name}=IMAGE`);
  return image;
}

/** argv the container runs (a shell line through /bin/sh -c, as Sentinel runs it). */
export function argvOf(spec: Pick<ProcessSpec, 'command' | 'args' | 'shell'>): string[] {
  return spec.shell ? ['/bin/sh', '-c', spec.command] : [spec.command, ...spec.args];
}

export type EnvPart = { text: string } | { secret: string };
export interface EnvEntry { name: string; parts: EnvPart[] }

/** A value cut into literal text and `${secret:NAME}` references. */
export function splitSecrets(value: string): EnvPart[] {
  const parts: EnvPart[] = [];
  let last = 0;
  for (const m of value.matchAll(/\$\{secret:([A-Za-z_][A-Za-z0-9_.-]*)\}/g)) {
    if (m.index! > last) parts.push({ text: value.slice(last, m.index) });
    parts.push({ secret: m[1] });
    last = m.index! + m[0].length;
  }
  if (last < value.length || parts.length === 0) parts.push({ text: value.slice(last) });
  return parts;
}

/** The variables a container gets: the definition's own, PORT, no session variables (listed once in a warning). */
export function envOf(spec: ProcessSpec, input: EngineInput, warnings: string[]): EnvEntry[] {
  const dropped: string[] = [];
  const out: EnvEntry[] = [];
  for (const [name, value] of Object.entries(spec.env).sort(([a], [b]) => a.localeCompare(b))) {
    if (name.startsWith('SENTINEL_')) continue;
    if (isSessionVariable(name) || input.hostEnv(name)) {
      dropped.push(name);
      continue;
    }
    out.push({ name, parts: splitSecrets(value) });
  }
  if (spec.port !== null && !('PORT' in spec.env)) out.push({ name: 'PORT', parts: [{ text: String(spec.port) }] });
  if (dropped.length > 0) warnings.push(`${spec.name}: variables of this machine's session not carried (the image sets its own): ${dropped.join(', ')}`);
  return out;
}

export function secretsOf(env: EnvEntry[]): string[] {
  return [...new Set(env.flatMap((e) => e.parts.flatMap((p) => ('secret' in p ? [p.secret] : []))))].sort();
}

/** Whole seconds, at least `min`. */
export function secs(ms: number | undefined, min = 1): number | undefined {
  return ms === undefined ? undefined : Math.max(min, Math.round(ms / 1000));
}

/** Duration text compose and Sentinel both read: "1500ms", "30s", "2m". */
export function durationText(ms: number): string {
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** A check as the engines see it. */
export type Check =
  | { kind: 'http'; port: number | null; path: string; host: string | null; scheme: 'HTTP' | 'HTTPS'; url: string }
  | { kind: 'tcp'; port: number | null; host: string | null }
  | { kind: 'exec'; command: string };

function portIn(text: string, spec: ProcessSpec): string {
  return spec.port === null ? text : text.replace(/\$\{PORT\}|\$PORT\b/g, String(spec.port));
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]', '0.0.0.0']);

export function httpCheck(url: string, spec: ProcessSpec): Check | null {
  try {
    const u = new URL(portIn(url, spec));
    const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
    return { kind: 'http', port, path: `${u.pathname}${u.search}` || '/', host: LOCAL_HOSTS.has(u.hostname) ? null : u.hostname, scheme: u.protocol === 'https:' ? 'HTTPS' : 'HTTP', url: u.toString() };
  } catch {
    return null;
  }
}

export function tcpCheck(target: string | number | true, spec: ProcessSpec): Check {
  if (target === true) return { kind: 'tcp', port: spec.port, host: null };
  const text = portIn(String(target), spec);
  const at = text.lastIndexOf(':');
  const host = at < 0 ? null : text.slice(0, at);
  const port = Number(at < 0 ? text : text.slice(at + 1));
  return { kind: 'tcp', port: Number.isInteger(port) && port > 0 ? port : null, host: host && !LOCAL_HOSTS.has(host) ? host : null };
}

export function livenessCheck(l: LivenessSection, spec: ProcessSpec): Check | null {
  if (l.kind === 'http') return httpCheck(l.target, spec);
  if (l.kind === 'tcp') return tcpCheck(l.target, spec);
  if (l.kind === 'plugin') return null; // named in commonWarnings
  return { kind: 'exec', command: l.target };
}

/** The readiness condition an engine can check (one); the others are named in a warning. */
export function readinessCheck(spec: ProcessSpec, warnings: string[], engine: string): Check | null {
  const r = spec.readiness;
  if (!r) return null;
  const found: Array<[string, Check | null]> = [];
  if (r.waitHttp) found.push(['startup.wait_http', httpCheck(r.waitHttp.url, spec)]);
  if (r.waitPort !== undefined) found.push(['startup.wait_port', tcpCheck(r.waitPort, spec)]);
  if (r.waitExec) found.push(['startup.wait_exec', { kind: 'exec', command: r.waitExec }]);
  if (r.waitLog) warnings.push(`${spec.name}: startup.wait_log not carried: ${engine} cannot wait for a log line; use wait_http, wait_port or wait_exec`);
  if (r.waitHttp?.expectStatus !== undefined) warnings.push(`${spec.name}: startup.wait_http.expect_status not carried: ${engine} counts any 2xx/3xx as ready`);
  const usable = found.filter(([, c]) => c !== null);
  if (usable.length > 1) warnings.push(`${spec.name}: ${usable.slice(1).map(([k]) => k).join(', ')} not carried: ${engine} runs one readiness check; ${usable[0][0]} is used`);
  return usable[0]?.[1] ?? null;
}

/** Settings every engine leaves to its own runtime, each named. */
export function commonWarnings(spec: ProcessSpec, engine: string, warnings: string[]): void {
  const w = (key: string, why: string) => warnings.push(`${spec.name}: ${key} not carried: ${why}`);
  const r = spec.restart;
  const d = DEFAULT_RESTART_POLICY;
  if (r.exitCodes.length) w('restart.exit_codes', `${engine} restarts on any failing exit`);
  if (r.noRestartExitCodes.length) w('restart.no_restart_exit_codes', `${engine} has no exit codes that end restarts`);
  if (r.backoff !== d.backoff || r.backoffMaxMs !== d.backoffMaxMs || r.jitter !== d.jitter) w('restart.backoff, backoff_max, jitter', `${engine} uses its own restart back-off`);
  if (spec.identity.nice !== null) w('nice', `${engine} has no CPU niceness per container`);
  if (spec.identity.ionice) w('ionice', `${engine} has no I/O priority per container`);
  if (spec.restartCron) w('restart_cron', `${engine} does not restart on a schedule (a scheduled job running a restart command can)`);
  if (spec.watch) w('watch', `${engine} does not restart on file changes (rebuild and roll out the image instead)`);
  if (spec.logMaxBytes !== DEFAULTS.logMaxBytes || spec.logKeep !== DEFAULTS.logKeep || spec.logCompress) w('log.max_size, keep, compress', 'the container runtime keeps and rotates the logs');
  if (spec.wrap) w('wrap', `${engine} starts the command itself and cannot ask a Sentinel runtime plugin (${spec.wrap.plugin}); put what it adds into the command or the image`);
  if (spec.liveness?.kind === 'plugin') w('health.plugin', `${engine} cannot call a Sentinel plugin (${spec.liveness.target}); write the check as health.http, tcp or exec`);
  if (!spec.notify.enabled || spec.notify.webhooks.length || spec.notify.plugins?.length) w('notify', `${engine} sends no Sentinel notifications`);
  if (spec.startWaitMs !== DEFAULTS.startWaitMs) w('start_wait', `${engine} has no crash-at-start window`);
  if (spec.source.envFiles.length) warnings.push(`${spec.name}: env_file values were read into the environment (${spec.source.envFiles.map((f) => path.basename(f)).join(', ')}); keep them out of version control if they hold secrets`);
}

/** A cron line for an interval cron can express exactly (a divisor of an hour or a day), or null. */
export function everyToCron(everyMs: number): string | null {
  const min = everyMs / 60_000;
  if (Number.isInteger(min) && min >= 1 && min < 60 && 60 % min === 0) return min === 1 ? '* * * * *' : `*/${min} * * * *`;
  const hours = everyMs / 3_600_000;
  if (Number.isInteger(hours) && hours >= 1 && hours <= 24 && 24 % hours === 0) return hours === 24 ? '0 0 * * *' : hours === 1 ? '0 * * * *' : `0 */${hours} * * *`;
  return null;
}

/** A schedule's cron and time zone, or null with a warning naming why. */
export function cronOf(s: ExportSchedule, engine: string, warnings: string[]): { cron: string; tz: string | null } | null {
  if ('cron' in s.trigger) {
    // a 6-field (seconds) cron has no form in engines that read 5 fields
    if (s.trigger.cron.trim().split(/\s+/).length > 5) {
      warnings.push(`schedules.${s.name}: cron "${s.trigger.cron}" has a seconds field ${engine} does not read; not exported`);
      return null;
    }
    return { cron: s.trigger.cron, tz: s.trigger.tz ?? null };
  }
  if ('everyMs' in s.trigger) {
    const cron = everyToCron(s.trigger.everyMs);
    if (cron) return { cron, tz: null };
    warnings.push(`schedules.${s.name}: every ${durationText(s.trigger.everyMs)} has no exact cron form (use a divisor of an hour or a day); not exported`);
    return null;
  }
  warnings.push(`schedules.${s.name}: at (a one-time run) has no ${engine} periodic form; not exported — run it once by hand`);
  return null;
}

/** Policies of a schedule no engine carries. */
export function scheduleWarnings(s: ExportSchedule, engine: string, warnings: string[]): void {
  if (s.jitterMs > 0) warnings.push(`schedules.${s.name}: jitter not carried: ${engine} starts runs on time`);
  if (s.missed === 'run-all') warnings.push(`schedules.${s.name}: missed: run-all not carried: ${engine} makes at most one late run`);
  if (s.overlap === 'queue') warnings.push(`schedules.${s.name}: overlap: queue not carried: ${engine} skips an overlapping run instead of queueing it`);
  if (s.env === null) warnings.push(`schedules.${s.name}: environment not carried: the daemon does not hand out a schedule's variables; export with -f FILE to include them`);
}

/** The command a schedule runs: its own, or the process it starts. */
export function scheduleArgv(s: ExportSchedule, specs: ProcessSpec[]): { argv: string[]; spec: ProcessSpec | null } | null {
  if (s.process !== null) {
    const spec = specs.find((p) => p.name === s.process);
    return spec ? { argv: argvOf(spec), spec } : null;
  }
  if (s.shell !== null) return { argv: ['/bin/sh', '-c', s.shell], spec: null };
  return s.argv ? { argv: s.argv, spec: null } : null;
}

/** What imageFor needs of a schedule that runs its own command. */
export function scheduleAsSpec(s: ExportSchedule, argv: string[]): ProcessSpec {
  return { name: s.name, command: s.shell ?? argv[0], args: s.shell !== null ? [] : argv.slice(1), shell: s.shell !== null, cwd: s.cwd } as ProcessSpec;
}
