// The metrics history's change probe through the native addon (runTimes, procList, procStatsOf).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nativeAddon } from '../../src/core/native.js';
import { ChangeProbe } from '../../src/metrics/change-probe.js';
import { killedAfterEach, waitFor } from '../helpers.js';
import { probeCases } from './change-probe.cases.js';

it('the native addon is built here, with runTimes', () => {
  expect(typeof nativeAddon()?.runTimes).toBe('function');
});

describe('ChangeProbe through the native addon', probeCases);

describe('ChangeProbe reset from a scan’s /proc list', () => {
  const started = killedAfterEach({ groups: true });

  it('looks only at pids new since that list, and so sees a child forked after the scan', async () => {
    const sh = spawn('sh', ['-c', 'read x; sleep 60 & read y'], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    started.push(sh.pid!);
    expect(await waitFor(() => readFileSync(`/proc/${sh.pid}/stat`, 'utf8').includes(') S '))).toBe(true);
    const scanList = nativeAddon()!.procList();
    sh.stdin!.write('go\n');
    const children = () => readFileSync(`/proc/${sh.pid}/task/${sh.pid}/children`, 'utf8').trim();
    expect(await waitFor(() => children() !== '')).toBe(true);
    expect(await waitFor(() => readFileSync(`/proc/${sh.pid}/stat`, 'utf8').includes(') S '))).toBe(true);
    // the tree as that scan saw it: the shell alone; the shell's run time is read at the reset, after the
    // fork, so what is left to tell is the new child
    const probe = new ChangeProbe();
    probe.reset([sh.pid!], scanList);
    expect(probe.changed()).toBe(true);
    // the child settled (the forked shell has become `sleep` and sleeps, its run time still for 100 ms): a
    // reset while it still loads its program saw it run after, which failed this 1 time in 3
    const child = Number(children());
    const runTime = () => nativeAddon()!.runTimes!(Int32Array.of(sh.pid!, child)).join(',');
    expect(await waitFor(async () => {
      if (readFileSync(`/proc/${child}/comm`, 'utf8').trim() !== 'sleep' || !readFileSync(`/proc/${child}/stat`, 'utf8').includes(') S ')) return false;
      const before = runTime();
      await new Promise((r) => setTimeout(r, 100));
      return runTime() === before;
    })).toBe(true);
    probe.reset([sh.pid!, child], nativeAddon()!.procList());
    expect(probe.changed()).toBe(false);
  });
});
