// sentinel logs: tail, follow, per stream, clear; sentinel events: the lifecycle event log.
import { oneOf, wholeNumber } from '../option-values.js';
import type { Command } from 'commander';
import { act, getClient } from '../common.js';
import { failAndExit, printJson, println } from '../output.js';

import { SentinelError } from '../../core/errors.js';
import { grepLogs } from './logs-search.js';

interface LogLine { stream: string; line: string; time?: number; name?: string }

function render(l: LogLine, opts: { timestamps?: boolean; stream?: string }): string {
  const stamp = opts.timestamps && l.time ? `${new Date(l.time).toISOString()} ` : '';
  const who = l.name !== undefined ? `${l.name} | ` : '';
  const tag = opts.stream ? '' : l.stream === 'stderr' ? '[err] ' : '[out] ';
  return `${stamp}${who}${tag}${l.line}`;
}

export function register(program: Command): void {
  program
    .command('logs')
    .description('View the stdout and stderr logs of a process, or of every process (each line with its name)')
    .argument('[processes...]', 'name or id; without it, every process (every instance); with --grep, several names or "all"')
    .option('-n, --lines <n>', 'number of lines to show', wholeNumber('--lines', 0, 10_000_000, 100), 50)
    .option('-f, --follow', 'keep printing new lines as they are written')
    .option('-s, --stream <stream>', 'only stdout or stderr', oneOf('--stream', ['stdout', 'stderr']))
    .option('--since <time>', 'only lines written since a duration ago (10m) or a date (2026-11-21T10:00)')
    .option('-t, --timestamps', 'prefix each line with the time it was written (exact for a process run with --log-timestamps, else to the second)')
    .option('--clear', 'empty the log files')
    .option('-g, --grep <regex>', 'search live and rotated (gzipped) files for lines matching a regular expression')
    .option('-i, --ignore-case', 'with --grep: match regardless of case')
    .option('--until <time>', 'with --grep: only lines written before a duration ago (5m) or a date')
    .option('--max <n>', 'with --grep: stop after this many hits', wholeNumber('--max', 1, 1_000_000, 1000), 1000)
    .option('--timeout <duration>', 'with --grep: time budget of each page of the search (default 10s)')
    .option('--json', 'print the result as JSON')
    .action(async (refs: string[], opts) => {
      if (opts.grep !== undefined) {
        if (opts.follow || opts.clear) failAndExit(new SentinelError('INVALID_ARGUMENT', `--grep searches what was written; it does not go with ${opts.follow ? '--follow' : '--clear'}`), opts.json ?? false);
        try {
          await grepLogs(refs, opts);
        } catch (err) {
          failAndExit(err, opts.json ?? false);
        }
        return;
      }
      for (const flag of ['until', 'ignoreCase', 'timeout'] as const) {
        if (opts[flag] !== undefined) failAndExit(new SentinelError('INVALID_ARGUMENT', `--${flag === 'ignoreCase' ? 'ignore-case' : flag} goes with --grep REGEX`), opts.json ?? false);
      }
      if (refs.length > 1) failAndExit(new SentinelError('INVALID_ARGUMENT', `show one process at a time (got ${refs.join(', ')}), or none for every process; several names go with --grep`), opts.json ?? false);
      const ref: string | undefined = refs[0];
      if (ref === undefined) {
        if (opts.clear) failAndExit(new SentinelError('INVALID_ARGUMENT', '--clear needs the name of a process: sentinel logs NAME --clear'), opts.json ?? false);
        await showAll(opts);
        return;
      }
      if (opts.clear) {
        await act(opts, (c) => c.call('logs.clear', { ref }), () => println(`Cleared logs of ${ref}`));
        return;
      }
      const params = { ref, lines: opts.lines, stream: opts.stream, since: opts.since, timestamps: opts.timestamps ?? false, follow: opts.follow ?? false };
      if (!opts.follow) {
        await act(opts, (c) => c.call('logs', params), (r) => {
          for (const l of r.lines) println(render(l, opts));
        });
        return;
      }
      try {
        for await (const l of getClient().stream('logs', params)) {
          if (opts.json) process.stdout.write(JSON.stringify(l) + '\n');
          else println(render(l, opts));
        }
      } catch (err) {
        failAndExit(err, opts.json ?? false);
      }
    });

  program
    .command('events')
    .description('Show lifecycle events (state changes, exits, restarts) of all processes or one')
    .argument('[process]', 'name of a process')
    .option('-n, --limit <n>', 'number of past events', wholeNumber('--limit', 0, 100_000, 50), 50)
    .option('-f, --follow', 'keep printing new events')
    .option('--json', 'print the result as JSON')
    .action(async (name: string | undefined, opts) => {
      const line = (e: Record<string, unknown>) => {
        const t = new Date(e.time as number).toISOString().replace('T', ' ').slice(0, 23);
        const change = e.oldState || e.newState ? `${e.oldState ?? ''} -> ${e.newState ?? ''}` : String(e.kind);
        const exit = e.exitCode !== null && e.exitCode !== undefined ? ` code=${e.exitCode}` : e.signal ? ` signal=${e.signal}` : '';
        return `${t}  ${String(e.processName ?? '-').padEnd(16)} ${change.padEnd(22)} pid=${e.pid ?? '-'}${exit}  ${e.reason ?? ''}${e.actor ? ` (by ${e.actor})` : ''}`;
      };
      const params = { name, limit: opts.limit, follow: opts.follow ?? false };
      if (!opts.follow) {
        await act(opts, (c) => c.call('events', params), (r) => r.events.forEach((e) => println(line(e))));
        return;
      }
      try {
        for await (const e of getClient().stream('events', params)) {
          if (opts.json) printJson(e);
          else println(line(e));
        }
      } catch (err) {
        failAndExit(err, opts.json ?? false);
      }
    });
}

/** `sentinel logs` with no name: every process, merged in time order. */
async function showAll(opts: { lines: number; stream?: string; since?: string; timestamps?: boolean; follow?: boolean; json?: boolean }): Promise<void> {
  const params = { lines: opts.lines, stream: opts.stream as 'stdout' | 'stderr' | undefined, since: opts.since, timestamps: opts.timestamps ?? false, follow: opts.follow ?? false };
  if (!opts.follow) {
    await act(opts, (c) => c.call('logs.all', params), (r) => {
      for (const l of r.lines) println(render(l, opts));
    });
    return;
  }
  try {
    for await (const l of getClient().stream('logs.all', params)) {
      if (opts.json) process.stdout.write(JSON.stringify(l) + '\n');
      else println(render(l, opts));
    }
  } catch (err) {
    failAndExit(err, opts.json ?? false);
  }
}
