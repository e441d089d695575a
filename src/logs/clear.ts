// `logs --clear` and `delete --purge`: emptying and removing a process's log files.
import fs from 'node:fs';
import { fifoPath, indexPath, listRotated, listRotationTemps, LOG_STREAMS, logPaths } from './paths.js';
import { emptyIndex, writeIndex } from './log-index.js';

/**
 * Empties the current log files in place (a running child's O_APPEND descriptor then goes on
 * writing at 0), starts a fresh index (a new epoch tells followers the log was cleared) and
 * removes the rotated files. Truncation comes before the new index so that a follower that sees
 * the new epoch knows the old bytes are already gone.
 */
export function clearLogs(logsDir: string, name: string): void {
  const files = logPaths(logsDir, name);
  clearFiles([files.stdout, files.stderr]);
}

export function clearFiles(files: string[]): void {
  for (const file of files) {
    truncateIfExists(file);
    writeIndex(file, emptyIndex(0));
    for (const r of listRotated(file)) fs.rmSync(r.path, { force: true });
    for (const tmp of listRotationTemps(file)) fs.rmSync(tmp, { force: true });
  }
}

/** Removes every log file of a process: current, rotated, index and leftovers. */
export function purgeLogs(logsDir: string, name: string): void {
  const files = logPaths(logsDir, name);
  for (const file of [files.stdout, files.stderr]) {
    for (const r of listRotated(file)) fs.rmSync(r.path, { force: true });
    for (const tmp of listRotationTemps(file)) fs.rmSync(tmp, { force: true });
    fs.rmSync(indexPath(file), { force: true });
    fs.rmSync(file, { force: true });
  }
  for (const stream of LOG_STREAMS) fs.rmSync(fifoPath(logsDir, name, stream), { force: true });
}

function truncateIfExists(file: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    fs.ftruncateSync(fd, 0);
  } finally {
    fs.closeSync(fd);
  }
}
