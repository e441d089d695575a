// The liveness checker's process-state reader: fresh state through a kept descriptor, a stopped
// process seen as 'T', a gone process as null, and no descriptor left behind.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createProcStateReader } from '../../src/health/proc-state.js';
import { openFds, waitFor } from '../helpers.js';

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function sleeper(): ChildProcess {
  const c = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(c);
  return c;
}

describe('process state reader', () => {
  it('follows one process through stop, continue and exit', async () => {
    const c = sleeper();
    const pid = c.pid!;
    const reader = createProcStateReader();
    expect(await waitFor(() => reader.read(pid) === 'S', 5000, 10)).toBe(true);
    process.kill(pid, 'SIGSTOP');
    expect(await waitFor(() => reader.read(pid) === 'T', 5000, 10)).toBe(true);
    process.kill(pid, 'SIGCONT');
    expect(await waitFor(() => reader.read(pid) === 'S', 5000, 10)).toBe(true);
    c.kill('SIGKILL');
    await new Promise((r) => c.once('exit', r));
    expect(await waitFor(() => reader.read(pid) === null, 5000, 10)).toBe(true); // reaped: gone, not some other process's state
    reader.close();
  });

  it('moves to another pid and closes its descriptor', async () => {
    const before = openFds();
    const a = sleeper();
    const b = sleeper();
    const reader = createProcStateReader();
    expect(await waitFor(() => reader.read(a.pid!) === 'S', 5000, 10)).toBe(true);
    expect(openFds()).toBe(before + 1);
    process.kill(b.pid!, 'SIGSTOP');
    expect(await waitFor(() => reader.read(b.pid!) === 'T', 5000, 10)).toBe(true);
    expect(openFds()).toBe(before + 1); // the first descriptor was closed, not leaked
    reader.close();
    expect(openFds()).toBe(before);
    process.kill(b.pid!, 'SIGCONT');
  });

  it('answers null for a pid that does not exist', () => {
    const reader = createProcStateReader();
    expect(reader.read(2 ** 22 + 12345)).toBeNull();
    reader.close();
  });
});
