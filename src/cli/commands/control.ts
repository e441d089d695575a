// sentinel start / stop / restart / delete of one process.
import type { Command } from 'commander';
import { act } from '../common.js';
import { println } from '../output.js';
import type { ProcessView } from '../../daemon/ops/view.js';
import type { ExitRecord } from '../../core/spec.js';

function exitText(e: ExitRecord | null): string {
  if (!e) return '';
  const how = e.signal ? e.signal : `exit code ${e.exitCode}`;
  return e.forceKilled ? ` (${how}, killed after the stop timeout)` : ` (${how})`;
}

export function register(program: Command): void {
  program
    .command('start')
    .description('Start a stopped process')
    .argument('<process>', 'name or id')
    .option('--no-wait', 'return as soon as the process is spawned')
    .option('--json', 'print the result as JSON')
    .action(async (ref: string, opts) => {
      await act(opts, (c) => c.call<{ process: ProcessView }>('start', { ref, noWait: opts.wait === false }), (r) =>
        println(`Started ${r.process.name} (id: ${r.process.id}, pid: ${r.process.pid})`));
    });

  program
    .command('stop')
    .description('Stop a running process and its whole process tree')
    .argument('<process>', 'name or id')
    .option('-f, --force', 'kill at once with SIGKILL')
    .option('-t, --timeout <duration>', 'time between the stop signal and SIGKILL (default: the process setting, 10s)')
    .option('--json', 'print the result as JSON')
    .action(async (ref: string, opts) => {
      await act(opts, (c) => c.call<{ process: ProcessView; alreadyStopped: boolean; exit: ExitRecord | null }>('stop', { ref, force: opts.force ?? false, timeout: opts.timeout }), (r) =>
        println(r.alreadyStopped ? `${r.process.name} is not running (${r.process.status})` : `Stopped ${r.process.name} (id: ${r.process.id})${exitText(r.exit)}`));
    });

  program
    .command('restart')
    .description('Restart a process (stop, then start again)')
    .argument('<process>', 'name or id')
    .option('--no-wait', 'return as soon as the process is spawned')
    .option('--json', 'print the result as JSON')
    .action(async (ref: string, opts) => {
      await act(opts, (c) => c.call<{ process: ProcessView }>('restart', { ref, noWait: opts.wait === false }), (r) =>
        println(`Restarted ${r.process.name} (id: ${r.process.id}, pid: ${r.process.pid})`));
    });

  program
    .command('delete')
    .alias('rm')
    .description('Stop a process and remove it from Sentinel (logs are kept unless --purge)')
    .argument('<process>', 'name or id')
    .option('--purge', 'also delete its log files')
    .option('--json', 'print the result as JSON')
    .action(async (ref: string, opts) => {
      await act(opts, (c) => c.call<{ deleted: { id: number; name: string } }>('delete', { ref, purge: opts.purge ?? false }), (r) =>
        println(`Deleted ${r.deleted.name} (id: ${r.deleted.id})${opts.purge ? ' and its logs' : ''}`));
    });
}
