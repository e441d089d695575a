// Adapter between the supervisor's log hooks and the log rotator (one timer for every live log file).
import type { ProcessSpec } from '../core/spec.js';
import type { Logger } from './logger.js';
import type { RotationHooks } from './log-port.js';
import { LogRotator } from '../logs/rotate.js';
import { logPaths } from '../logs/paths.js';
import { clearLogs } from '../logs/clear.js';
import { envMs } from '../core/env-ms.js';

export interface Rotation extends RotationHooks {
  /** Empties a process's logs, waiting out a rotation in progress. */
  clear(name: string): Promise<void>;
  close(): Promise<void>;
  /** An exact time sample for bytes just appended to `file` (from the log stamper). */
  sample(file: string, time: number): void;
}

export function createRotation(logsDir: string, log: Logger, intervalMs = envMs('SENTINEL_LOG_CHECK_MS', 1000)): Rotation {
  const watched = new Set<string>();
  const rotator = new LogRotator({
    intervalMs,
    onRotate: (ev) => {
      if (ev.lossless) log.debug('LOG_ROTATED', `rotated ${ev.file}`, { process: ev.name });
      else log.warn('LOG_ROTATED_LOSSY', `rotated ${ev.file} with copy and truncate (the file system cannot collapse ranges); a few lines may be lost`, { process: ev.name });
    },
    onError: (err, file) => log.warn('LOG_ROTATE_FAILED', `could not rotate ${file}: ${(err as Error).message}`),
  });
  return {
    watch(name: string, spec: ProcessSpec) {
      const p = logPaths(logsDir, name);
      watched.add(name);
      rotator.watch(name, [p.stdout, p.stderr], { maxBytes: spec.logMaxBytes, keep: spec.logKeep, compress: spec.logCompress });
    },
    unwatch(name: string) {
      watched.delete(name);
      rotator.unwatch(name);
    },
    async clear(name: string) {
      if (watched.has(name)) await rotator.clear(name);
      else clearLogs(logsDir, name);
    },
    close: () => rotator.close(),
    sample: (file, time) => rotator.sample(file, time),
  };
}
