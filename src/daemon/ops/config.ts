// Configuration operations (filled in by the config integration).
import type { Daemon, Operation } from '../context.js';

export function configOps(d: Daemon): Record<string, Operation> {
  void d;
  return {};
}
