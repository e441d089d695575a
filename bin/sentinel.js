#!/usr/bin/env -S node --
// "node --" stops Node from reading options such as --env-file from the command's own arguments.
// The CLI is bundled into one file (npm run build): it is started hundreds of times a day, and loading
// one module is measurably faster than resolving dozens.
import '../dist/cli/bundle.js';
