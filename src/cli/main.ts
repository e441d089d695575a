// The sentinel command line: each command is one daemon operation, called through the typed client.
import { buildProgram } from './program.js';
import { closeTransport } from './common.js';

// a closed pipe (sentinel list | head) is not an error
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
});

try {
  await buildProgram(process.argv.slice(2)).parseAsync(process.argv);
} finally {
  closeTransport();
}
