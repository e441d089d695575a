// `sentinel run ...` without commander: the run command's options, registered by commands/run.ts on a
// recorder (run-line.ts), read from the plain forms of a command line, then the same checks, choice of
// daemon and action as the commander-built command (program-root.ts's preAction hook, run.ts's action).
// A line with any other form sets `fallBack`, and bin/sentinel.js hands it to the commander bundle
// (dist/cli/run.cjs): its errors and help stay commander's. Commander and the building of its command
// were a third of what `run` spent beyond Node's own start-up.
import type { Command } from 'commander';
import { register } from './commands/run.js';
import { closeTransport, remoteTunnel, selectTarget } from './common.js';
import { checkOptionValues } from './option-values.js';
import { failAndExit, onClosedStdout } from './output.js';
import { RunLine } from './run-line.js';
import { exitWhenWritten } from './stdout.js';

const line = new RunLine();
// run.ts calls only command/description/argument/option/action on what it is given: the recorder has them
register(line as unknown as Command);
const words = line.parse(process.argv.slice(3));

/** True when this line is left to commander (bin/sentinel.js then runs dist/cli/run.cjs). */
export const fallBack = words === null;

async function main(words: string[]): Promise<void> {
  onClosedStdout();
  try {
    checkOptionValues(line);
    try {
      await selectTarget({});
    } catch (err) {
      failAndExit(err, false);
    }
    await line.action_!(words, line.opts(), line);
  } finally {
    closeTransport();
  }
  // an SSH tunnel closes its connection in the event loop: let it
  if (!remoteTunnel()) exitWhenWritten();
}

if (words !== null) void main(words);
