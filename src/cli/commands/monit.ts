// sentinel monit: the live terminal monitor (src/cli/monit/), loaded only when this command runs.
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('monit')
    .description('Live terminal monitor: state, CPU, memory, restarts, health and uptime of every process, logs of the selected one; restart, stop and start with keys')
    .option('--url <url>', 'monitor a remote daemon through its TCP API, e.g. https://host:9797 (default: $SENTINEL_URL)')
    .option('--token <token>', 'API token for --url (default: $SENTINEL_TOKEN, which keeps it out of the process list)')
    .option('--hosts', 'show the processes of every host of daemon.yaml (hosts:) with a HOST column; H cycles through the hosts')
    .option('--host-filter <name>', 'with --hosts: show only this host at first ("local" is this one)')
    .option('--no-color', 'no colors (also when NO_COLOR is set)')
    .action(async (opts) => {
      const { startMonit } = await import('../monit/main.js');
      await startMonit(opts);
    });
}
