// sentinel clean / stopall / startall / restartall.
import type { Command } from 'commander';
import { act } from '../common.js';
import { println } from '../output.js';

interface BulkResult { results: Array<{ name: string; ok: boolean; error?: { message: string } }> }

function report(verb: string, r: BulkResult): void {
  if (r.results.length === 0) println(`Nothing to ${verb.toLowerCase()}.`);
  for (const x of r.results) println(x.ok ? `${verb} ${x.name}` : `Failed ${x.name}: ${x.error?.message}`);
  if (r.results.some((x) => !x.ok)) process.exitCode = 1;
}

export function register(program: Command): void {
  program
    .command('clean')
    .description('Remove stopped, exited and failed processes (and their logs) from Sentinel')
    .option('--json', 'print the result as JSON')
    .action(async (opts) => {
      await act(opts, (c) => c.call('clean'), (r) => {
        println(r.removed.length === 0 ? 'Nothing to clean.' : r.removed.map((x) => `Removed ${x.name} (id: ${x.id})`).join('\n'));
      });
    });

  program
    .command('stopall')
    .description('Stop all managed processes')
    .option('-f, --force', 'kill at once with SIGKILL')
    .option('--json', 'print the result as JSON')
    .action(async (opts) => {
      await act(opts, (c) => c.call('stopall', { force: opts.force ?? false }), (r) => report('Stopped', r));
    });

  program
    .command('startall')
    .description('Start all stopped processes')
    .option('--json', 'print the result as JSON')
    .action(async (opts) => {
      await act(opts, (c) => c.call('startall'), (r) => report('Started', r));
    });

  program
    .command('restartall')
    .description('Restart all managed processes')
    .option('--json', 'print the result as JSON')
    .action(async (opts) => {
      await act(opts, (c) => c.call('restartall'), (r) => report('Restarted', r));
    });
}
