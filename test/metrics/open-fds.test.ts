// The open-fds gauge's count: the native addon and the JavaScript path agree with /proc for a real child
// whose descriptors we set, and a pid that is gone counts as unreadable, not as zero.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nativeAddon } from '../../src/core/native.js';
import { countOpenFds, countOpenFdsOfTrees } from '../../src/metrics/open-fds.js';
import { killedAfterEach, waitFor } from '../helpers.js';

const started = killedAfterEach();

const stateOf = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat[stat.lastIndexOf(')') + 2];
};

/** A child holding stdin/stdout/stderr plus `extra` more descriptors (pipes), and what /proc lists for it. */
async function childWithFds(extra: number): Promise<{ pid: number; listed: number }> {
  const stdio: Array<'pipe' | 'ignore'> = ['ignore', 'ignore', 'ignore', ...Array.from({ length: extra }, () => 'pipe' as const)];
  const child = spawn('sleep', ['30'], { stdio });
  started.push(child.pid!);
  // until it has exec'd sleep and gone to sleep, it may still show the parent's descriptors (the kernel
  // closes the close-on-exec ones after the new command line is already visible)
  const asleep = () => readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').startsWith('sleep') && stateOf(child.pid!) === 'S';
  expect(await waitFor(asleep, 5000)).toBe(true);
  // a descriptor the test runner itself inherited without close-on-exec may come along: count what is there
  return { pid: child.pid!, listed: readdirSync(`/proc/${child.pid}/fd`).length };
}

const paths = [['the JavaScript path', null] as const, ...(nativeAddon() ? [['the native addon', nativeAddon()] as const] : [])];

describe.each(paths)('countOpenFds through %s', (_label, addon) => {
  it('counts what /proc lists, summed over the pids', async () => {
    const a = await childWithFds(2);
    const b = await childWithFds(5);
    expect(b.listed - a.listed).toBe(3);
    expect(countOpenFds([a.pid], addon)).toBe(a.listed);
    expect(countOpenFds([b.pid], addon)).toBe(b.listed);
    expect(countOpenFds([a.pid, b.pid], addon)).toBe(a.listed + b.listed);
  });

  it('skips a pid that is gone, and answers null when none could be read', async () => {
    const a = await childWithFds(1);
    const gone = 2 ** 22 + 7; // above the largest pid Linux hands out
    expect(countOpenFds([a.pid, gone], addon)).toBe(a.listed);
    expect(countOpenFds([gone], addon)).toBeNull();
    expect(countOpenFds([], addon)).toBeNull();
  });

  it('counts several trees from one read, each as countOpenFds would', async () => {
    const a = await childWithFds(1);
    const b = await childWithFds(4);
    const gone = 2 ** 22 + 7;
    expect(countOpenFdsOfTrees([[a.pid], [], [b.pid, gone], [gone], [a.pid, b.pid]], addon)).toEqual([a.listed, null, b.listed, null, a.listed + b.listed]);
    expect(countOpenFdsOfTrees([], addon)).toEqual([]);
  });
});

it('the native addon is built here (the open-fds gauge uses it)', () => {
  expect(typeof nativeAddon()?.fdCounts).toBe('function');
});
