// sentinel metrics: every metric in the Prometheus text format, as GET /metrics serves it.
import type { Command } from 'commander';
import { act } from '../common.js';

export function register(program: Command): void {
  program
    .command('metrics')
    .description('Print every metric in the Prometheus text format (what GET /metrics serves); pipe it to "promtool check metrics"')
    .option('--json', 'print the result as JSON ({contentType, body})')
    .action(async (opts) => {
      await act(opts, (c) => c.call('metrics.exposition'), (r) => void process.stdout.write(r.body));
    });
}
