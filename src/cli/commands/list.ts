// sentinel list / status: the process table and one process in detail.
import type { Command } from 'commander';
import { act } from '../common.js';
import { println } from '../output.js';
import { processTable, statusBlock } from '../format.js';
import { trendRows } from '../trend.js';

/** How far back `status` shows the CPU/memory trend. */
const TREND_WINDOW = '15m';

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
      await act(
        opts,
        async (c) => {
          const r = await c.call('status', { ref });
          if (opts.json) return r;
          // the trend is a bonus: a daemon without the history (an older one) still answers status
          const history = await c.call('metrics.history', { ref: String(r.process.id), since: TREND_WINDOW }).catch(() => null);
          return { ...r, trend: history?.series[0]?.points ?? [] };
        },
        (r) => {
          const rows = trendRows('trend' in r ? r.trend : [], `(${TREND_WINDOW})`);
          println(statusBlock(r.process, r.spec, r.instances) + rows.map(([k, v]) => `\n  ${(k + ':').padEnd(11)}${v}`).join(''));
        },
      );
    });
}
