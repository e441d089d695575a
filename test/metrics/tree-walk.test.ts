// The top-down tree walk (children files) against the sweep of /proc it stands in for in run's answer.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { sampleTrees, scanProcesses } from '../../src/metrics/proc-tree.js';
import { walkTrees } from '../../src/metrics/tree-walk.js';
import { UsageSampler } from '../../src/daemon/metrics.js';
import { killedAfterEach, waitFor } from '../helpers.js';

// each shell leads its own group (detached): the group goes with it
const started = killedAfterEach({ groups: true });

/** A shell with two children and a grandchild, once all of them run. */
async function smallTree(): Promise<number> {
  const sh = spawn('sh', ['-c', 'sleep 60 & sh -c "sleep 60 & wait" & wait'], { stdio: 'ignore', detached: true });
  started.push(sh.pid!);
  const members = () => sampleTrees([sh.pid!], scanProcesses()).get(sh.pid!)?.pids.length ?? 0;
  expect(await waitFor(() => members() === 4)).toBe(true);
  return sh.pid!;
}

it('finds the same members as a sweep of /proc, and nothing for a pid that is gone', async () => {
  const root = await smallTree();
  const walked = walkTrees([root]);
  expect(walked).not.toBeNull();
  const swept = sampleTrees([root], scanProcesses()).get(root)!;
  expect([...walked!.keys()].sort()).toEqual([...swept.pids].sort());
  expect(sampleTrees([root], walked!).get(root)!.pids.length).toBe(4);
  expect(walkTrees([2 ** 22 + 1])!.size).toBe(0);
});

it('sampleStarted gives a started tree the figures sample gives it', async () => {
  const root = await smallTree();
  const swept = new UsageSampler().sample([root]).get(root)!;
  const walked = new UsageSampler().sampleStarted([root]).get(root)!;
  expect(walked.pids).toBe(swept.pids);
  // the same processes: the same resident memory, give or take a page moving meanwhile
  expect(Math.abs(walked.memoryBytes! - swept.memoryBytes!)).toBeLessThan(1024 * 1024);
  expect(walked.cpuPercent).not.toBeNull();
  expect(readFileSync(`/proc/${root}/stat`, 'utf8')).toContain(`(sh)`);
});
