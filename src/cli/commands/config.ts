// sentinel up/down/reload, config validate|print|schema, graph, import, init and secret set|list|rm.
// The config library runs in the daemon: these commands only send file paths and print answers.
import type { Command } from 'commander';
import { registerStack } from './config-stack.js';
import { registerTools } from './config-tools.js';
import { registerSecret } from './config-secret.js';

export function register(program: Command): void {
  registerStack(program);
  registerTools(program);
  registerSecret(program);
}
