// sentinel start / stop / restart / delete of one process.
import type { Command } from 'commander';
import { act } from '../common.js';
import { println } from '../output.js';
import type { ExitRecord } from '../../core/spec.js';
import { addPolicyOptions, policyParams } from '../policy-options.js';
import { formatDuration, humanDuration } from '../../core/duration.js';
import { whatActedOn } from '../format.js';

function exitText(e: ExitRecord | null): string {
  if (!e) return '';
  const how = e.signal ? e.signal : e.exitCode === null ? 'exit status unknown' : `exit code ${e.exitCode}`;
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
      await act(opts, (c) => c.call('start', { ref, noWait: opts.wait === false }), (r) =>
        println(r.alreadyRunning ? `${whatActedOn(r)} is already running; nothing to do (sentinel restart ${r.process.definition} restarts it)` : `Started ${whatActedOn(r)}`));
    });

  program
    .command('stop')
    .description('Stop a running process and its whole process tree')
    .argument('<process>', 'name or id')
    .option('-f, --force', 'kill at once with SIGKILL')
    .option('-t, --timeout <duration>', 'time between the stop signal and SIGKILL (default: the process setting, 10s)')
    .option('--json', 'print the result as JSON')
    .action(async (ref: string, opts) => {
      await act(opts, (c) => c.call('stop', { ref, force: opts.force ?? false, timeout: opts.timeout }), (r) =>
        println(r.alreadyStopped ? `${r.process.name} is not running (${r.process.status})` : `Stopped ${whatActedOn(r, false)}${exitText(r.exit)}`));
    });

  program
    .command('restart')
    .description('Restart a process (stop, then start again)')
    .argument('<process>', 'name or id')
    .option('--no-wait', 'return as soon as the process is spawned')
    .option('--json', 'print the result as JSON')
    .action(async (ref: string, opts) => {
      await act(opts, (c) => c.call('restart', { ref, noWait: opts.wait === false }), (r) =>
        println(`Restarted ${whatActedOn(r)}`));
    });

  program
    .command('delete')
    .alias('rm')
    .description('Stop a process and remove it from Sentinel (logs are kept unless --purge)')
    .argument('<process>', 'name or id')
    .option('--purge', 'also delete its log files')
    .option('--json', 'print the result as JSON')
    .action(async (ref: string, opts) => {
      await act(opts, (c) => c.call('delete', { ref, purge: opts.purge ?? false }), (r) =>
        println(`Deleted ${r.deleted.name} (id: ${r.deleted.id})${opts.purge ? ' and its logs' : ''}`));
    });

  const policy = program
    .command('policy')
    .description('Change the restart policy of a process without restarting it')
    .argument('<process>', 'name or id')
    .option('-r, --restart <policy>', 'never, on-failure or always')
    .option('--retries <n>', 'same as --max-restarts')
    .option('--delay <duration>', 'same as --restart-delay')
    .option('--json', 'print the result as JSON');
  addPolicyOptions(policy).action(async (ref: string, opts) => {
    const params = { ref, restart: opts.restart, retries: opts.retries, delay: opts.delay, ...policyParams(opts) };
    await act(opts, (c) => c.call('policy', params), (r) => {
      const p = r.restart;
      const parts = [
        `restart ${p.mode}`,
        !p.maxRestarts ? 'unlimited restarts'
          : p.windowMs > 0 ? `max ${p.maxRestarts} restarts in ${formatDuration(p.windowMs)}`
          : `max ${p.maxRestarts} restarts without staying up ${formatDuration(p.minUptimeMs)}`,
        `${p.backoff} delay ${humanDuration(p.delayMs)}${p.backoff === 'exponential' ? ` up to ${formatDuration(p.backoffMaxMs)}` : ''}`,
        `min uptime ${formatDuration(p.minUptimeMs)}`,
      ];
      if (p.exitCodes.length) parts.push(`only on exit codes ${p.exitCodes.join(',')}`);
      if (p.noRestartExitCodes.length) parts.push(`never on exit codes ${p.noRestartExitCodes.join(',')}`);
      println(`Policy of ${r.process.name}: ${parts.join('; ')}`);
    });
  });
}
