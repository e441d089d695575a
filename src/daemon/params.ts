// Reading operation parameters sent by any client: each wrong type is a clear INVALID_ARGUMENT.
import { SentinelError } from '../core/errors.js';
import { parseDuration } from '../core/duration.js';

export type Params = Record<string, unknown>;

function bad(key: string, expected: string, got: unknown): SentinelError {
  return new SentinelError('INVALID_ARGUMENT', `parameter "${key}": expected ${expected}, got ${JSON.stringify(got)}`);
}

export function optString(p: Params, key: string): string | undefined {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw bad(key, 'a string', v);
  return v;
}

export function reqString(p: Params, key: string): string {
  const v = optString(p, key);
  if (v === undefined || v === '') throw new SentinelError('INVALID_ARGUMENT', `parameter "${key}" is required`);
  return v;
}

export function optBool(p: Params, key: string): boolean | undefined {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw bad(key, 'true or false', v);
  return v;
}

export function optNumber(p: Params, key: string): number | undefined {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(key, 'a number', v);
  return v;
}

export function optStringArray(p: Params, key: string): string[] | undefined {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw bad(key, 'a list of strings', v);
  return v as string[];
}

export function optStringMap(p: Params, key: string): Record<string, string> | undefined {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v) || Object.values(v as object).some((x) => typeof x !== 'string')) {
    throw bad(key, 'an object of string values', v);
  }
  return v as Record<string, string>;
}

/** Parses ["K=V", ...] as given to --env. */
export function parseEnvPairs(pairs: string[], what = '--env'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq > 0 ? pair.slice(0, eq) : '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw new SentinelError('INVALID_ARGUMENT', `${what} ${JSON.stringify(pair)}: expected KEY=VALUE with KEY made of letters, digits and "_" (e.g. NODE_ENV=production)`);
    }
    out[key] = pair.slice(eq + 1);
  }
  return out;
}

/** A duration in milliseconds, by the one rule: "500ms", "5s", "2m", or a bare number of seconds (as in the config file). */
export function optDuration(p: Params, key: string, flag: string): number | undefined {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  return parseDuration(typeof v === 'string' || typeof v === 'number' ? v : JSON.stringify(v), flag);
}
