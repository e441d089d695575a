// The sentinel command line: each command is one daemon operation, called through the typed client.
// Bundled as CommonJS (dist/cli/bundle.cjs) and started by bin/sentinel.js with V8's code cache: no
// top-level await here.
import { buildProgram } from './program.js';
import { closeTransport } from './common.js';
import { onClosedStdout } from './output.js';

onClosedStdout();

async function main(): Promise<void> {
  try {
    await buildProgram(process.argv.slice(2)).parseAsync(process.argv);
  } finally {
    closeTransport();
  }
}

void main();
