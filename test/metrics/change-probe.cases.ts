// The change probe against real process trees, shared by the native and the JavaScript-path test files.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { ChangeProbe } from '../../src/metrics/change-probe.js';
import { readRunTimes } from '../../src/metrics/run-times.js';
import { waitFor } from '../helpers.js';

const started: ChildProcess[] = [];

const stateOf = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat[stat.lastIndexOf(')') + 2];
};

const childrenOf = (pid: number) => readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);

/** Until every pid is asleep and has not run between two readings a moment apart. */
async function settled(pids: number[]): Promise<void> {
  let last = '';
  const still = async () => {
    if (!pids.every((pid) => stateOf(pid) === 'S')) return false;
    const now = Array.from(readRunTimes(pids)).join(',');
    const same = now === last;
    last = now;
    return same;
  };
  expect(await waitFor(still, 10_000, 100)).toBe(true);
}

/** `sh` running `script` with a pipe on its stdin, killed (by pid, its children with it) after the test. */
function shell(script: string): ChildProcess {
  const child = spawn('sh', ['-c', script], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  started.push(child);
  return child;
}

export function probeCases(): void {
  afterEach(() => {
    for (const child of started.splice(0)) {
      try {
        process.kill(-child.pid!, 'SIGKILL'); // its own process group: the shell and what it started
      } catch {
        /* already gone */
      }
    }
  });

  it('finds nothing while a tree sleeps, and a change when a member runs and forks', async () => {
    const sh = shell('read x; sleep 60 & read y');
    await settled([sh.pid!]);
    const probe = new ChangeProbe();
    probe.reset([sh.pid!]);
    expect(probe.changed()).toBe(false);
    expect(probe.changed()).toBe(false);
    sh.stdin!.write('go\n');
    expect(await waitFor(() => childrenOf(sh.pid!).length === 1)).toBe(true);
    expect(probe.changed()).toBe(true);
  });

  it('sees a child forked after the scan it was reset from, and a member that is gone', async () => {
    const sh = shell('sleep 60 & read y');
    expect(await waitFor(() => childrenOf(sh.pid!).length === 1)).toBe(true);
    const [child] = childrenOf(sh.pid!);
    await settled([sh.pid!, child!]);
    const probe = new ChangeProbe();
    // the trees from a scan taken before the fork: the child is not among them
    probe.reset([sh.pid!]);
    expect(probe.changed()).toBe(true);
    probe.reset([sh.pid!, child!]);
    expect(probe.changed()).toBe(false);
    process.kill(child!, 'SIGKILL');
    // a zombie until the shell (blocked in read) reaps it: the exit ran on its time, or it is gone
    const ended = () => {
      try {
        return stateOf(child!) === 'Z';
      } catch {
        return true;
      }
    };
    expect(await waitFor(ended)).toBe(true);
    expect(probe.changed()).toBe(true);
  });

  it('a process new on the machine but outside the trees is no change', async () => {
    const sh = shell('read y');
    await settled([sh.pid!]);
    const probe = new ChangeProbe();
    probe.reset([sh.pid!]);
    expect(probe.changed()).toBe(false);
    const other = shell('read z');
    await settled([other.pid!]);
    expect(probe.changed()).toBe(false);
  });
}
