// Every option value is checked before a command runs: a typo ("abc", "3x", "") is an error with exit 2,
// never a NaN the daemon reads as "not given" and replaces with a default.
import { SentinelError } from '../core/errors.js';
import { failAndExit } from './output.js';

/** Exits 2 with `--flag "value": expected ...`, the one style of every bad option value. */
export function badValue(flag: string, value: unknown, expected: string): never {
  failAndExit(new SentinelError('INVALID_ARGUMENT', `${flag} ${JSON.stringify(value)}: expected ${expected}`), false);
}

/** A commander parser for a whole number from min to max. */
export function wholeNumber(flag: string, min: number, max: number, example: number): (value: string) => number {
  return (value: string) => {
    const n = /^\s*-?\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) badValue(flag, value, `a whole number from ${min} to ${max}, e.g. ${example}`);
    return n;
  };
}

/** A commander parser for one of a few words. */
export function oneOf(flag: string, words: readonly string[]): (value: string) => string {
  return (value: string) => {
    if (!words.includes(value)) badValue(flag, value, words.join(' or ').replace(/ or (?=.* or )/g, ', '));
    return value;
  };
}

/** What checkOptionValues reads of a command: commander's Command, or the run line's recorder (run-line.ts). */
export interface OptionValues {
  options: readonly CheckedOption[];
  name(): string;
  getOptionValue(key: string): unknown;
  getOptionValueSource(key: string): string | undefined;
}

interface CheckedOption {
  flags: string;
  long?: string;
  short?: string;
  required?: boolean;
  optional?: boolean;
  attributeName(): string;
}

function longFlag(opt: CheckedOption): string {
  return opt.long ?? opt.short ?? opt.flags;
}

/** Empty values the daemon already names better ("process name is empty"). */
const EMPTY_CHECKED_BY_DAEMON = new Set(['run --name']);

/** preAction hook: no value typed on the command line is empty (numbers have their own parsers; the daemon checks the rest, before anything starts). */
export function checkOptionValues(cmd: OptionValues): void {
  for (const opt of cmd.options) {
    if (!opt.required && !opt.optional) continue; // a switch
    const key = opt.attributeName();
    if (cmd.getOptionValueSource(key) !== 'cli') continue;
    const raw = cmd.getOptionValue(key) as unknown;
    const placeholder = /[<[]([^>\]]+)[>\]]/.exec(opt.flags)?.[1] ?? '';
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      if (typeof value !== 'string') continue; // parsed already (numbers) or a switch form
      if (value.trim() === '' && !EMPTY_CHECKED_BY_DAEMON.has(`${cmd.name()} ${opt.long}`)) badValue(longFlag(opt), value, `a value (${placeholder || 'not empty'})`);
    }
  }
}
