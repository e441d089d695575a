// The sentinel command line's definition: every command and option, built without parsing anything, so
// the CLI reference (scripts/docs-cli.js) is generated from the same program users run.
import type { Command } from 'commander';
import { programRoot } from './program-root.js';
import { register as context } from './commands/context.js';
import { register as cluster } from './commands/cluster.js';
import { register as run } from './commands/run.js';
import { register as list } from './commands/list.js';
import { register as control } from './commands/control.js';
import { register as bulk } from './commands/bulk.js';
import { register as logs } from './commands/logs.js';
import { register as daemon } from './commands/daemon.js';
import { register as group } from './commands/group.js';
import { register as port } from './commands/port.js';
import { register as schedule } from './commands/schedule.js';
import { register as config } from './commands/config.js';
import { register as notify } from './commands/notify.js';
import { register as api } from './commands/api.js';
import { register as token } from './commands/token.js';
import { register as boot } from './commands/boot.js';
import { register as scope } from './commands/scope.js';
import { register as monit } from './commands/monit.js';
import { register as hosts } from './commands/hosts.js';
import { register as metrics } from './commands/metrics.js';
import { register as dashboard } from './commands/dashboard.js';
import { register as plugin } from './commands/plugin.js';
import { register as deploy } from './commands/deploy.js';

export { cliVersion } from './program-root.js';


type Register = (program: Command) => void;

const REGISTERS: Record<string, Register> = {
  run, list, control, bulk, logs, daemon, group, port, schedule, config, notify, api, token, boot, scope, monit, metrics, dashboard, plugin,
  context, cluster, deploy, hosts,
};

/**
 * Which file registers each top-level command (and alias). A command line that names one gets only that
 * file's commands: building all sixty-odd commands with their options was 10–17 ms of every CLI call.
 * test/cli/program-commands.test.ts checks this table against the full program.
 */
export const COMMAND_FILES: Record<string, keyof typeof REGISTERS> = {
  run: 'run', list: 'list', ls: 'list', status: 'list',
  start: 'control', stop: 'control', restart: 'control', delete: 'control', rm: 'control', policy: 'control',
  clean: 'bulk', stopall: 'bulk', startall: 'bulk', restartall: 'bulk', logs: 'logs', events: 'logs',
  daemon: 'daemon', group: 'group', port: 'port', schedule: 'schedule',
  up: 'config', down: 'config', reload: 'config', config: 'config', graph: 'config', import: 'config', init: 'config', secret: 'config',
  notify: 'notify', api: 'api', token: 'token', startup: 'boot', unstartup: 'boot', export: 'boot', shell: 'scope', scope: 'scope',
  monit: 'monit', metrics: 'metrics', dashboard: 'dashboard', plugin: 'plugin', context: 'context', scale: 'cluster',
  deploy: 'deploy', rollback: 'deploy', rollout: 'deploy', hosts: 'hosts',
};

/** The root's options that take a value: their value is not the command's name. */
const VALUE_OPTIONS = new Set(['-H', '--host', '--context', '--remote-home', '--remote-command']);

/**
 * The command a command line names, or null when it names none, asks for the root's help or version,
 * or names an unknown one (the full program then answers, with its list and its did-you-mean).
 */
export function commandOf(args: string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (VALUE_OPTIONS.has(a)) { i++; continue; }
    if (a.startsWith('-')) {
      if (a === '-h' || a === '--help' || a === '-V' || a === '--version') return null;
      continue;
    }
    return a in COMMAND_FILES ? a : null;
  }
  return null;
}

/**
 * The command tree, nothing parsed or printed until the caller asks; with `args` (the command line after
 * node and the script), only the commands of the file that defines the one it names.
 */
export function buildProgram(args?: string[]): Command {
  const program = programRoot();
  const named = args ? commandOf(args) : null;
  if (named !== null) REGISTERS[COMMAND_FILES[named]](program);
  else for (const reg of Object.values(REGISTERS)) reg(program);
  return program;
}

