// sentinel schedule ... (filled in by the scheduler integration).
import type { Command } from 'commander';

export function register(program: Command): void {
  void program;
}
