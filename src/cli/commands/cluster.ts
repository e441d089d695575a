// sentinel scale NAME COUNT: how many instances of a definition run (6, +2, -1, max).
import type { Command } from 'commander';
import { act } from '../common.js';
import { println } from '../output.js';

export function register(program: Command): void {
  program
    .command('scale')
    .description('Change how many instances of a process run: sentinel scale web 6 (or +2, -1, max)')
    .argument('<process>', 'name of the definition')
    .argument('<count>', 'the new count (6), a change (+2, -1) or max (the scale maximum, else one per core)')
    .option('--json', 'print the result as JSON')
    .allowUnknownOption(false)
    .action(async (ref: string, count: string, opts) => {
      await act(opts, (c) => c.call('scale', { ref, count }), (r) =>
        println(r.from === r.to ? `${r.name} already has ${r.to} instances; nothing to do` : `Scaled ${r.name}: ${r.from} → ${r.to} instances`));
    });
}
