#!/usr/bin/env -S node --
// "node --" stops Node from reading options such as --env-file from the command's own arguments.
import '../dist/cli/main.js';
