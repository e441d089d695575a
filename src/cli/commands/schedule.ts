// sentinel schedule ...: cron, interval and one-time jobs run by the daemon, with history and logs.
// Validation (cron, zones, durations) happens in the daemon: this file loads no scheduler code.
import type { Command } from 'commander';
import { formatDuration } from '../../core/duration.js';
import { SentinelError } from '../../core/errors.js';
import type { OpParamsIn } from '../../contracts/index.js';
import type { RunView, ScheduleView } from '../../daemon/ops/schedules.js';
import { act, clientCwd, clientEnv, collect } from '../common.js';
import { makeTable, shorten } from '../format.js';
import { failAndExit, println } from '../output.js';

const pad = (n: number) => String(n).padStart(2, '0');

/** Local time to the second, as the tables show it. */
function formatTime(ms: number | null): string {
  if (ms === null) return '-';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function formatRelative(ms: number): string {
  const delta = ms - Date.now();
  return delta >= 0 ? `in ${formatDuration(delta)}` : `${formatDuration(-delta)} ago`;
}

/** Run durations are often short: milliseconds, then tenths of seconds, then the usual form. */
function formatRunDuration(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return formatDuration(ms);
}

/** An interval the way it was probably typed: 5m, 1h, 90s. */
function formatEvery(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

function describeTrigger(t: ScheduleView['trigger']): string {
  if ('cron' in t) return `cron ${t.cron}${t.tz ? ` (${t.tz})` : ''}`;
  if ('everyMs' in t) return `every ${formatEvery(t.everyMs)}`;
  return `at ${formatTime(t.at)}`;
}

function describeResult(run: RunView | null): string {
  if (!run) return '-';
  if (run.status === 'failed') return run.signal ? `failed (${run.signal})` : run.exitCode === null ? 'failed' : `failed (exit ${run.exitCode})`;
  return run.status;
}

function describeExit(run: RunView): string {
  if (run.signal) return run.signal;
  return run.exitCode === null ? '-' : String(run.exitCode);
}

function scheduleTable(list: ScheduleView[]): string {
  const t = makeTable(['NAME', 'SCHEDULE', 'NEXT RUN', 'LAST RUN', 'RESULT', 'ENABLED']);
  for (const s of list) {
    const result = s.running > 0 ? 'running' : describeResult(s.lastRun);
    t.push([s.name, shorten(describeTrigger(s.trigger), 40), formatTime(s.nextRunAt), formatTime(s.lastRun?.startedAt ?? null), result, s.enabled ? 'yes' : 'no']);
  }
  return t.toString();
}

function historyTable(runs: RunView[]): string {
  const t = makeTable(['RUN', 'TRIGGER', 'START', 'END', 'DURATION', 'EXIT', 'STATUS'], [0, 4, 5]);
  for (const r of runs) {
    const trigger = r.attempt > 1 ? `${r.trigger} #${r.attempt}` : r.trigger;
    t.push([r.id, trigger, formatTime(r.startedAt), formatTime(r.endedAt), formatRunDuration(r.durationMs), describeExit(r), r.status]);
  }
  const reasons = runs.filter((r) => r.reason).map((r) => `run ${r.id}: ${r.reason}`);
  return [t.toString(), ...reasons].join('\n');
}

function nextLine(s: ScheduleView): string {
  if (!s.enabled) return 'disabled (sentinel schedule enable ' + s.name + ' turns it on)';
  return s.nextRunAt === null ? 'no next run' : `next run ${formatTime(s.nextRunAt)} (${formatRelative(s.nextRunAt)})`;
}

/** The options `schedule add` and the seed-003 form `schedule --name N --cmd C` share. */
function addOptions(cmd: Command): Command {
  return cmd
    .option('--cron <expr>', 'cron expression: 5 fields, 6 with seconds first, or @daily, @hourly...')
    .option('--tz <zone>', 'IANA time zone for --cron and --at (default: the daemon\'s local time), e.g. Europe/Berlin')
    .option('--every <duration>', 'run at a fixed interval, e.g. 30s, 5m, 1h')
    .option('--at <time>', 'run once at a date-time, e.g. 2026-12-01T02:00')
    .option('--overlap <policy>', 'when the previous run is still going: skip (default), queue or allow')
    .option('--missed <policy>', 'runs due while the daemon was down: run-once (default), skip or run-all')
    .option('--missed-cap <n>', 'most catch-up runs with --missed run-all (default 10)')
    .option('--max-runtime <duration>', 'stop a run that lasts longer (SIGTERM, then SIGKILL after 10s), e.g. 1h')
    .option('--retries <n>', 'extra attempts after a failed run (default 0)')
    .option('--retry-delay <duration>', 'wait before a retry (default 1s)')
    .option('--retry-backoff <kind>', 'fixed (default) or exponential')
    .option('--jitter <duration>', 'random delay up to this added to each timed start, e.g. 30s')
    .option('--cwd <dir>', 'working directory (default: the current directory)')
    .option('-e, --env <KEY=VALUE>', 'environment variable (repeatable)', collect, [])
    .option('--disabled', 'add the schedule without enabling it')
    .option('--json', 'print the result as JSON');
}

async function addSchedule(name: string, command: { command: string | undefined; args: string[]; shell: boolean }, opts: Record<string, unknown>): Promise<void> {
  const params = {
    name,
    ...command,
    cron: opts.cron,
    tz: opts.tz,
    every: opts.every,
    at: opts.at,
    cwd: opts.cwd ?? clientCwd(),
    env: clientEnv(),
    envVars: opts.env,
    overlap: opts.overlap,
    missed: opts.missed,
    missedCap: opts.missedCap,
    maxRuntime: opts.maxRuntime,
    retries: opts.retries,
    retryDelay: opts.retryDelay,
    retryBackoff: opts.retryBackoff,
    jitter: opts.jitter,
    enabled: opts.disabled ? false : undefined,
  };
  // the values are as typed on the command line; the daemon checks each one and says which is wrong
  await act(opts, (c) => c.call('schedule.add', params as OpParamsIn<'schedule.add'>), (r) => {
    println(`Added schedule ${r.schedule.name} (${describeTrigger(r.schedule.trigger)}); ${nextLine(r.schedule)}`);
  });
}

export function register(program: Command): void {
  const schedule = addOptions(
    program
      .command('schedule')
      .description('Run commands on a cron schedule, at an interval or once: see "sentinel schedule add --help"')
      .enablePositionalOptions()
      .option('--name <name>', 'with --cmd: add a schedule (same as "schedule add NAME -- CMD")')
      .option('--cmd <command>', 'with --name: the shell command to run'),
  ).action(async (opts: Record<string, unknown>, cmd: Command) => {
    if (opts.name === undefined && opts.cmd === undefined) {
      cmd.help();
      return;
    }
    await addSchedule(String(opts.name ?? ''), { command: opts.cmd as string | undefined, args: [], shell: true }, opts);
  });

  addOptions(
    schedule
      .command('add')
      .description('Add a schedule: sentinel schedule add backup --cron "0 2 * * *" -- ./backup.sh')
      .argument('<name>', 'name of the schedule')
      .argument('[command...]', 'a shell command string, or a program and its arguments after --'),
  ).action(async (name: string, words: string[], opts: Record<string, unknown>) => {
    const shell = !process.argv.includes('--') && words.length === 1;
    await addSchedule(name, { command: words[0], args: shell ? [] : words.slice(1), shell }, opts);
  });

  schedule
    .command('list')
    .alias('ls')
    .description('List schedules with their next and last run')
    .option('--json', 'print the result as JSON')
    .action(async (opts) => {
      await act(opts, (c) => c.call('schedule.list'), (r) => {
        println(r.schedules.length === 0 ? 'No schedules. Add one with: sentinel schedule add NAME --every 5m -- COMMAND' : scheduleTable(r.schedules));
      });
    });

  schedule
    .command('next')
    .description('Show the next run times of a schedule')
    .argument('<name>', 'name of the schedule')
    .option('-n, --count <n>', 'how many run times', '5')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts) => {
      await act(opts, (c) => c.call('schedule.next', { name, n: opts.count }), (r) => {
        println(r.times.length === 0 ? `Schedule ${name} has no more runs` : r.times.map((t) => `${formatTime(t)}  (${formatRelative(t)})`).join('\n'));
      });
    });

  for (const [verb, op, done] of [
    ['enable', 'schedule.enable', 'Enabled'],
    ['disable', 'schedule.disable', 'Disabled'],
  ] as const) {
    schedule
      .command(verb)
      .description(`${done.slice(0, -1)} a schedule`)
      .argument('<name>', 'name of the schedule')
      .option('--json', 'print the result as JSON')
      .action(async (name: string, opts) => {
        await act(opts, (c) => c.call(op, { name }), (r) => {
          println(verb === 'enable' ? `Enabled ${name}; ${nextLine(r.schedule)}` : `Disabled ${name}`);
        });
      });
  }

  schedule
    .command('run-now')
    .description('Start a run of a schedule now (trigger "manual")')
    .argument('<name>', 'name of the schedule')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts) => {
      await act(opts, (c) => c.call('schedule.run-now', { name }), (r) => {
        println(r.status === 'started' && r.run ? `Started run ${r.run.id} of ${name}` : `Queued a run of ${name} behind the one in progress`);
      });
    });

  schedule
    .command('rm')
    .alias('remove')
    .description('Remove a schedule, its history and its run logs')
    .argument('<name>', 'name of the schedule')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts) => {
      await act(opts, (c) => c.call('schedule.rm', { name }), () => println(`Removed schedule ${name}`));
    });

  schedule
    .command('history')
    .description('Show the past runs of a schedule, newest first')
    .argument('<name>', 'name of the schedule')
    .option('-n, --limit <n>', 'how many runs', '20')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts) => {
      await act(opts, (c) => c.call('schedule.history', { name, limit: opts.limit }), (r) => {
        println(r.runs.length === 0 ? `Schedule ${name} has not run yet` : historyTable(r.runs));
      });
    });

  schedule
    .command('logs')
    .description('Show the output of one run of a schedule (default: the latest)')
    .argument('<name>', 'name of the schedule')
    .option('--run <id>', 'the run, as numbered in "sentinel schedule history"')
    .option('-s, --stream <stream>', 'only stdout or stderr, printed as written')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts) => {
      if (opts.stream !== undefined && opts.stream !== 'stdout' && opts.stream !== 'stderr') {
        failAndExit(new SentinelError('INVALID_ARGUMENT', `--stream ${JSON.stringify(opts.stream)}: expected stdout or stderr`), opts.json ?? false);
      }
      await act(opts, (c) => c.call('schedule.logs', { name, run: opts.run }), (r) => {
        if (opts.stream === 'stdout' || opts.stream === 'stderr') return void process.stdout.write(r[opts.stream as 'stdout' | 'stderr']);
        const lines = (text: string, tag: string) => (text === '' ? [] : text.replace(/\n$/, '').split('\n').map((l) => `${tag}${l}`));
        const head = `run ${r.run.id} (${r.run.trigger}) started ${formatTime(r.run.startedAt)}: ${describeResult(r.run)}${r.truncated ? '; only the last 1 MiB of each stream is shown' : ''}`;
        println([head, ...lines(r.stdout, '[out] '), ...lines(r.stderr, '[err] ')].join('\n'));
      });
    });
}
