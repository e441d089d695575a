// A config file as the daemon sees it: the specs it wants (tagged with the file, ports resolved), the
// processes it already owns, and the groups and ports it created (so `down` can release them).
import { pluginRefProblems } from '../../plugins/check-refs.js';
import { hasIdentity, resolveIdentity } from '../../isolation/identity.js';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { readEnvFile } from '../../core/env.js';
import { scheduleParams } from './config-extras.js';
import { SentinelError, type ErrorCode } from '../../core/errors.js';
import type { ProcessSpec } from '../../core/spec.js';
import type { ProcessRecord } from '../../store/processes.js';
import { ConfigOwnedRepo, type OwnedKind } from '../../store/config-owned.js';
import type { DependencyGraph } from '../../config/graph.js';
import type { SentinelConfig } from '../../config/schema.js';
import type { Daemon } from '../context.js';
import type { SecretStore } from '../secrets-store.js';
import { allocatePort } from './ports.js';
import type { ConfigFormat } from '../../config/read.js';

export interface StackParams {
  /** Absolute path of the config file (the client resolves it). */
  file: string;
  environment?: string;
  /** The client's environment: `${VAR}` values and what processes inherit. */
  env: Record<string, string>;
  /** The main file's format when detection must be overridden. */
  format?: ConfigFormat;
}

export interface Stack {
  file: string;
  config: SentinelConfig;
  /** Every process of the file, in file order, tagged with source.configFile. */
  specs: ProcessSpec[];
  graph: DependencyGraph;
  warnings: string[];
  files: string[];
}

/** Shell bookkeeping that differs between two terminals; inheriting it would make every reload a change. */
const VOLATILE = new Set(['_', 'OLDPWD', 'PWD', 'SHLVL', 'SENTINEL_SECRET_KEY']);

/** The stack parameters every config operation takes (checked at the door: `file` is absolute). */
export function readStackParams(
  p: { file: string; environment?: string; env?: Record<string, string>; format?: ConfigFormat; content?: string; client_file?: boolean },
  home: string,
): StackParams {
  const file = p.content !== undefined || p.client_file ? storeClientFile(home, p.file, p.content) : p.file;
  return { file, environment: p.environment, env: p.env ?? {}, format: p.format };
}

/**
 * A config file that lives on the client's machine (a CLI managing this daemon over SSH sends its content): kept
 * under SENTINEL_HOME/stacks/<hash of the client's path>/<its name>, so the same file always maps to the same
 * stack (up, reload and down agree) and relative paths in it resolve in that directory on this host.
 */
export function storeClientFile(home: string, clientPath: string, content: string | undefined): string {
  const dir = path.join(home, 'stacks', createHash('sha256').update(clientPath).digest('hex').slice(0, 16));
  const stored = path.join(dir, path.basename(clientPath));
  if (content !== undefined) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(`${stored}.tmp`, content, { mode: 0o600 });
    renameSync(`${stored}.tmp`, stored);
  }
  return stored;
}

export function baseEnvOf(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !VOLATILE.has(k)));
}

/** Reads, checks and normalizes the file; throws INVALID_CONFIG listing every problem, changing nothing. */
/**
 * What a file's processes inherit: the global and the project .env (the file's directory) under the
 * client's environment — the same layers `run` gives a process started in that directory.
 */
function inheritedEnv(sp: StackParams, globalEnvFile: string | undefined): Record<string, string> {
  const files = { ...(globalEnvFile ? readEnvFile(globalEnvFile, false) : {}), ...readEnvFile(path.join(path.dirname(sp.file), '.env'), false) };
  return { ...files, ...baseEnvOf(sp.env) };
}

export async function loadStack(store: SecretStore, sp: StackParams, globalEnvFile?: string): Promise<Stack> {
  const { loadProcessSpecs } = await import('../../config/load.js');
  const { graphFromSpecs } = await import('../../config/graph.js');
  const { specs, result } = loadProcessSpecs(sp.file, {
    format: sp.format,
    environment: sp.environment,
    env: sp.env,
    baseEnv: inheritedEnv(sp, globalEnvFile),
    // existence only: values are read when a process is spawned, never while loading
    resolveSecret: (name) => (store.info(name) ? '' : undefined),
    resolveSecretsInEnv: false,
  });
  for (const spec of specs) {
    spec.source.configFile = sp.file;
    if (spec.source.secrets.length > 0) spec.source.secretVersions = store.versions(spec.source.secrets);
  }
  return { file: sp.file, config: result.config, specs, graph: graphFromSpecs(specs), warnings: result.warnings, files: result.files };
}

export function ownedBy(d: Daemon, file: string): ProcessRecord[] {
  // one record per definition (its instance 0): callers act on whole definitions
  return d.supervisor.list().filter((r) => r.spec.source.configFile === file && r.instance === 0);
}

/** Names the user asked for plus everything they depend on; unknown names are an error. */
export function selectNames(stack: Stack, names: string[] | undefined): string[] {
  const all = stack.specs.map((s) => s.name);
  if (!names || names.length === 0) return all;
  for (const name of names) {
    if (!all.includes(name)) {
      const known = all.length > 0 ? `; the file defines: ${all.join(', ')}` : '';
      throw new SentinelError('PROCESS_NOT_FOUND', `process "${name}" is not defined in ${path.basename(stack.file)}${known}`);
    }
  }
  return stack.graph.startOrder(names).flat();
}

/** A process of the same name that this file did not create is never taken over. */
export function checkConflicts(d: Daemon, file: string, specs: ProcessSpec[]): void {
  for (const spec of specs) {
    const rec = d.supervisor.find(spec.name);
    if (!rec || rec.spec.source.configFile === file) continue;
    const origin = rec.spec.source.configFile !== null ? `was started from ${rec.spec.source.configFile}` : 'was started with "sentinel run"';
    throw new SentinelError(
      'NAME_TAKEN',
      `process "${spec.name}" already exists and ${origin}; delete it ("sentinel delete ${spec.name}") or rename it in ${path.basename(file)}; nothing was changed`,
    );
  }
}

export interface StackProblem { code: string; message: string }

/**
 * What only shows against this machine, all of it at once: every process's cwd, program and user, and
 * every schedule checked by the schedule operation itself without storing it (cron, time zone, cwd,
 * program). `config validate`, `up` and `reload` run the same checks.
 */
export async function stackProblems(d: Daemon, stack: Stack, specs: ProcessSpec[], withSchedules: boolean, env: Record<string, string>): Promise<StackProblem[]> {
  const problems: StackProblem[] = [];
  const note = (where: string, err: unknown) => problems.push({ code: (err as SentinelError).code ?? 'INVALID_CONFIG', message: `${where}: ${(err as Error).message}` });
  for (const spec of specs) {
    try {
      // through the daemon's host: a container or Nix process is checked for its runtime, not for a host program
      d.supervisor.host.checkSpawnable(spec);
    } catch (err) {
      note(`process "${spec.name}"`, err);
    }
    try {
      if (hasIdentity(spec.identity)) resolveIdentity(spec.identity);
    } catch (err) {
      note(`process "${spec.name}"`, err);
    }
    for (const message of pluginRefProblems(spec, d.plugins)) problems.push({ code: 'INVALID_CONFIG', message: `process "${spec.name}": ${message}` });
  }
  if (!withSchedules) return problems;
  for (const [name, s] of Object.entries(stack.config.schedules ?? {})) {
    if (s.process !== undefined) continue;
    try {
      await d.call('schedule.add', { ...scheduleParams(name, s, path.dirname(stack.file), env), dryRun: true });
    } catch (err) {
      note(`schedules.${name}`, err);
    }
  }
  return problems;
}

/** One problem keeps its own code; several are one INVALID_CONFIG listing them all. Nothing was changed. */
export function throwProblems(problems: StackProblem[]): void {
  if (problems.length === 0) return;
  if (problems.length === 1) throw new SentinelError(problems[0].code as ErrorCode, `${problems[0].message}; nothing was changed`);
  throw new SentinelError('INVALID_CONFIG', `${problems.length} problems, nothing was changed:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`);
}

function configDefinesPort(config: SentinelConfig, name: string): boolean {
  const env = config.processes?.[name]?.env;
  return !!env && Object.prototype.hasOwnProperty.call(env, 'PORT');
}

/**
 * Gives each spec its port: a fixed number is registered in the port table, `auto` reuses the port
 * the process already has or allocates one. With `allocate: false` (plans) nothing is written.
 * Ports allocated here are recorded as owned by the file; on failure they are released again.
 */
export async function assignPorts(d: Daemon, stack: Stack, names: string[], allocate: boolean): Promise<void> {
  const fresh: number[] = [];
  try {
    for (const spec of stack.specs.filter((s) => names.includes(s.name))) {
      const portName = spec.source.portName ?? undefined;
      const current = d.supervisor.find(spec.name);
      if (spec.source.portAuto) {
        const reuse = current?.spec.source.portAuto && (current.spec.source.portName ?? undefined) === portName ? current.spec.port : null;
        const named = portName ? d.ports.byName(portName)?.port ?? null : null;
        spec.port = reuse ?? named;
        if (spec.port === null && allocate) {
          spec.port = (await allocatePort(d, undefined, portName ?? spec.name)).port;
          fresh.push(spec.port);
        }
      } else if (spec.port !== null && allocate && !d.ports.get(spec.port)) {
        const ours = current && d.supervisor.isLive(current) && current.spec.port === spec.port;
        // our own running process holds the port: record it without the "is it free" check
        if (ours) d.ports.add(spec.port, portName ?? spec.name, Date.now());
        else await allocatePort(d, spec.port, portName ?? spec.name);
        fresh.push(spec.port);
      }
      if (spec.port !== null && !configDefinesPort(stack.config, spec.name)) spec.env.PORT = String(spec.port);
    }
  } catch (err) {
    for (const port of fresh) d.ports.remove(port);
    throw err;
  }
  for (const port of fresh) own(d, stack.file, 'port', String(port));
}

/** Creates the groups the selected processes belong to (with the file's group env), owned by the file. */
export function ensureGroups(d: Daemon, stack: Stack, names: string[]): void {
  const groups = new Set(stack.specs.filter((s) => names.includes(s.name) && s.group).map((s) => s.group as string));
  for (const group of groups) {
    if (d.groups.get(group)) continue;
    const env = Object.fromEntries(Object.entries(stack.config.groups?.[group]?.env ?? {}).map(([k, v]) => [k, String(v)]));
    d.groups.create(group, env, Date.now());
    own(d, stack.file, 'group', group);
  }
}

export function own(d: Daemon, file: string, kind: OwnedKind, name: string): void {
  new ConfigOwnedRepo(d.db).add(file, kind, name);
}

/** Frees the ports, deletes the (now empty) groups and the schedules a file created. */
export async function releaseOwned(d: Daemon, file: string): Promise<{ ports: number[]; groups: string[]; schedules: string[] }> {
  const owned = new ConfigOwnedRepo(d.db);
  const rows = owned.list(file);
  const out = { ports: [] as number[], groups: [] as string[], schedules: [] as string[] };
  for (const row of rows) {
    if (row.kind === 'schedule') {
      await d.call('schedule.rm', { name: row.name }).then(() => out.schedules.push(row.name), () => undefined);
    }
    if (row.kind === 'port' && d.ports.get(Number(row.name))) {
      d.ports.remove(Number(row.name));
      out.ports.push(Number(row.name));
    }
    if (row.kind === 'group' && d.groups.get(row.name) && !d.supervisor.list().some((r) => r.spec.group === row.name)) {
      d.groups.remove(row.name);
      out.groups.push(row.name);
    }
  }
  owned.removeFile(file);
  return out;
}
