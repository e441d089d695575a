// The root of the sentinel command tree (name, version, global options, the hook that picks the daemon),
// apart from the commands: the full CLI (program.ts) adds the commands of the file a command line names; the
// run bundle (run-main.ts) adds `run` alone, to the same root.
import { Command } from 'commander';
import { clientVersion } from '../client/client.js';
import { checkOptionValues } from './option-values.js';
import { keepCloseSuggestions } from './suggest.js';
import { selectTarget } from './common.js';
import { failAndExit } from './output.js';

/** This install's version: the client's (one read of package.json for --version and the version check). */
export function cliVersion(): string {
  const version = clientVersion();
  if (version === null) throw new Error(`cannot read the version of this install from ${new URL('../../package.json', import.meta.url).pathname}`);
  return version;
}

/** The root of the command tree: its name, version, options and hooks, without any command. */
export function programRoot(): Command {
  const program = new Command();
  program
    .name('sentinel')
    .description('A process supervisor: run, watch, restart and log any command.')
    .version(cliVersion())
    .showHelpAfterError('(add --help for usage)')
    .enablePositionalOptions()
    // set before the commands are added, so every subcommand inherits them
    .configureOutput({ outputError: (text, write) => write(keepCloseSuggestions(text)) })
    // bad input (unknown command or option, missing argument) exits 2, as the README promises; help and --version exit 0
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .option('-H, --host <user@host[:port]>', 'manage the daemon of another host, over SSH (also SENTINEL_HOST; see "sentinel context")')
    .option('--context <name>', 'use a context of "sentinel context list" for this command')
    .option('--remote-home <dir>', "the remote daemon's SENTINEL_HOME (default: the remote user's ~/.sentinel)")
    .option('--remote-command <command>', 'how to run sentinel on the remote host (default: sentinel)')
    .hook('preAction', async (root, command) => {
      checkOptionValues(command);
      // the context commands edit the client's own file: they never reach a daemon
      let top = command;
      while (top.parent && top.parent !== root) top = top.parent;
      if (top.name() === 'context') return;
      try {
        await selectTarget(root.opts());
      } catch (err) {
        failAndExit(err, false);
      }
    });

  return program;
}
