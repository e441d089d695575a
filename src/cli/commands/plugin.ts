// sentinel plugin list.
import type { Command } from 'commander';
import { act } from '../common.js';
import { println } from '../output.js';

interface PluginList {
  plugins: Array<{ name: string; form: string; kinds: string[]; state: string; restarts: number; pid: number | null; lastError: string | null }>;
}

function show(r: PluginList): void {
  if (!r.plugins.length) println('No plugins. Declare them under "plugins:" in SENTINEL_HOME/daemon.yaml, then restart the daemon.');
  for (const p of r.plugins) {
    const pid = p.pid ? `  pid ${p.pid}` : '';
    const restarts = p.restarts ? `  restarts ${p.restarts}` : '';
    println(`${p.name}  ${p.form}  ${p.kinds.join(',') || '-'}  ${p.state}${pid}${restarts}${p.lastError ? `  last error: ${p.lastError}` : ''}`);
  }
}

export function register(program: Command): void {
  const plugin = program.command('plugin').description('Plugins declared in daemon.yaml (notifiers, health checks...)');
  plugin.command('list').description('List the plugins with their state, restarts and last error').option('--json', 'print the result as JSON')
    .action(async (opts) => act(opts, (c) => c.call('plugin.list'), show));
}
