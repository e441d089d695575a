// Nix environments. Evaluating one (`nix-shell`) takes seconds to minutes, so it happens once: the first
// start runs the process through `nix-shell --run`, and the shell, before it execs the command, writes
// its environment to a cache file under SENTINEL_HOME/nix named after a hash of the expression (the
// packages, or the file's path and content) and of the PATH it started from. Every later start reads
// what the shell changed from that file and spawns the command directly with it — a restart does not
// evaluate anything. Delete SENTINEL_HOME/nix to force a new evaluation (say after a channel update, or
// when a file the expression imports changed).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SentinelError } from '../core/errors.js';
import type { ProcessHost } from '../core/host.js';
import { RUN_MARKER } from '../core/kill-tree.js';
import { resolveExecutable, type Spawner } from '../core/spawn.js';
import type { NixSection, ProcessSpec } from '../core/spec.js';
import { spawnManyThrough } from '../core/spawn-many.js';

/** Variables nix-shell sets for its own session (temporary directories it deletes, the shell's own). */
const SESSION_VARS = new Set(['TMPDIR', 'TMP', 'TEMP', 'TEMPDIR', 'NIX_BUILD_TOP', '_', 'SHLVL', 'PWD', 'OLDPWD', 'IN_NIX_SHELL']);
/** Per run or per instance: never part of the cache key, never taken from the cache. */
const VOLATILE = new Set([RUN_MARKER, 'SENTINEL_INSTANCE', 'NODE_APP_INSTANCE']);

export function nixShellBinary(envPath: string | undefined = process.env.PATH): string {
  const found = resolveExecutable('nix-shell', envPath ?? '/usr/bin:/bin', '/');
  if (found) return found;
  throw new SentinelError(
    'RUNTIME_NOT_FOUND',
    'nix-shell was not found in PATH, and the process runs in a Nix environment (nix:); install Nix (Debian/Ubuntu: apt-get install nix-bin) or remove nix: from the process',
  );
}

/** The cache entry of an environment: what was evaluated, from which PATH. */
export function nixCacheKey(nix: NixSection, envPath: string | undefined): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ packages: nix.packages, file: nix.file, path: envPath ?? '' }));
  if (nix.file !== null) h.update(readFileSync(nix.file));
  return h.digest('hex').slice(0, 24);
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function parseEnv0(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of text.split('\0')) {
    const at = entry.indexOf('=');
    if (at > 0) env[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return env;
}

/** What the shell changed: the variables it added or set to another value, less its session's own. */
export function nixChanges(inside: Record<string, string>, input: Record<string, string>): Record<string, string> {
  const tmp = inside.NIX_BUILD_TOP;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(inside)) {
    if (SESSION_VARS.has(k) || VOLATILE.has(k) || input[k] === v) continue;
    if (tmp && v.includes(tmp)) continue;
    out[k] = v;
  }
  return out;
}

export class NixCache {
  private readonly dir: string;

  constructor(home: string) {
    this.dir = path.join(home, 'nix');
  }

  files(key: string): { env: string; input: string } {
    return { env: path.join(this.dir, `${key}.env`), input: path.join(this.dir, `${key}.input.json`) };
  }

  /** The changes an evaluated environment makes, or null when it was not evaluated yet. */
  read(key: string): Record<string, string> | null {
    const f = this.files(key);
    if (!existsSync(f.env) || !existsSync(f.input)) return null;
    try {
      return nixChanges(parseEnv0(readFileSync(f.env, 'latin1')), JSON.parse(readFileSync(f.input, 'utf8')) as Record<string, string>);
    } catch {
      return null;
    }
  }

  /** Records the environment the shell starts from; the shell writes the other half. */
  writeInput(key: string, env: Record<string, string>): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeFileSync(this.files(key).input, JSON.stringify(env), { mode: 0o600 });
  }
}

/** The command line the shell execs once it has saved its environment. */
function execLine(spec: ProcessSpec): string {
  return spec.shell ? `exec /bin/sh -c ${quote(spec.command)}` : `exec ${[spec.command, ...spec.args].map(quote).join(' ')}`;
}

/** A spawner decorator: a process with a nix section runs in that environment (evaluated on its first start only). */
export function nixSpawner(inner: Spawner, cache: NixCache): Spawner {
  return {
    spawn(spec, fds) {
      const nix = spec.nix;
      if (!nix) return inner.spawn(spec, fds);
      const key = nixCacheKey(nix, spec.env.PATH);
      const changes = cache.read(key);
      if (changes) return inner.spawn({ ...spec, env: { ...spec.env, ...changes } }, fds);
      const shell = nixShellBinary();
      const envBin = resolveExecutable('env', '/usr/bin:/bin', '/') ?? '/usr/bin/env';
      const input = Object.fromEntries(Object.entries(spec.env).filter(([k]) => !VOLATILE.has(k)));
      cache.writeInput(key, input);
      const f = cache.files(key);
      // written whole or not at all: a run that dies first leaves no half cache
      const save = `${quote(envBin)} -0 > ${quote(`${f.env}.tmp`)} && mv -f ${quote(`${f.env}.tmp`)} ${quote(f.env)}; ${execLine(spec)}`;
      const args = nix.file !== null ? [nix.file, '--run', save] : ['-p', ...nix.packages, '--run', save];
      return inner.spawn({ ...spec, shell: false, command: shell, args }, fds);
    },
    spawnMany(requests) {
      return spawnManyThrough(inner, requests, (r) => (r.spec.nix ? null : r), (r) => this.spawn(r.spec, r.fds));
    },
  };
}

/** A host decorator: a Nix process is checked for nix-shell and its file, not for a program only the environment has. */
export function nixHost(inner: ProcessHost): ProcessHost {
  return {
    ...inner,
    checkSpawnable(spec) {
      if (!spec.nix) return inner.checkSpawnable(spec);
      const shell = nixShellBinary();
      if (spec.nix.file !== null && !existsSync(spec.nix.file)) {
        throw new SentinelError('INVALID_ARGUMENT', `nix.file ${spec.nix.file} does not exist; create it or fix the path (relative paths start from the config file's directory)`);
      }
      inner.checkSpawnable({ ...spec, shell: false, command: shell, args: [] });
    },
  };
}
