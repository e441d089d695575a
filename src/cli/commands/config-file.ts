// Which config file a command means: -f FILE (any supported format, resolved against the current
// directory) or the first sentinel.yaml/.yml/.toml/.json found in the current directory.
import { existsSync, readFileSync } from 'node:fs';
import { clientEnv, remoteTunnel } from '../common.js';
import path from 'node:path';
import { SentinelError } from '../../core/errors.js';

export const DEFAULT_FILES = ['sentinel.yaml', 'sentinel.yml', 'sentinel.toml', 'sentinel.json'];

export function resolveConfigFile(file: string | undefined, cwd = process.cwd(), mustExist = true): string {
  if (file !== undefined) {
    const abs = path.resolve(cwd, file);
    if (mustExist && !existsSync(abs)) {
      throw new SentinelError('CONFIG_NOT_FOUND', `config file ${file} does not exist; check the path given to -f`);
    }
    return abs;
  }
  for (const name of DEFAULT_FILES) {
    const abs = path.join(cwd, name);
    if (existsSync(abs)) return abs;
  }
  throw new SentinelError(
    'CONFIG_NOT_FOUND',
    `no sentinel.yaml (or .yml, .toml, .json) in ${cwd}; create one with "sentinel init" or name a file with -f (a Procfile, PM2 ecosystem, compose or supervisord file works too)`,
  );
}

export const STACK_FORMATS = ['sentinel', 'procfile', 'pm2', 'compose', 'process-compose', 'supervisord'] as const;
export type StackFormat = (typeof STACK_FORMATS)[number];
export const FORMAT_HELP = `the file's format when its content does not tell: ${STACK_FORMATS.join(', ')}`;

/** The parameters every file-based operation takes: the file, the overlay, and the client's environment. */
export function stackParams(
  opts: { file?: string; environment?: string; format?: StackFormat },
  mustExist = true,
): { file: string; environment?: string; env: Record<string, string>; format?: StackFormat; content?: string; client_file?: boolean } {
  const file = resolveConfigFile(opts.file, process.cwd(), mustExist);
  // a daemon on another host cannot read this machine's files: send the content (down of a file that is gone: its path)
  const remote = remoteTunnel() ? (existsSync(file) ? { content: readConfigContent(file), client_file: true } : { client_file: true }) : {};
  // JSON leaves out the variables that are unset
  return { file, environment: opts.environment, env: clientEnv(), format: opts.format, ...remote };
}

function readConfigContent(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new SentinelError('CONFIG_NOT_FOUND', `config file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check the path given to -f`);
  }
}
