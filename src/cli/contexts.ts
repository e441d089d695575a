// Named contexts: the hosts this CLI user manages (`sentinel context add prod --ssh deploy@10.0.0.5`). They belong
// to the client, not to any daemon: a small YAML file in the user's config directory (SENTINEL_CONFIG_DIR, else
// $XDG_CONFIG_HOME/sentinel, else ~/.config/sentinel). Read only when it exists, so a plain local run pays nothing.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SentinelError } from '../core/errors.js';
import { createRequire } from 'node:module';

export interface Context {
  /** user@host[:port] or a Host of ~/.ssh/config. */
  ssh: string;
  remote_home?: string;
  remote_command?: string;
}

export interface ContextFile {
  current?: string;
  contexts: Record<string, Context>;
}

/** The name that means "this machine's own daemon". */
export const LOCAL = 'local';

/**
 * The yaml library, loaded from node_modules (a specifier the bundler cannot follow keeps it out of the CLI
 * bundle); required, not imported: the CLI runs as CommonJS from V8's code cache (bin/sentinel.js), where
 * import() has no module loader.
 */
function loadYaml(): Promise<typeof import('yaml')> {
  const moduleName = 'yaml';
  return Promise.resolve(createRequire(import.meta.url)(moduleName) as typeof import('yaml'));
}

export function contextsFile(): string {
  const dir = process.env.SENTINEL_CONFIG_DIR || path.join(process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'sentinel');
  return path.join(dir, 'contexts.yaml');
}

export async function readContexts(file = contextsFile()): Promise<ContextFile> {
  if (!existsSync(file)) return { contexts: {} };
  const { parse } = await loadYaml();
  let data: unknown;
  try {
    data = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SentinelError('INVALID_CONFIG', `${file} is not valid YAML (${(err as Error).message.split('\n')[0]}); fix it or remove it and add the contexts again`);
  }
  const obj = (data ?? {}) as { current?: unknown; contexts?: unknown };
  const contexts: Record<string, Context> = {};
  if (obj.contexts && typeof obj.contexts === 'object') {
    for (const [name, c] of Object.entries(obj.contexts as Record<string, unknown>)) {
      const ssh = (c as { ssh?: unknown })?.ssh;
      if (typeof ssh !== 'string') throw new SentinelError('INVALID_CONFIG', `${file}: context "${name}" has no ssh: user@host; fix it or run "sentinel context rm ${name}"`);
      contexts[name] = c as Context;
    }
  }
  return { current: typeof obj.current === 'string' ? obj.current : undefined, contexts };
}

export async function writeContexts(data: ContextFile, file = contextsFile()): Promise<void> {
  const { stringify } = await loadYaml();
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, stringify(data.current ? data : { contexts: data.contexts }), { mode: 0o600 });
  renameSync(tmp, file);
}

export function checkContextName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name)) {
    throw new SentinelError('INVALID_NAME', `context name ${JSON.stringify(name)} is not valid; use letters, digits, ".", "_" and "-" (up to 63), starting with a letter or digit`);
  }
  if (name === LOCAL) throw new SentinelError('INVALID_NAME', `"${LOCAL}" is reserved for this machine's own daemon; choose another name`);
}
