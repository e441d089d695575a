// Reads a `sentinel run ...` command line without commander, for the run bundle's fast path (run-fast.ts).
// The options are not declared twice: commands/run.ts registers them on a recorder that takes the place of
// commander's Command, and the line is read with commander 14's rules (Command.parseOptions and the
// option:NAME handler) for the plain forms only: `--long`, `--long VALUE`, `--long=VALUE`, a lone `-x` [VALUE],
// operands and `--`. Anything else (an unknown option, -h/--help, grouped or glued short flags, a missing
// value, a negative number) returns null, and the caller hands the whole line to commander: every error, and
// every form read here differently, stays commander's.
import type { OptionValues } from './option-values.js';

type Parser = (value: string, previous: unknown) => unknown;
type Action = (words: string[], opts: Record<string, unknown>, cmd: RunLine) => unknown;

/** One option as commander reads its flags (Option's constructor in commander/lib/option.js). */
export class RecordedOption {
  readonly short?: string;
  readonly long?: string;
  readonly required: boolean;
  readonly optional: boolean;
  readonly negate: boolean;
  readonly variadic: boolean;

  constructor(readonly flags: string, readonly parseArg: Parser | undefined, readonly defaultValue: unknown) {
    this.required = flags.includes('<');
    this.optional = flags.includes('[');
    this.variadic = /\w\.\.\.[>\]]$/.test(flags);
    for (const part of flags.split(/[ |,]+/)) {
      if (/^-[^-]$/.test(part)) this.short ??= part;
      else if (/^--./.test(part)) this.long ??= part;
    }
    this.negate = this.long?.startsWith('--no-') ?? false;
  }

  name(): string {
    return this.long !== undefined ? this.long.replace(/^--/, '') : this.short!.replace(/^-/, '');
  }

  attributeName(): string {
    return this.name().replace(/^no-/, '').split('-').reduce((camel, word) => camel + word[0]!.toUpperCase() + word.slice(1));
  }
}

/** Stands in for the `run` command while commands/run.ts registers it: records its options and action. */
export class RunLine implements OptionValues {
  readonly options: RecordedOption[] = [];
  action_: Action | undefined;
  private readonly values: Record<string, unknown> = {};
  private readonly sources = new Map<string, 'default' | 'cli'>();

  command(): this {
    return this;
  }
  description(): this {
    return this;
  }
  argument(): this {
    return this;
  }

  option(flags: string, _description: string, parserOrDefault?: unknown, defaultValue?: unknown): this {
    const parser = typeof parserOrDefault === 'function' ? (parserOrDefault as Parser) : undefined;
    const option = new RecordedOption(flags, parser, parser ? defaultValue : parserOrDefault);
    // commander's addOption: a --no-x without its --x defaults to true; any other default is set now
    const key = option.attributeName();
    if (option.negate) {
      if (!this.find(option.long!.replace(/^--no-/, '--'))) this.set(key, option.defaultValue === undefined ? true : option.defaultValue, 'default');
    } else if (option.defaultValue !== undefined) {
      this.set(key, option.defaultValue, 'default');
    }
    this.options.push(option);
    return this;
  }

  action(fn: Action): this {
    this.action_ = fn;
    return this;
  }

  name(): string {
    return 'run';
  }
  opts(): Record<string, unknown> {
    return this.values;
  }
  getOptionValue(key: string): unknown {
    return this.values[key];
  }
  getOptionValueSource(key: string): string | undefined {
    return this.sources.get(key);
  }

  /**
   * The command's words for `args` (what follows `run`), the option values set on the way; null when the
   * line has a form only commander reads. Parsers run only once the whole line is known to be plain.
   */
  parse(args: string[]): string[] | null {
    // null: an optional value not given; undefined: a switch (commander hands its parser undefined)
    const steps: Array<[RecordedOption, string | null | undefined]> = [];
    const words: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!;
      if (arg === '--') {
        words.push(...args.slice(i + 1));
        break;
      }
      if (arg.length > 1 && arg[0] === '-') {
        const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
        const option = this.find(eq > 2 ? arg.slice(0, eq) : arg);
        if (!option || option.variadic) return null;
        if (eq > 2) {
          // commander takes --x=VALUE only for an option with a value, and only when "--x=VALUE" is no option itself
          if (this.find(arg) || !(option.required || option.optional)) return null;
          steps.push([option, arg.slice(eq + 1)]);
        } else if (option.required) {
          if (i + 1 >= args.length) return null;
          steps.push([option, args[++i]!]);
        } else if (option.optional) {
          const next = args[i + 1];
          // commander would take a negative number as the value: left to it
          if (next !== undefined && next.length > 1 && next[0] === '-' && /^-(\d+|\d*\.\d+)(e[+-]?\d+)?$/.test(next)) return null;
          steps.push([option, next !== undefined && !(next.length > 1 && next[0] === '-') ? args[++i]! : null]);
        } else {
          steps.push([option, undefined]);
        }
        continue;
      }
      words.push(arg);
    }
    for (const [option, value] of steps) this.take(option, value);
    return words;
  }

  private find(flag: string): RecordedOption | undefined {
    return this.options.find((o) => o.short === flag || o.long === flag);
  }

  /** commander's option:NAME handler: the parser, else true for a switch, false for --no-x, '' for nothing. */
  private take(option: RecordedOption, given: string | null | undefined): void {
    const key = option.attributeName();
    let value: unknown = given;
    if (value !== null && option.parseArg) value = option.parseArg(value as string, this.values[key]);
    if (value == null) value = option.negate ? false : option.optional || (!option.required && !option.optional) ? true : '';
    this.set(key, value, 'cli');
  }

  private set(key: string, value: unknown, source: 'default' | 'cli'): void {
    this.values[key] = value;
    this.sources.set(key, source);
  }
}
