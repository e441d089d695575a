// Parameter types shared by the contracts. Units follow one rule everywhere (the config file's): a
// duration is "500ms", "5s", "2m", "1h" or a bare number of SECONDS; a size is "512K", "10M", "1G" or a
// bare number of bytes. Handlers receive milliseconds and bytes.
import * as z from 'zod';
import { parseDuration, parseSize } from '../core/duration.js';
import { describeValue, Duration, Size } from '../config/schema-primitives.js';

export { describeValue, Duration, Size };

/** A duration parameter, handed to the operation in milliseconds. */
export const DurationMs = Duration.transform((v) => parseDuration(v));

/** A size parameter, handed to the operation in bytes. */
export const SizeBytes = Size.transform((v) => parseSize(v));

/** A whole number; the CLI sends what was typed ("5"), so digit strings count too. */
export function count(min = 0, max = Number.MAX_SAFE_INTEGER, example = Math.max(min, 1)) {
  const expected = `expected a whole number from ${min} to ${max}, e.g. ${example}`;
  const error = (iss: { input?: unknown }) => `${expected}, got ${describeValue(iss.input)}`;
  return z
    .union([z.number({ error }), z.string({ error }).regex(/^\s*-?\d+\s*$/, { error })], { error })
    .transform((v) => Number(v))
    .check(
      z.refine((n) => Number.isInteger(n) && n >= min && n <= max, { error: (iss) => `${expected}, got ${describeValue(iss.input)}` }),
    )
    .meta({ description: `A whole number from ${min} to ${max}` });
}

/** A process, by name or id as `sentinel list` shows them. */
export const Ref = z.string().min(1).meta({ description: 'A process name or id' });

/** Absolute path of a config file (the CLI resolves relative ones). */
export const FilePath = z.string().check(
  z.refine((v) => v.startsWith('/'), { error: (iss) => `expected an absolute path, got ${describeValue(iss.input)}` }),
);

export const StringMap = z.record(z.string(), z.string());

/** A variable name a process can receive: letters, digits and "_", not starting with a digit. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Linux refuses one environment string ("KEY=VALUE") of 128 KiB or more with E2BIG. */
const MAX_ENV_STRING = 128 * 1024 - 1;

/** Linux's usual limit on a new process's arguments and environment together (ARG_MAX): past it, spawn fails with E2BIG. */
export const MAX_EXEC_BYTES = 2 * 1024 * 1024;

/** The bytes strings take in a new process's argument or environment block. */
export function envBytes(strings: readonly string[]): number {
  return strings.reduce((n, s) => n + Buffer.byteLength(s) + 1 + 8, 0);
}

/** Sentinel's own variables (the secret key, SENTINEL_HOME...) are never stored nor inherited; the daemon sets SENTINEL_INSTANCE itself. */
export function isSentinelVariable(name: string): boolean {
  return name.startsWith('SENTINEL_');
}

/** A client's environment: valid names, values a process can receive; Sentinel's own variables are dropped. */
export const EnvMap = z
  .record(z.string(), z.string())
  .superRefine((env, ctx) => {
    for (const [k, v] of Object.entries(env)) {
      if (!ENV_NAME.test(k)) {
        ctx.addIssue({ code: 'custom', path: [k], input: k, message: 'expected a variable name made of letters, digits and "_", not starting with a digit (e.g. NODE_ENV)' });
      } else if (Buffer.byteLength(k) + 1 + Buffer.byteLength(v) > MAX_ENV_STRING) {
        ctx.addIssue({ code: 'custom', path: [k], input: `${v.length} characters`, message: `the variable is ${Buffer.byteLength(v)} bytes long; the system refuses one of 128 KiB or more` });
      }
    }
    const total = envBytes(Object.entries(env).map(([k, v]) => `${k}=${v}`));
    if (total > MAX_EXEC_BYTES) ctx.addIssue({ code: 'custom', path: [], input: `${total} bytes`, message: `the environment is larger than the system accepts for a new process (${MAX_EXEC_BYTES} bytes)` });
  })
  .transform((env) => Object.fromEntries(Object.entries(env).filter(([k]) => !isSentinelVariable(k))));

export const EnvPairs = z
  .array(
    z.string().check(
      z.refine((pair) => !pair.startsWith('SENTINEL_'), { error: "Sentinel's own variables (SENTINEL_*) are not passed to processes" }),
    ),
  )
  .meta({ description: 'KEY=VALUE pairs, as given to --env' });

/** A strict object: an unknown parameter is an error, never silently ignored. */
export const params = z.strictObject;

export const NoParams = z.strictObject({});
