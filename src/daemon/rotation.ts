// Adapter between the supervisor's log hooks and the log rotator.
import type { ProcessSpec } from '../core/spec.js';
import type { Logger } from './logger.js';
import type { RotationHooks } from './log-port.js';

export interface Rotation extends RotationHooks {
  close(): void;
}

export function createRotation(logsDir: string, log: Logger): Rotation {
  void logsDir;
  void log;
  const watched = new Map<string, ProcessSpec>();
  return {
    watch: (name, spec) => void watched.set(name, spec),
    unwatch: (name) => void watched.delete(name),
    close: () => watched.clear(),
  };
}
