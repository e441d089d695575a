// The exposition written to a file for node_exporter's textfile collector. Why it is safe: the text goes
// to a temporary file in the same directory (same file system, so the rename is atomic) whose name does
// not end in ".prom" (the collector never reads it), then replaces the file in one rename; the collector
// sees the old file or the new one, never half of one. A failed write removes its temporary file.
import { closeSync, openSync, renameSync, rmSync, statSync, writeSync, accessSync, constants } from 'node:fs';
import path from 'node:path';
import { SentinelError } from '../core/errors.js';

export function tempFileOf(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
}

/** Writes `text` to `file` atomically (temp file + rename). Throws the system error; leaves no temp file. */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = tempFileOf(file);
  try {
    const fd = openSync(tmp, 'w', 0o644);
    try {
      // no fsync: after a power cut the next interval rewrites the file anyway
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Checks at daemon start that the export can work: the directory exists, is a directory and is writable. */
export function checkExportTarget(file: string, settingsFile: string): void {
  const dir = path.dirname(file);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new SentinelError('INVALID_CONFIG', `${settingsFile}: metrics.file ${JSON.stringify(file)}: the directory ${dir} does not exist; create it (e.g. node_exporter's --collector.textfile.directory) or choose another path`);
  }
  if (!isDir) throw new SentinelError('INVALID_CONFIG', `${settingsFile}: metrics.file ${JSON.stringify(file)}: ${dir} is not a directory`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new SentinelError('INVALID_CONFIG', `${settingsFile}: metrics.file ${JSON.stringify(file)}: the daemon cannot write in ${dir}; change its permissions or choose another path`);
  }
  try {
    if (statSync(file).isDirectory()) throw new SentinelError('INVALID_CONFIG', `${settingsFile}: metrics.file ${JSON.stringify(file)} is a directory; name a file in it, e.g. ${path.join(file, 'sentinel.prom')}`);
  } catch (err) {
    if (err instanceof SentinelError) throw err;
  }
}

export interface ExportLog {
  warn(code: string, message: string, fields?: Record<string, unknown>): void;
  info(code: string, message: string, fields?: Record<string, unknown>): void;
}

/**
 * Rewrites the file every `intervalMs`. A failure is logged once per kind (the error's code) until a
 * write succeeds again, which is logged too: a full disk does not fill the daemon's log every 15 s.
 */
export function startFileExport(o: { file: string; intervalMs: number; render: () => Promise<string>; log: ExportLog }): { writeNow(): Promise<void>; stop(): void } {
  const reported = new Set<string>();
  let writing: Promise<void> | null = null;
  async function writeNow(): Promise<void> {
    try {
      writeFileAtomic(o.file, await o.render());
      if (reported.size > 0) {
        o.log.info('METRICS_FILE_RECOVERED', `metrics file ${o.file} is written again`);
        reported.clear();
      }
    } catch (err) {
      const kind = (err as NodeJS.ErrnoException).code ?? (err as Error).name ?? 'Error';
      if (!reported.has(kind)) {
        reported.add(kind);
        o.log.warn('METRICS_FILE_FAILED', `could not write the metrics file ${o.file}: ${(err as Error).message}; retrying every ${o.intervalMs / 1000} s (logged once until it works again)`, { kind });
      }
    }
  }
  const timer = setInterval(() => {
    if (writing) return; // a slow disk: skip a beat rather than pile up writes
    writing = writeNow().finally(() => (writing = null));
  }, o.intervalMs);
  timer.unref();
  return {
    writeNow,
    stop() {
      clearInterval(timer);
    },
  };
}
