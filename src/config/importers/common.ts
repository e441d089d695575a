// Shared by the importers: the result shape, name cleaning, and small conversions.
import { constants } from 'node:os';
import { NAME_PATTERN } from '../schema-primitives.js';

export interface ImportResult {
  /** An object valid against the sentinel.yaml schema. */
  config: Record<string, unknown>;
  /** Everything that could not be mapped, said precisely. */
  warnings: string[];
}

export type Importer = (text: string, filename: string) => ImportResult;

/** A name Sentinel accepts: other tools allow spaces, colons and the like. */
export function toName(raw: string): string {
  const cleaned = raw.trim().replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return NAME_PATTERN.test(cleaned) ? cleaned : `process-${cleaned || 'unnamed'}`;
}

/** toName for a process being defined: a changed name is reported, since it is how the process is addressed. */
export function processName(raw: string, warnings: string[]): string {
  const name = toName(raw);
  if (name !== raw) warnings.push(`"${raw}" is named "${name}" (names hold letters, digits, "_", "." and "-", starting with a letter or digit)`);
  return name;
}

export const seconds = (n: number): string => `${n}s`;
export const millis = (n: number): string => `${n}ms`;

/** 15 → "SIGTERM"; names pass through. */
export function signalName(value: string | number): string | undefined {
  if (typeof value === 'number') return Object.entries(constants.signals).find(([, n]) => n === value)?.[0];
  return value.toUpperCase().startsWith('SIG') ? value.toUpperCase() : `SIG${value.toUpperCase()}`;
}

/**
 * ["A=1", "B"] → {A: "1", B: "${B}"}: a name without value passes the host value through. With
 * `bare: "inherit"` the name is left out instead: the process inherits it as any other variable.
 */
export function envFromList(list: unknown[], bare: 'reference' | 'inherit' = 'reference'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const text = String(item);
    const eq = text.indexOf('=');
    if (eq < 0) {
      if (bare === 'reference') out[text] = `\${${text}}`;
    } else out[text.slice(0, eq)] = text.slice(eq + 1);
  }
  return out;
}

export function envFromAny(value: unknown, bare: 'reference' | 'inherit' = 'reference'): Record<string, string> | undefined {
  if (Array.isArray(value)) return envFromList(value, bare);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, v === null ? `\${${k}}` : String(v)]));
  }
  return undefined;
}

/** Quotes argv for /bin/sh when a tool gives a list that must become one shell string. */
export function shellJoin(argv: string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/**
 * Text a shell expands when the process runs, written so sentinel.yaml's load-time interpolation
 * leaves it alone: `${` and `$$` get one more `$` (unbraced `$VAR` is not interpolated anyway).
 */
export function escapeInterpolation(text: string): string {
  return text.replace(/\$(?=[{$])/g, '$$$$');
}

/**
 * Splits a command line into words (quotes and backslashes), without expansion. "sh": a backslash
 * escapes any character. "shlex": Python's shlex in POSIX mode, as supervisord splits a command:
 * inside double quotes a backslash escapes only `"` and `\`, and is kept before anything else (so a
 * backslash-newline inside `bash -c "…"` still reaches bash, which joins the lines).
 */
export function shellSplit(text: string, dialect: 'sh' | 'shlex' = 'sh'): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\' && quote === '"' && i + 1 < text.length) {
        const next = text[i + 1];
        if (dialect === 'sh' || next === '"' || next === '\\') current += text[++i];
        else current += ch;
      }
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < text.length) {
      current += text[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

export function unmappedKeys(where: string, object: Record<string, unknown>, handled: readonly string[]): string[] {
  const left = Object.keys(object).filter((k) => !handled.includes(k));
  return left.length > 0 ? [`${where}: not mapped: ${left.join(', ')}`] : [];
}
