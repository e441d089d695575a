// Process, group and schedule names become file names: only a safe pattern is allowed.
import { SentinelError } from './errors.js';

export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function validateName(name: unknown, what = 'name'): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new SentinelError('INVALID_NAME', `${what} is empty; use letters, digits, ".", "_" or "-" (e.g. "web-1")`);
  }
  if (name.length > 64) {
    throw new SentinelError('INVALID_NAME', `${what} "${name.slice(0, 20)}…" is ${name.length} characters long; the limit is 64`);
  }
  if (!NAME_PATTERN.test(name) || name.includes('..')) {
    throw new SentinelError(
      'INVALID_NAME',
      `${what} ${JSON.stringify(name)} is not allowed: use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit (e.g. "web-1")`,
    );
  }
  if (name === 'all') {
    throw new SentinelError('INVALID_NAME', `${what} "all" is reserved (it would read as "every process"); choose another name`);
  }
  if (/^\d+$/.test(name)) {
    throw new SentinelError('INVALID_NAME', `${what} "${name}" is all digits, which would be mistaken for an id; add a letter (e.g. "p${name}")`);
  }
  return name;
}

/** A name derived from a command: the program's base name, made safe. */
export function nameFromCommand(command: string): string {
  const first = command.trim().split(/\s+/)[0] ?? 'process';
  const base = first.split('/').pop() ?? 'process';
  const safe = base.replace(/[^A-Za-z0-9._-]/g, '').replace(/^[^A-Za-z0-9]+/, '').replace(/\.\.+/g, '.').slice(0, 50);
  return safe === '' || /^\d+$/.test(safe) ? 'process' : safe;
}
