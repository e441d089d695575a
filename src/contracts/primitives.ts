// Parameter types shared by the contracts. Units follow one rule everywhere (the config file's): a
// duration is "500ms", "5s", "2m", "1h" or a bare number of SECONDS; a size is "512K", "10M", "1G" or a
// bare number of bytes. Handlers receive milliseconds and bytes.
import { z } from 'zod';
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

export const EnvPairs = z.array(z.string()).meta({ description: 'KEY=VALUE pairs, as given to --env' });

/** A strict object: an unknown parameter is an error, never silently ignored. */
export const params = z.strictObject;

export const NoParams = z.strictObject({});
