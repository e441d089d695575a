// `sentinel run` reads the plain forms of its line without commander (src/cli/run-line.ts, run-fast.ts) and
// hands every other line to commander: the values it reads must be commander's, option by option, and what
// a user sees (the process started, or the error and exit code) must be the same either way.
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register } from '../../src/cli/commands/run.js';
import { RunLine } from '../../src/cli/run-line.js';
import { cleanupHome, cli, cliJson, tempHome } from '../helpers.js';

/** What commander reads of `run ARGS`: the command's words, its option values and their sources. */
function commanderReads(args: string[]): { words: string[]; opts: Record<string, unknown>; sources: Record<string, unknown> } {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  register(program);
  const run = program.commands[0]!;
  const stop = new Error('parsed');
  // the hook runs after parsing and before the action (which would call a daemon)
  run.hook('preAction', () => {
    throw stop;
  });
  try {
    program.parse(['run', ...args], { from: 'user' });
  } catch (err) {
    if (err !== stop) throw err;
  }
  const opts = run.opts();
  return { words: run.processedArgs[0] as string[], opts, sources: Object.fromEntries(Object.keys(opts).map((k) => [k, run.getOptionValueSource(k)])) };
}

function lineReads(args: string[]): { words: string[]; opts: Record<string, unknown>; sources: Record<string, unknown> } | null {
  const line = new RunLine();
  register(line as unknown as Command);
  const words = line.parse(args);
  if (words === null) return null;
  const opts = line.opts();
  return { words, opts, sources: Object.fromEntries(Object.keys(opts).map((k) => [k, line.getOptionValueSource(k)])) };
}

const PLAIN: string[][] = [
  ['--no-wait', '--name', 'x', '--', 'sleep', '1000'],
  ['sleep 1000'],
  ['sleep', '1000'],
  [],
  ['-n', 'web', '-r', '-e', 'A=1', '-e', 'B=2', 'node server.js'],
  ['--restart', 'on-failure', '--', 'node', '-e', 'x', '--name', 'inside'],
  ['--restart', '--', 'sleep', '5'],
  ['--restart', 'sleep 5'],
  ['--name=web', '--cwd=/tmp', '--env-file', 'a.env', '--env-file=b.env', 'sleep 5'],
  ['--watch', '--name', 'w', 'node app.js'],
  ['-w', 'src', '--watch', 'lib', '--watch-ignore', '*.log', '--watch-delay', '1s', 'node app.js'],
  ['--watch', 'node app.js'],
  ['--clean-env', '--no-project-env', 'sleep 5'],
  ['--clean-env', 'PATH,HOME', 'sleep 5'],
  ['--wait', '2s', '--log-keep', '3', '--log-compress', '--log-timestamps', 'sleep 5'],
  ['--no-wait', '--wait', '1s', 'sleep 5'],
  ['--restart-exit-codes', '1,2', '--no-restart-exit-codes', '0,143', '--max-restarts', '4', 'sleep 5'],
  ['--health-retries', '5', '--health-http', 'http://127.0.0.1:1/', '--notify-webhook', 'http://a', '--notify-webhook', 'http://b', 'sleep 5'],
  ['--name', '--', 'sleep', '5'],
  ['--name', '-x', 'sleep 5'],
  ['--cwd', '', 'sleep 5'],
  ['--publish', '8080:80', '--volume', './d:/d', '--image', 'redis', '--port', 'auto', '-i', '2', '--port-mode', 'shared'],
  ['sleep 5', '--name', 'after', '--json'],
  ['--scope', 'parent', '--', 'sleep', '5'],
];

const LEFT_TO_COMMANDER: string[][] = [
  ['--bogus', 'sleep 5'],
  ['-h'],
  ['--help'],
  ['sleep', '--help'],
  ['-V'],
  ['--name'],
  ['-nweb', 'sleep 5'],
  ['-rw', 'sleep 5'],
  ['--log-compress=yes', 'sleep 5'],
  ['--restart', '-1', 'sleep 5'],
  ['sleep', '-5'],
  ['--nam', 'x', 'sleep 5'],
  ['--=x', 'sleep 5'],
];

describe('reading a run line without commander', () => {
  it.each(PLAIN.map((a) => [a.join(' ') || '(nothing)', a]))('reads %s as commander does', (_label, args) => {
    const mine = lineReads(args as string[]);
    expect(mine).not.toBeNull();
    expect(mine).toEqual(commanderReads(args as string[]));
  });

  it.each(LEFT_TO_COMMANDER.map((a) => [a.join(' '), a]))('leaves %s to commander', (_label, args) => {
    expect(lineReads(args as string[])).toBeNull();
  });
});

describe('sentinel run, fast path and commander side by side', () => {
  let home: string;
  beforeAll(() => {
    home = tempHome();
  });
  afterAll(async () => {
    await cleanupHome(home);
  });
  const viaCommander = { env: { SENTINEL_CLI_FAST: '0' } };

  it.each([
    ['--bogus', 'sleep 5'],
    ['--nam', 'x', 'sleep 5'],
    ['--name'],
    ['--log-keep', 'abc', 'sleep 5'],
    ['--health-retries', '0', 'sleep 5'],
    ['--cwd', '', 'sleep 5'],
    ['--restart', 'on-faillure', '--', 'sleep', '30'],
    ['--watch-ignore', '*.log', 'sleep 5'],
    ['--scope', 'nobody', 'sleep 5'],
    ['-nweb', '--bogus'],
    ['--help'],
  ])('gives the same output and exit code for run %s', async (...args) => {
    const fast = await cli(home, ['run', ...args]);
    const slow = await cli(home, ['run', ...args], viaCommander);
    expect(fast).toEqual(slow);
    // bad input exits 2; --help prints the usage and exits 0
    expect(fast.code).toBe(args[0] === '--help' ? 0 : 2);
  });

  it.each([
    [['--no-wait', '--', 'sleep', '4333']],
    [['--no-wait', '-e', 'A=1', '-e', 'B=2', '--restart', 'on-failure', '--stop-timeout', '3s', '--log-keep', '2', 'sleep 4333']],
    [['--no-wait', '--clean-env', 'PATH', '--no-project-env', '--max-restarts', '3', '--restart-exit-codes', '1,2', '--', 'sleep', '4333']],
    [['--no-wait', '--restart', 'sleep 4333', '--health-exec', 'true', '--health-retries', '2', '--nice', '5']],
  ])('starts the same process from %j', async (args) => {
    const n = `p${Math.random().toString(36).slice(2, 8)}`;
    const fast = await cliJson<{ process: Record<string, unknown> }>(home, ['run', '--name', `${n}a`, ...args]);
    const slow = await cliJson<{ process: Record<string, unknown> }>(home, ['run', '--name', `${n}b`, ...args], viaCommander);
    const specOf = async (name: string) => {
      const s = await cliJson<{ spec: Record<string, unknown> }>(home, ['status', name]);
      const { name: _n, ...rest } = s.spec;
      return rest;
    };
    expect(await specOf(`${n}a`)).toEqual(await specOf(`${n}b`));
    expect(fast.process.command).toBe(slow.process.command);
    for (const name of [`${n}a`, `${n}b`]) expect((await cli(home, ['delete', name])).code).toBe(0);
  });
});
