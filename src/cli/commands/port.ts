// sentinel port allocate|list|free.
import { wholeNumber } from '../option-values.js';
import type { Command } from 'commander';
import { act } from '../common.js';
import { println } from '../output.js';
import { makeTable } from '../format.js';

function stamp(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function register(program: Command): void {
  const port = program.command('port').description('Manage port allocations');

  port.command('allocate').description('Allocate a free port (checked free on this machine)')
    .option('-p, --port <port>', 'a specific port', wholeNumber('--port', 1, 65535, 8000))
    .option('-n, --name <name>', 'a name for the allocation', 'default')
    .option('--json', 'print the result as JSON')
    .action(async (opts) => {
      await act(opts, (c) => c.call('port.allocate', { port: opts.port, name: opts.name }), (r) =>
        println(`Allocated port ${r.port.port} (${r.port.name})`));
    });

  port.command('list').description('List allocated ports')
    .option('--json', 'print the result as JSON')
    .action(async (opts) => {
      await act(opts, (c) => c.call('port.list'), (r) => {
        if (!r.ports.length) {
          println('No allocated ports.');
          return;
        }
        const t = makeTable(['PORT', 'NAME', 'OWNER', 'ALLOCATED'], [0]);
        for (const p of r.ports) t.push([p.port, p.name, p.owner ?? '-', stamp(p.allocatedAt)]);
        println(t.toString());
      });
    });

  port.command('free').argument('<port>').description('Free an allocated port')
    .option('--json', 'print the result as JSON')
    .action(async (p: string, opts) => {
      await act(opts, (c) => c.call('port.free', { port: wholeNumber('port', 1, 65535, 8000)(p) }), () => println(`Freed port ${p}`));
    });
}
