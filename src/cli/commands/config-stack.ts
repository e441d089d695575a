// sentinel up / down / reload: bring a stack from a config file up, take it down, or apply its changes.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { SentinelError } from '../../core/errors.js';
import { act } from '../common.js';
import { println } from '../output.js';
import { processTable } from '../format.js';
import type { ProcessView } from '../../daemon/ops/view.js';
import { FORMAT_HELP, STACK_FORMATS, stackParams } from './config-file.js';
import { oneOf } from '../option-values.js';

interface StartReport {
  ok: boolean;
  started: string[];
  failed: Array<{ name: string; error: string }>;
  blocked: Array<{ name: string; reason: string }>;
  warnings: string[];
}

interface UpResult extends StartReport {
  created: string[];
  updated: Array<{ name: string; fields: string[] }>;
  running: string[];
  orphans: string[];
  processes: ProcessView[];
}

interface DownResult {
  ok: boolean;
  file: string;
  stopped: string[];
  removed: string[];
  kept: boolean;
  errors: Array<{ name: string; error: string }>;
}

interface ReloadResult extends Partial<StartReport> {
  dryRun: boolean;
  plan?: { added: unknown[]; changed: unknown[]; removed: unknown[]; unchanged: string[] };
  text: string;
  removed?: string[];
}

/** The part of up and reload that says what started, what failed and what is blocked. */
function printStartReport(r: StartReport): void {
  for (const w of r.warnings ?? []) println(`Warning: ${w}`);
  if (r.started.length) println(`Started ${r.started.join(', ')}`);
  for (const f of r.failed) println(`Failed ${f.name}: ${f.error}`);
  for (const b of r.blocked) println(`Blocked ${b.name}: ${b.reason}`);
}

/** A stack that did not fully come up is a failed command (exit 1), after printing what happened. */
function exitIfNotOk(result: { ok?: boolean } | undefined): void {
  if (result && result.ok === false) process.exitCode = 1;
}

const FILE_HELP = 'config file: sentinel.yaml/.yml/.toml/.json, or a Procfile, PM2 ecosystem, compose, process-compose or supervisord file (default: ./sentinel.yaml)';

export function registerStack(program: Command): void {
  program.command('up')
    .description('Create or update the processes of a config file and start them in dependency order')
    .argument('[names...]', 'only these processes (and what they depend on)')
    .option('-f, --file <file>', FILE_HELP)
    .option('--environment <name>', 'apply the environments.<name> overlay of the file')
    .option('--format <format>', FORMAT_HELP, oneOf('--format', STACK_FORMATS))
    .option('--timeout <duration>', 'how long to wait for each dependency (default: its startup timeout, or 60s)')
    .option('--json', 'print the result as JSON')
    .action(async (names: string[], opts) => {
      let result: UpResult | undefined;
      await act(opts, async (c) => (result = await c.call('up', { ...stackParams(opts), names, timeout: opts.timeout })), (r) => {
        if (r.created.length) println(`Created ${r.created.join(', ')}`);
        for (const u of r.updated) println(`Changed ${u.name} (${u.fields.join(', ')})`);
        if (r.running.length) println(`Already running (unchanged): ${r.running.join(', ')}`);
        printStartReport(r);
        if (r.orphans.length) println(`No longer in the file: ${r.orphans.join(', ')} (run "sentinel reload" to remove them)`);
        if (r.processes.length) println(processTable(r.processes));
      });
      exitIfNotOk(result);
    });

  program.command('down')
    .description('Stop (in reverse dependency order) and remove the processes a config file started')
    .argument('[names...]', 'only these processes (and the ones that depend on them)')
    .option('-f, --file <file>', FILE_HELP)
    .option('--format <format>', FORMAT_HELP, oneOf('--format', STACK_FORMATS))
    .option('--keep', 'only stop the processes; keep them in the list')
    .option('--json', 'print the result as JSON')
    .action(async (names: string[], opts) => {
      let result: DownResult | undefined;
      await act(opts, async (c) => {
        result = await c.call('down', { ...stackParams(opts, false), names, keep: opts.keep ?? false });
        // a file that is gone may still have started processes (they are stopped above); a wrong path that started nothing is an error
        if (opts.file !== undefined && !existsSync(result.file) && result.stopped.length === 0 && result.removed.length === 0 && result.errors.length === 0) {
          throw new SentinelError('CONFIG_NOT_FOUND', `config file ${opts.file} does not exist and no process was started from it; check the path given to -f`);
        }
        return result;
      }, (r) => {
        if (r.stopped.length === 0 && r.removed.length === 0 && r.errors.length === 0) println(`Nothing to stop: no process was started from ${r.file}`);
        if (r.stopped.length) println(`Stopped ${r.stopped.join(', ')}`);
        if (r.removed.length) println(`Removed ${r.removed.join(', ')}`);
        for (const e of r.errors) println(`Failed ${e.name}: ${e.error}`);
      });
      exitIfNotOk(result);
    });

  program.command('reload')
    .description('Apply the changes of a config file: start what was added, restart what changed, remove what was removed')
    .option('-f, --file <file>', FILE_HELP)
    .option('--environment <name>', 'apply the environments.<name> overlay of the file')
    .option('--format <format>', FORMAT_HELP, oneOf('--format', STACK_FORMATS))
    .option('--dry-run', 'only print the plan')
    .option('--timeout <duration>', 'how long to wait for each dependency (default: its startup timeout, or 60s)')
    .option('--json', 'print the result as JSON')
    .action(async (opts) => {
      let result: ReloadResult | undefined;
      await act(opts, async (c) => {
        const params = { ...stackParams(opts), timeout: opts.timeout };
        // the plan is shown before anything is touched, then applied (and shown again if the file changed meanwhile)
        const plan = await c.call('reload', { ...params, dryRun: true });
        if (opts.dryRun || opts.json) {
          if (opts.dryRun) return (result = plan);
        } else {
          println(plan.text);
        }
        const nothing = plan.plan && plan.plan.added.length + plan.plan.changed.length + plan.plan.removed.length === 0;
        if (nothing) return (result = plan);
        result = await c.call('reload', { ...params, dryRun: false });
        if (!opts.json && result.text !== plan.text) println(`The file changed while reloading; applied instead:\n${result.text}`);
        return result;
      }, (r) => {
        if (r.dryRun) {
          if (opts.dryRun) println(r.text);
          return;
        }
        if (r.removed?.length) println(`Removed ${r.removed.join(', ')}`);
        printStartReport(r as StartReport);
      });
      exitIfNotOk(result);
    });
}
