// The loading pipeline, one visible step per line: read (+ includes) → environment overlay →
// interpolate → extends/templates → validate → cross-references. Normalizing to ProcessSpecs is
// a separate call (toProcessSpecs) because it needs the client's environment.
import type { ConfigFormat } from './read.js';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import type { ProcessSpec } from '../core/spec.js';
import { checkReferences } from './checks.js';
import type { SourceMap } from './source-map.js';
import { applyExtends } from './extends.js';
import { readWithIncludes } from './include.js';
import { interpolateConfig } from './interpolate-config.js';
import type { SecretLookup } from './interpolate.js';
import { dedupeIssues, formatIssue, toConfigError, type ConfigIssue } from './issues.js';
import { toProcessSpecs } from './normalize.js';
import { applyEnvironment } from './overlay.js';
import type { SentinelConfig } from './schema.js';
import type { Path } from './source-map.js';
import { validateConfig } from './validate.js';

export interface LoadOptions {
  /** The main file's format, overriding detection (included files are always detected). */
  format?: ConfigFormat;
  /** `environments.<name>` overlay to apply. */
  environment?: string;
  /** Variables for `${VAR}`; default process.env. The project `.env` fills what this lacks. */
  env?: Record<string, string | undefined>;
  /** Read `.env` next to the main file (default true). */
  dotenv?: boolean;
  /** Checks `${secret:NAME}` references; without it they are not checked. */
  resolveSecret?: SecretLookup;
}

export interface LoadResult {
  /** The validated config (markers `${secret:NAME}` kept); null when there are errors. */
  config: SentinelConfig | null;
  errors: ConfigIssue[];
  /** `errors` formatted: `path: message (file:line:col)`. */
  messages: string[];
  warnings: string[];
  /** Every file read, main file first. */
  files: string[];
  /** Directory of the main file: relative cwd and env_file paths start here. */
  baseDir: string;
  /** Names of the secrets the config references. */
  secrets: string[];
}

function readProjectEnv(baseDir: string, enabled: boolean): Record<string, string> {
  const file = join(baseDir, '.env');
  if (!enabled || !existsSync(file)) return {};
  return parseDotenv(readFileSync(file));
}

/** Later steps repeat problems of values an earlier step already reported: keep the first. */
function dropNoise(known: ConfigIssue[], later: ConfigIssue[], failed: Path[] = []): ConfigIssue[] {
  const prefixes = [...known.map((i) => i.path), ...failed].filter((p) => p.length > 0).map((p) => p.map(String));
  return later.filter((issue) => !prefixes.some((prefix) => prefix.every((part, i) => String(issue.path[i]) === part)));
}

/** Unselected overlays are not interpolated: a `${VAR}` there is not yet a value to judge. */
function isUninterpolated(issue: ConfigIssue, data: Record<string, unknown>): boolean {
  if (issue.path[0] !== 'environments') return false;
  let value: unknown = data;
  for (const part of issue.path) value = (value as Record<string, unknown> | undefined)?.[String(part)];
  return typeof value === 'string' && value.includes('${');
}

function fileOrder(files: string[], display: string | undefined): number {
  const index = files.findIndex((f) => display !== undefined && (f === display || f.endsWith(`/${display}`)));
  return index < 0 ? files.length : index;
}

function compareTuples(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

function referencesOf(config: unknown, map: SourceMap): ConfigIssue[] {
  try {
    return checkReferences(config as SentinelConfig, map);
  } catch {
    return [];
  }
}

export function loadConfig(path: string, options: LoadOptions = {}): LoadResult {
  const absPath = resolve(path);
  const baseDir = dirname(absPath);
  const env = { ...readProjectEnv(baseDir, options.dotenv ?? true), ...(options.env ?? process.env) };
  const done = (errors: ConfigIssue[], extra: Partial<LoadResult>): LoadResult => {
    const order = (i: ConfigIssue): number[] => [i.loc ? 1 : 0, fileOrder(extra.files ?? [], i.loc?.file), i.loc?.line ?? 0, i.loc?.col ?? 0];
    const unique = dedupeIssues(errors).sort((a, b) => compareTuples(order(a), order(b)));
    return { config: null, warnings: [], files: [], secrets: [], baseDir, ...extra, errors: unique, messages: unique.map(formatIssue) };
  };

  const read = readWithIncludes(absPath, options.format);
  const { data, map, files } = read;
  const common = { files, warnings: read.warnings };
  if (read.issues.some((i) => i.path.length === 0)) return done(read.issues, common);

  const errors = [...read.issues, ...applyEnvironment(data, map, options.environment, basename(absPath))];
  const interpolated = interpolateConfig(data, map, { env, resolveSecret: options.resolveSecret });
  errors.push(...interpolated.issues);
  const extended = applyExtends(data, map);
  errors.push(...extended.issues);
  const validated = validateConfig(data, map);
  errors.push(...dropNoise(errors, validated.issues.filter((i) => !isUninterpolated(i, data)), extended.failed));
  // references are checked on a file with other errors too (best effort on its shape), so an unknown
  // depends_on is reported with them, not only after they are fixed
  errors.push(...dropNoise(errors, referencesOf(validated.value ?? data, map)));

  const result = done(errors, { ...common, warnings: [...read.warnings, ...interpolated.warnings], secrets: interpolated.secrets });
  return errors.length === 0 ? { ...result, config: validated.value ?? null } : result;
}

/** loadConfig, throwing one INVALID_CONFIG error that lists every problem. */
export function loadConfigOrThrow(path: string, options: LoadOptions = {}): LoadResult & { config: SentinelConfig } {
  const result = loadConfig(path, options);
  if (!result.config) throw toConfigError(basename(path), result.errors);
  return result as LoadResult & { config: SentinelConfig };
}

/** The whole way from a file to the specs the daemon runs (what `up` and `reload` need). */
export function loadProcessSpecs(
  path: string,
  options: LoadOptions & { baseEnv: Record<string, string | undefined>; resolveSecretsInEnv?: boolean },
): { specs: ProcessSpec[]; result: LoadResult & { config: SentinelConfig } } {
  const result = loadConfigOrThrow(path, options);
  const specs = toProcessSpecs(result.config, {
    cwd: result.baseDir,
    baseEnv: options.baseEnv,
    resolveSecret: options.resolveSecretsInEnv ? options.resolveSecret : undefined,
  });
  return { specs, result };
}
