// The CLI's fast path for its most frequent command line, `sentinel list` (or `ls`), with or without
// --json: the list command's own action, without commander. Loading commander and building the command
// tree was a third of the instructions `list` spends beyond Node's own start-up. bin/sentinel.js picks this
// bundle (dist/cli/fast.cjs) only for exactly those command lines; anything else, including any global
// option, takes the full CLI. SENTINEL_CLI_FAST=0 turns it off (to compare the two).
import { listOnce } from './commands/list.js';
import { closeTransport, remoteTunnel, selectTarget } from './common.js';
import { failAndExit, onClosedStdout } from './output.js';
import { exitWhenWritten } from './stdout.js';

async function main(args: string[]): Promise<void> {
  onClosedStdout();
  try {
    // the same choice of daemon as the full CLI's preAction hook: SENTINEL_HOST, else the current context
    await selectTarget({});
  } catch (err) {
    failAndExit(err, false);
  }
  try {
    await listOnce({ json: args[1] === '--json' });
  } finally {
    closeTransport();
  }
  // an SSH tunnel closes its connection in the event loop: let it
  if (!remoteTunnel()) exitWhenWritten();
}

void main(process.argv.slice(2));
