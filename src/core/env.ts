// The environment a child gets: the client's (captured at run, PATH included), .env files, group env, flags.
import { readFileSync } from 'node:fs';
import { parse } from 'dotenv';
import { SentinelError } from './errors.js';

export interface EnvSources {
  clientEnv: Record<string, string>;
  /** Keep only these client variables (sanitized environment); null keeps all. */
  keepOnly: string[] | null;
  globalEnvFile: string | null;
  projectEnvFile: string | null;
  groupEnv: Record<string, string>;
  envFiles: string[];
  envFlags: Record<string, string>;
}

export function readEnvFile(file: string, required: boolean): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    if (!required) return {};
    throw new SentinelError('ENV_FILE_NOT_FOUND', `env file ${file} cannot be read; check the path given to --env-file`);
  }
  return parse(text);
}

/** Precedence, lowest first: global .env, project .env, client env, group env, --env-file, --env. */
export function buildEnv(src: EnvSources): Record<string, string> {
  const client = src.keepOnly
    ? Object.fromEntries(Object.entries(src.clientEnv).filter(([k]) => src.keepOnly!.includes(k)))
    : src.clientEnv;
  const files = Object.assign({}, ...src.envFiles.map((f) => readEnvFile(f, true)));
  return {
    ...(src.keepOnly ? {} : src.globalEnvFile ? readEnvFile(src.globalEnvFile, false) : {}),
    ...(src.keepOnly ? {} : src.projectEnvFile ? readEnvFile(src.projectEnvFile, false) : {}),
    ...client,
    ...src.groupEnv,
    ...files,
    ...src.envFlags,
  };
}
