// The managed-trees scanner (src/metrics/tree-scan.ts) against the full /proc sweep it replaces for the
// metrics: the same trees, while the processes outside them are read once and then skipped.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeAddon } from '../../src/core/native.js';
import { sampleTrees, scanProcesses } from '../../src/metrics/proc-tree.js';
import { TreeScanner, RECLASSIFY_EVERY } from '../../src/metrics/tree-scan.js';
import { waitFor } from '../helpers.js';

const started: ChildProcess[] = [];
const start = (script: string) => {
  const c = spawn('sh', ['-c', script], { stdio: 'ignore', detached: true });
  started.push(c);
  return c.pid!;
};
afterAll(() => {
  for (const c of started) {
    try {
      process.kill(-c.pid!, 'SIGKILL'); // each was started as its own process group
    } catch { /* gone */ }
  }
});

const treePids = (pid: number, stats = scanProcesses()) => [...(sampleTrees([pid], stats).get(pid)?.pids ?? [])].sort();

describe('TreeScanner', () => {
  it('the native addon has the list and per-pid reads', () => {
    const addon = nativeAddon();
    expect(typeof addon?.procList).toBe('function');
    expect(typeof addon?.procStatsOf).toBe('function');
    expect(() => addon!.procStatsOf([1] as unknown as Int32Array)).toThrow(/Int32Array/);
  });

  it('returns the roots and their descendants only, the same trees as a full sweep', async () => {
    const root = start('sleep 30 & sleep 30 & wait');
    const other = start('sleep 30 & wait');
    await waitFor(() => treePids(root).length === 3 && treePids(other).length === 2, 5000, 20);
    const scanner = new TreeScanner();
    const stats = scanner.scan([root]);
    expect([...stats.keys()].sort()).toEqual(treePids(root));
    expect(stats.has(other)).toBe(false);
    // what is outside is remembered: the machine's other processes, the unrelated tree among them
    expect(scanner.outsideCount).toBeGreaterThan(0);
    const again = scanner.scan([root]);
    expect([...again.keys()].sort()).toEqual(treePids(root));
    expect(again.get(root)!.startTime).toBe(stats.get(root)!.startTime);
  });

  it('a child forked after the first scan is found; a process known to be outside is read once it is a root', async () => {
    // sh, `sleep 30` and `sleep 1`; a second later `sleep 1` is gone and `sleep 31` is new
    const root = start('sleep 30 & sleep 1; sleep 31 & wait');
    const other = start('sleep 30 & wait');
    await waitFor(() => treePids(root).length === 3 && treePids(other).length === 2, 5000, 20);
    const scanner = new TreeScanner();
    const first = [...scanner.scan([root]).keys()].sort();
    expect(first).toEqual(treePids(root));
    await waitFor(() => treePids(root).length === 3 && treePids(root).some((pid) => !first.includes(pid)), 5000, 20);
    const later = [...scanner.scan([root]).keys()].sort();
    expect(later).toEqual(treePids(root));
    expect(later.filter((pid) => !first.includes(pid))).toHaveLength(1);
    // `other` was outside; as a root it is read, with its child
    expect([...scanner.scan([root, other]).keys()].sort()).toEqual([...treePids(root), ...treePids(other)].sort());
  });

  it('forgets what is outside every RECLASSIFY_EVERY scans', () => {
    const scanner = new TreeScanner();
    scanner.scan([]);
    const outside = scanner.outsideCount;
    expect(outside).toBeGreaterThan(0); // with no root, every process is outside
    for (let i = 2; i < RECLASSIFY_EVERY; i++) scanner.scan([]);
    expect(scanner.outsideCount).toBeGreaterThan(0);
    scanner.scan([]); // the RECLASSIFY_EVERY-th: cleared, then classified again
    expect(scanner.outsideCount).toBeGreaterThan(0);
    expect(scanner.outsideCount).toBeLessThan(outside + 200);
  });
});
