// Schedule operations (filled in by the scheduler integration).
import type { Daemon, Operation } from '../context.js';

export function scheduleOps(d: Daemon): Record<string, Operation> {
  void d;
  return {};
}
