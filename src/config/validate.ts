// Step 5: check the merged document against the zod schema and turn every zod issue into a
// message that says what was expected and what was found, at the line where it was written.
import type * as z from 'zod';
import type { ConfigIssue } from './issues.js';
import { SentinelConfigSchema } from './schema.js';
import { describeValue } from './schema-primitives.js';
import { locate, type Path, type SourceMap } from './source-map.js';
import { didYouMean } from './suggest.js';

const UNKNOWN_KEYS = '\u0001unknown-keys:';

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a map',
  array: 'a list',
  record: 'a map',
};

function quoteList(values: readonly unknown[]): string {
  const quoted = values.map((v) => JSON.stringify(v));
  return quoted.length <= 2 ? quoted.join(' or ') : `one of ${quoted.join(', ')}`;
}

type RawIssue = z.core.$ZodRawIssue;

/** Messages for zod's built-in checks; schema-level messages (durations, sizes...) take precedence. */
function defaultMessage(iss: RawIssue): string {
  const got = describeValue(iss.input);
  const anyIss = iss as RawIssue & Record<string, unknown>;
  switch (iss.code) {
    case 'invalid_type': {
      const expected = TYPE_NAMES[String(anyIss.expected)] ?? String(anyIss.expected);
      return iss.input === undefined ? `is required (expected ${expected})` : `expected ${expected}, got ${got}`;
    }
    case 'invalid_value': {
      const values = anyIss.values as unknown[];
      const hint = typeof iss.input === 'string' ? didYouMean(iss.input, values.map(String)) : '';
      return `expected ${quoteList(values)}, got ${got}${hint}`;
    }
    case 'too_small':
      if (anyIss.origin === 'array') return `expected at least ${anyIss.minimum} item(s), got ${(iss.input as unknown[]).length}`;
      if (anyIss.origin === 'string') return `expected a non-empty string, got ${got}`;
      return `expected a number ${anyIss.inclusive ? '>=' : '>'} ${anyIss.minimum}, got ${got}`;
    case 'too_big':
      return `expected a number ${anyIss.inclusive ? '<=' : '<'} ${anyIss.maximum}, got ${got}`;
    case 'unrecognized_keys': {
      const shape = (anyIss.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } })?._zod?.def?.shape ?? {};
      return `${UNKNOWN_KEYS}${JSON.stringify(Object.keys(shape))}`;
    }
    case 'invalid_key':
      return `invalid name ${got}`;
    default:
      return `invalid value ${got}`;
  }
}

interface Finalized {
  code: string;
  path: PropertyKey[];
  message: string;
  input?: unknown;
  keys?: string[];
  errors?: Finalized[][];
  issues?: Finalized[];
}

/** A union branch "fits" when the value had the right type for it and only deeper checks failed. */
function fits(branch: Finalized[]): boolean {
  return !branch.some((i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value'));
}

function convert(issue: Finalized, base: Path, map: SourceMap, out: ConfigIssue[]): void {
  const path: Path = [...base, ...(issue.path as (string | number)[])];
  if (issue.code === 'invalid_union' && issue.errors) {
    const fitting = issue.errors.filter(fits);
    if (fitting.length === 1) {
      for (const inner of fitting[0]) convert(inner, path, map, out);
      return;
    }
  }
  if (issue.code === 'invalid_key' && issue.issues?.[0]) {
    const key = String(path[path.length - 1]);
    out.push({ path, message: issue.issues[0].message.replace(/, got .*$/, `, got ${JSON.stringify(key)}`), loc: locate(map, path, 'key') });
    return;
  }
  if (issue.code === 'unrecognized_keys' && issue.message.startsWith(UNKNOWN_KEYS)) {
    const allowed = JSON.parse(issue.message.slice(UNKNOWN_KEYS.length)) as string[];
    for (const key of issue.keys ?? []) {
      const hint = didYouMean(key, allowed) || `; allowed keys: ${allowed.join(', ')}`;
      out.push({ path: [...path, key], message: `unknown key "${key}"${hint}`, loc: locate(map, [...path, key], 'key') });
    }
    return;
  }
  // a check on a whole map, or a missing key, is best shown at the map's own key
  const onMap = issue.code === 'custom' && typeof issue.input === 'object' && issue.input !== null;
  out.push({ path, message: issue.message, loc: locate(map, path, onMap || issue.input === undefined ? 'key' : 'value') });
}

export function validateConfig(data: unknown, map: SourceMap): { value?: z.infer<typeof SentinelConfigSchema>; issues: ConfigIssue[] } {
  const result = SentinelConfigSchema.safeParse(data, { reportInput: true, error: defaultMessage });
  if (result.success) return { value: result.data, issues: [] };
  const out: ConfigIssue[] = [];
  for (const issue of result.error.issues as unknown as Finalized[]) convert(issue, [], map, out);
  return { issues: out };
}
