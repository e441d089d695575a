// sentinel list / status: the process table and one process in detail.
import type { Command } from 'commander';
import { act, getClient } from '../common.js';
import { failAndExit, println } from '../output.js';
import { processTable, statusBlock } from '../format.js';
import { trendRows } from '../trend.js';

/** How far back `status` shows the CPU/memory trend. */
const TREND_WINDOW = '15m';

export function register(program: Command): void {
  program
    .command('list')
    .alias('ls')
    .description('List all managed processes')
    .option('-w, --watch', 'keep the table on screen, redrawn on every change of state and every --interval')
    .option('--interval <duration>', 'with --watch: how often CPU, memory and uptime refresh (500ms..60s)', '2s')
    .option('--json', 'print the result as JSON (with --watch: one JSON snapshot per line)')
    .action(async (opts) => {
      if (opts.watch) {
        await watch(opts);
        return;
      }
      await listOnce(opts);
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

/** `sentinel list [--json]`: the table (or the JSON) once. Also the CLI's fast path (src/cli/fast.ts). */
export async function listOnce(opts: { json?: boolean }): Promise<void> {
  if (opts.json) {
    // indented by the daemon: the text printJson would write, without parsing and printing it again here
    try {
      println(await getClient().callPrinted('list'));
    } catch (err) {
      failAndExit(err, true);
    }
    return;
  }
  await act(opts, (c) => c.call('list'), (r) => {
    println(r.processes.length === 0 ? 'No managed processes. Start one with: sentinel run "COMMAND"' : processTable(r.processes));
  });
}

/** `sentinel list --watch`: the processes.watch stream, redrawn in place (or NDJSON with --json) until Ctrl-C. */
async function watch(opts: { interval: string; json?: boolean }): Promise<void> {
  const tty = process.stdout.isTTY === true;
  try {
    for await (const snap of getClient().stream('processes.watch', { interval: opts.interval, follow: true })) {
      if (opts.json) {
        process.stdout.write(JSON.stringify(snap) + '\n');
        continue;
      }
      const table = snap.processes.length === 0 ? 'No managed processes. Start one with: sentinel run "COMMAND"' : processTable(snap.processes);
      const footer = `${new Date(snap.time).toISOString().replace('T', ' ').slice(0, 19)}  refresh ${opts.interval}; Ctrl-C to quit`;
      // on a terminal the table is redrawn in place; into a pipe each snapshot follows the last
      process.stdout.write(tty ? `\x1b[H\x1b[2J${table}\n${footer}\n` : `${table}\n${footer}\n\n`);
    }
  } catch (err) {
    failAndExit(err, opts.json ?? false);
  }
}
