// Printing for the CLI: plain text for people, --json for scripts, errors as one clear line and an exit code.
import { SentinelError } from '../core/errors.js';
import { writeStdout } from './stdout.js';

export { onClosedStdout } from './stdout.js';

export function printJson(value: unknown): void {
  writeStdout(JSON.stringify(value, null, 2) + '\n');
}

export function println(text = ''): void {
  writeStdout(text + '\n');
}

/** Failures of the process itself, not of what was asked: exit code 1 like any failed operation. */
const PROCESS_FAILURES = new Set(['CRASHED_IMMEDIATELY', 'NOT_READY', 'STARTUP_TIMEOUT']);

/** Exit codes: 1 operation failed, 2 bad input, 3 daemon unavailable. */
export function exitCodeFor(err: SentinelError): number {
  if (PROCESS_FAILURES.has(err.code)) return 1;
  if (err.status === 422 || err.status === 400 || err.code === 'INVALID_ARGUMENT') return 2;
  if (err.code === 'DAEMON_UNAVAILABLE' || err.code === 'TIMEOUT' || err.code === 'SSH_FAILED') return 3;
  return 1;
}

export function failAndExit(err: unknown, json: boolean): never {
  const e = err instanceof SentinelError ? err : new SentinelError('INTERNAL', err instanceof Error ? err.message : String(err));
  if (json) writeStdout(JSON.stringify({ error: e.toJSON() }, null, 2) + '\n');
  process.stderr.write(`Error: ${e.message}\n`);
  process.exit(exitCodeFor(e));
}
