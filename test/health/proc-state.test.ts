// The liveness checker's process-state reader: fresh state through a kept descriptor, a stopped
// process seen as 'T', a gone process as null, and no descriptor left behind.
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { createProcStateReader } from '../../src/health/proc-state.js';

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function sleeper(): ChildProcess {
  const c = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(c);
  return c;
}

async function until(fn: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const openFds = (): number => fs.readdirSync('/proc/self/fd').length;

describe('process state reader', () => {
  it('follows one process through stop, continue and exit', async () => {
    const c = sleeper();
    const pid = c.pid!;
    const reader = createProcStateReader();
    await until(() => reader.read(pid) === 'S');
    process.kill(pid, 'SIGSTOP');
    await until(() => reader.read(pid) === 'T');
    process.kill(pid, 'SIGCONT');
    await until(() => reader.read(pid) === 'S');
    c.kill('SIGKILL');
    await new Promise((r) => c.once('exit', r));
    await until(() => reader.read(pid) === null); // reaped: gone, not some other process's state
    reader.close();
  });

  it('moves to another pid and closes its descriptor', async () => {
    const before = openFds();
    const a = sleeper();
    const b = sleeper();
    const reader = createProcStateReader();
    await until(() => reader.read(a.pid!) === 'S');
    expect(openFds()).toBe(before + 1);
    process.kill(b.pid!, 'SIGSTOP');
    await until(() => reader.read(b.pid!) === 'T');
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
