// The change probe's shorter look for single-threaded trees: after the first look it neither lists /proc
// nor reads new pids, and a tree with a member of several threads keeps both (one of its other threads may
// fork while the thread whose run time the probe reads sleeps).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { killedAfterEach, waitFor } from '../helpers.js';

const calls = vi.hoisted(() => ({ listProc: 0 }));

vi.mock('../../src/core/proc.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/core/proc.js')>();
  return {
    ...actual,
    listProc: (...args: Parameters<typeof actual.listProc>) => {
      calls.listProc++;
      return actual.listProc(...args);
    },
  };
});

const { ChangeProbe } = await import('../../src/metrics/change-probe.js');

const threadsOf = (pid: number) => Number(/^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

describe('ChangeProbe by thread count', () => {
  const started = killedAfterEach({ groups: true });
  afterEach(() => {
    calls.listProc = 0;
  });

  it('lists /proc at the first look only when every member has one thread, and still sees its fork', async () => {
    const sh = spawn('sh', ['-c', 'read x; sleep 60 & read y'], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    started.push(sh.pid!);
    expect(await waitFor(() => readFileSync(`/proc/${sh.pid}/stat`, 'utf8').includes(') S '))).toBe(true);
    expect(threadsOf(sh.pid!)).toBe(1);
    const probe = new ChangeProbe();
    probe.reset([sh.pid!]);
    calls.listProc = 0;
    probe.changed();
    expect(calls.listProc).toBe(1);
    probe.changed();
    probe.changed();
    expect(calls.listProc).toBe(1);
    // the shell runs to fork: its run time tells it
    sh.stdin!.write('go\n');
    const children = () => readFileSync(`/proc/${sh.pid}/task/${sh.pid}/children`, 'utf8').trim();
    expect(await waitFor(() => children() !== '')).toBe(true);
    expect(probe.changed()).toBe(true);
    expect(calls.listProc).toBe(1);
  });

  it('keeps listing /proc at every look when a member has several threads', async () => {
    const node = spawn(process.execPath, ['-e', 'process.stdin.resume()'], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    started.push(node.pid!);
    expect(await waitFor(() => threadsOf(node.pid!) > 1)).toBe(true);
    const probe = new ChangeProbe();
    probe.reset([node.pid!]);
    calls.listProc = 0;
    probe.changed();
    probe.changed();
    expect(calls.listProc).toBe(2);
  });
});
