// `sentinel run ...`, the command a script calls most after list: the same root and the same `run` command
// as the full CLI builds for this command line (program.ts registers only the named command's file), in a
// bundle of its own (dist/cli/run.cjs) without the other fifty commands' code. bin/sentinel.js picks it when
// the first argument is `run`; SENTINEL_CLI_FAST=0 turns it off.
import { programRoot } from './program-root.js';
import { register } from './commands/run.js';
import { closeTransport, remoteTunnel } from './common.js';
import { onClosedStdout } from './output.js';
import { exitWhenWritten } from './stdout.js';

onClosedStdout();

async function main(): Promise<void> {
  try {
    const program = programRoot();
    register(program);
    await program.parseAsync(process.argv);
  } finally {
    closeTransport();
  }
  // an SSH tunnel closes its connection in the event loop: let it
  if (!remoteTunnel()) exitWhenWritten();
}

void main();
