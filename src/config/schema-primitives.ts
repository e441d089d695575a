// Leaf types of sentinel.yaml (durations, sizes, signals, names) with messages a person can act on.
import { constants } from 'node:os';
import * as z from 'zod';
import { parseDuration, parseSize } from '../core/duration.js';

/** Shows a found value the way error messages quote it: "fast", 42, a list, a map. */
export function describeValue(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a map';
  if (typeof input === 'string') {
    const text = input.length > 60 ? `${input.slice(0, 57)}...` : input;
    return JSON.stringify(text);
  }
  return String(input);
}

function accepts(parse: (v: string | number) => unknown, value: string | number): boolean {
  try {
    parse(value);
    return true;
  } catch {
    return false;
  }
}

/** "500ms", "5s", "2m", "1h", "1m30s", or a number of seconds. */
export const Duration = z
  .union([z.string(), z.number()], { error: (iss) => `expected a duration like "5s", got ${describeValue(iss.input)}` })
  .check(
    z.refine((v) => accepts(parseDuration, v), {
      error: (iss) => `expected a duration like "5s", got ${describeValue(iss.input)}`,
    }),
  )
  .meta({ description: 'A duration: "500ms", "5s", "2m", "1h", "1m30s", or a number of seconds', examples: ['5s'] });

/** "512K", "500M", "1G", or a number of bytes. */
export const Size = z
  .union([z.string(), z.number()], { error: (iss) => `expected a size like "500M", got ${describeValue(iss.input)}` })
  .check(
    z.refine((v) => accepts(parseSize, v), { error: (iss) => `expected a size like "500M", got ${describeValue(iss.input)}` }),
  )
  .meta({ description: 'A size: "512K", "500M", "1G", or a number of bytes', examples: ['500M'] });

const SIGNALS = Object.keys(constants.signals);

/** Normalizes "TERM", "sigterm" or "SIGTERM" to "SIGTERM"; null when it is no signal. */
export function toSignalName(input: string): NodeJS.Signals | null {
  const upper = input.trim().toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return SIGNALS.includes(name) ? (name as NodeJS.Signals) : null;
}

export const Signal = z
  .string({ error: (iss) => `expected a signal name like "SIGTERM", got ${describeValue(iss.input)}` })
  .check(
    z.refine((v) => toSignalName(v) !== null, {
      error: (iss) => `expected a signal name like "SIGTERM" or "INT", got ${describeValue(iss.input)}`,
    }),
  )
  .meta({ description: 'A signal name: SIGTERM, TERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1...', examples: ['SIGTERM'] });

export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Keys of processes/groups/ports/... maps: the same rule the CLI applies to names. */
export const Name = z
  .string()
  .check(
    z.refine((v) => NAME_PATTERN.test(v), {
      error: (iss) => `expected a name made of letters, digits, "_", "." and "-", got ${describeValue(iss.input)}`,
    }),
  );

export const PortNumber = z
  .number({ error: (iss) => `expected a port number (1-65535) or "auto", got ${describeValue(iss.input)}` })
  .int({ error: (iss) => `expected a port number (1-65535), got ${describeValue(iss.input)}` })
  .min(1, { error: (iss) => `expected a port number (1-65535), got ${describeValue(iss.input)}` })
  .max(65535, { error: (iss) => `expected a port number (1-65535), got ${describeValue(iss.input)}` });

/** Environment values may be written as numbers or booleans in YAML; they become strings. */
export const EnvMap = z.record(
  z.string(),
  z.union([z.string(), z.number(), z.boolean()], {
    error: (iss) => `expected a string, number or boolean, got ${describeValue(iss.input)}`,
  }),
);

export const StringOrList = z.union([z.string(), z.array(z.string())], {
  error: (iss) => `expected a string or a list of strings, got ${describeValue(iss.input)}`,
});

export const ExitCode = z.number().int().min(0).max(255);

/** A duration in the daemon's settings (daemon.yaml): seconds as a number, or text such as "30s"; in ms. */
export const SettingsDuration = z.union([z.number().positive(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v * 1000;
  try {
    return parseDuration(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});
