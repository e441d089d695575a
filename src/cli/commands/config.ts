// sentinel up/down/reload/config/graph/import/init/secret (filled in by the config integration).
import type { Command } from 'commander';

export function register(program: Command): void {
  void program;
}
