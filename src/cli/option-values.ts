// Every option value is checked before a command runs: a typo ("abc", "3x", "") is an error with exit 2,
// never a NaN the daemon reads as "not given" and replaces with a default.
import type { Command, Option } from 'commander';
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

/** What a placeholder means, checked for every option that does not parse its own value (durations and sizes are the daemon's, with its messages). */
const PLACEHOLDER_CHECKS: Record<string, [(v: string) => boolean, string]> = {
  n: [(v) => /^\s*\d+\s*$/.test(v), 'a whole number, e.g. 5'],
};

function longFlag(opt: Option): string {
  return opt.long ?? opt.short ?? opt.flags;
}

/** Empty values the daemon already names better ("process name is empty"). */
const EMPTY_CHECKED_BY_DAEMON = new Set(['run --name']);

/** preAction hook: every value typed on the command line is non-empty and fits its placeholder. */
export function checkOptionValues(cmd: Command): void {
  for (const opt of cmd.options) {
    if (!opt.required && !opt.optional) continue; // a switch
    const key = opt.attributeName();
    if (cmd.getOptionValueSource(key) !== 'cli') continue;
    const raw = cmd.getOptionValue(key) as unknown;
    const placeholder = /[<[]([^>\]]+)[>\]]/.exec(opt.flags)?.[1] ?? '';
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      if (typeof value !== 'string') continue; // parsed already (numbers) or a switch form
      if (value.trim() === '' && !EMPTY_CHECKED_BY_DAEMON.has(`${cmd.name()} ${opt.long}`)) badValue(longFlag(opt), value, `a value (${placeholder || 'not empty'})`);
      const check = PLACEHOLDER_CHECKS[placeholder];
      if (check && !check[0](value)) badValue(longFlag(opt), value, check[1]);
    }
  }
}
