// On-CPU time per pid (schedstat): the native addon and the JavaScript path agree, grow while a process
// runs, stay put while it sleeps, answer -1 for a pid that is gone, and refuse what is not a list of pids.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { nativeAddon, type NativeAddon } from '../../src/core/native.js';
import { readRunTimes } from '../../src/metrics/run-times.js';
import { killedAfterEach, waitFor } from '../helpers.js';

const started = killedAfterEach();

const GONE = 2 ** 22 + 7; // above the largest pid Linux hands out

const paths = [['the JavaScript path', null] as const, ...(nativeAddon() ? [['the native addon', nativeAddon()] as const] : [])];

describe.each(paths)('readRunTimes through %s', (_label, addon) => {
  it('grows while a process runs; -1 for a pid that is gone', async () => {
    const busy = spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' });
    started.push(busy.pid!);
    const first = readRunTimes([busy.pid!, GONE], addon);
    expect(first[1]).toBe(-1);
    expect(await waitFor(() => readRunTimes([busy.pid!], addon)[0]! > first[0]! + 1e6)).toBe(true);
    expect(readRunTimes([], addon)).toHaveLength(0);
  });

  it('refuses pids that are not positive integers', () => {
    expect(() => readRunTimes([0], addon)).toThrow(/readRunTimes: expected positive integer pids, got 0/);
    expect(() => readRunTimes([1.5], addon)).toThrow(TypeError);
    expect(() => readRunTimes([2 ** 40], addon)).toThrow(TypeError);
  });
});

it('the JavaScript path and the addon read the same figure for a sleeping process', async () => {
  const addon = nativeAddon();
  expect(addon?.runTimes).toBeTypeOf('function');
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  started.push(child.pid!);
  const stable = () => readRunTimes([child.pid!], null)[0] === readRunTimes([child.pid!], addon)[0];
  expect(await waitFor(stable)).toBe(true);
  expect(readRunTimes([process.pid], addon)[0]).toBeGreaterThan(0);
});

it('the native runTimes refuses anything but an Int32Array', () => {
  const addon = nativeAddon() as NativeAddon;
  const runTimes = addon.runTimes as unknown as (...a: unknown[]) => Float64Array;
  expect(() => runTimes()).toThrow(/runTimes: expected an Int32Array of pids/);
  expect(() => runTimes([1, 2])).toThrow(TypeError);
  expect(() => runTimes(new Float64Array([1]))).toThrow(/Int32Array/);
});
