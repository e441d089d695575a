// Parameters checked at the door and results checked on the way out, with messages that name the
// parameter's key path and say what was expected ("parameter "restart.delay": expected ...").
import type * as z from 'zod';
import { SentinelError } from '../core/errors.js';
import { describeValue } from '../config/schema-primitives.js';
import type { AnyContract } from './define.js';

type Issue = z.core.$ZodIssue;

function keyPath(path: readonly PropertyKey[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('');
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string', number: 'a number', int: 'a whole number', boolean: 'true or false', array: 'a list', object: 'an object',
  record: 'an object', literal: 'a fixed value',
};

/** The keys an object schema takes, for "it takes: ..." hints. */
function keysOf(schema: z.ZodType): string[] {
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}

function describeIssue(issue: Issue, c: AnyContract): string {
  const at = keyPath(issue.path);
  const name = (p: string) => `parameter "${p}"`;
  const input = (issue as { input?: unknown }).input;
  const zodDefault = issue.message.startsWith('Invalid') || issue.message.startsWith('Too ');
  switch (issue.code) {
    case 'unrecognized_keys': {
      const prefix = at ? `${at}.` : '';
      const known = at === '' ? keysOf(c.params) : [];
      const hint = known.length > 0 ? `; "${c.name}" takes: ${known.join(', ')}` : known.length === 0 && at === '' ? `; "${c.name}" takes no parameters` : '';
      return issue.keys.map((k) => `${name(prefix + k)} is not known${hint}`).join('; ');
    }
    case 'invalid_type':
      if (input === undefined) return `${name(at)} is required`;
      if (!zodDefault) return `${name(at)}: ${issue.message}`;
      return `${name(at)}: expected ${TYPE_WORDS[issue.expected] ?? issue.expected}, got ${describeValue(input)}`;
    case 'invalid_value':
      if (!zodDefault) return `${name(at)}: ${issue.message}`;
      return `${name(at)}: expected ${issue.values.map((v) => JSON.stringify(v)).join(', ').replace(/, ([^,]*)$/, ' or $1')}, got ${describeValue(input)}`;
    case 'too_small':
    case 'too_big': {
      if (!zodDefault) return `${name(at)}: ${issue.message}`;
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const what = issue.origin === 'string' ? `${issue.code === 'too_small' ? 'at least' : 'at most'} ${bound} characters` : issue.origin === 'array' ? `${issue.code === 'too_small' ? 'at least' : 'at most'} ${bound} items` : `${issue.code === 'too_small' ? 'at least' : 'at most'} ${bound}`;
      if (issue.origin === 'string' && issue.code === 'too_small' && Number(bound) === 1) return `${name(at)} must not be empty`;
      return `${name(at)}: expected ${what}, got ${describeValue(input)}`;
    }
    default:
      return `${name(at)}: ${issue.message}${input !== undefined && !issue.message.includes(' got ') ? `, got ${describeValue(input)}` : ''}`;
  }
}

/** Checks and converts an operation's parameters; a mismatch is INVALID_ARGUMENT naming every bad key. */
export function parseParams(c: AnyContract, raw: unknown): unknown {
  const r = (c.params as z.ZodType).safeParse(raw, { reportInput: true });
  if (r.success) return r.data;
  throw new SentinelError('INVALID_ARGUMENT', r.error.issues.map((i) => describeIssue(i, c)).join('; '), { op: c.name });
}

/** Query strings and path segments carry text: turn "true", "false" and numbers into their types where the schema wants them. */
export function coerceText(c: AnyContract, values: Record<string, string>): Record<string, unknown> {
  const shape = (c.params as unknown as { shape?: Record<string, z.ZodType> }).shape ?? {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    const field = shape[k];
    if (!field || field.safeParse(v).success) {
      out[k] = v;
      continue;
    }
    const converted = v === 'true' ? true : v === 'false' ? false : /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
    out[k] = field.safeParse(converted).success ? converted : v;
  }
  return out;
}

/** For SENTINEL_CHECK_RESULTS=1: an answer that does not match its contract is the daemon's bug. */
export function checkResult(c: AnyContract, value: unknown, schema: z.ZodType = c.result): void {
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return;
  const problems = r.error.issues.slice(0, 5).map((i) => `at "${keyPath(i.path) || '(root)'}": ${i.message}`);
  throw new SentinelError('INTERNAL', `operation "${c.name}" answered with a result that does not match its contract: ${problems.join('; ')}`);
}
