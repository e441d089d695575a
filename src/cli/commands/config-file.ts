// Which config file a command means: -f FILE (any supported format, resolved against the current
// directory) or the first sentinel.yaml/.yml/.toml/.json found in the current directory.
import { captureEnv } from '../../client/client.js';
import { existsSync } from 'node:fs';
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
export function stackParams(opts: { file?: string; environment?: string; format?: StackFormat }, mustExist = true): { file: string; environment?: string; env: Record<string, string>; format?: StackFormat } {
  // JSON leaves out the variables that are unset
  return { file: resolveConfigFile(opts.file, process.cwd(), mustExist), environment: opts.environment, env: captureEnv(), format: opts.format };
}
