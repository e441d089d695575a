// sentinel list / status: the process table and one process in detail.
import type { Command } from 'commander';
import { act } from '../common.js';
import { println } from '../output.js';
import { processTable, statusBlock } from '../format.js';

export function register(program: Command): void {
  program
    .command('list')
    .alias('ls')
    .description('List all managed processes')
    .option('--json', 'print the result as JSON')
    .action(async (opts) => {
      await act(opts, (c) => c.call('list'), (r) => {
        println(r.processes.length === 0 ? 'No managed processes. Start one with: sentinel run "COMMAND"' : processTable(r.processes));
      });
    });

  program
    .command('status')
    .description('Show detailed status of a process, by name or id')
    .argument('<process>', 'name or id')
    .option('--json', 'print the result as JSON')
    .action(async (ref: string, opts) => {
      await act(opts, (c) => c.call('status', { ref }), (r) => println(statusBlock(r.process, r.spec, r.instances)));
    });
}
