import { afterAll, describe, expect, it } from 'vitest';
import { CpuTracker, isZombie, parseStat, readProcState, sampleTrees, scanProcesses, getPageSize } from '../../src/metrics/index.js';
import { readStartTime } from '../../src/core/proc.js';
import { killTrees, sleep, spawnTree, until } from './helpers.js';

afterAll(() => killTrees());

describe('parseStat', () => {
  it('counts fields from the last paren, so odd command names parse', () => {
    const line = '4242 (we ird) (x)) S 17 4242 4242 0 -1 4194560 100 0 0 0 250 50 7 3 20 0 1 0 98765 1000000 300 18446744073709551615';
    const stat = parseStat(line)!;
    expect(stat).toMatchObject({ pid: 4242, ppid: 17, state: 'S', cpuTicks: 310, startTime: 98765 });
    expect(stat.rssBytes).toBe(300 * getPageSize());
    expect(parseStat('garbage')).toBeNull();
  });
});

describe('sampleTrees', () => {
  it('sums a real tree: root and every descendant, from one scan', async () => {
    const root = spawnTree('sleep 60 & (sleep 60 & sleep 60; :) & wait');
    const tree = await until(() => {
      const t = sampleTrees([root]).get(root);
      return t && t.pids.length >= 5 ? t : null;
    });
    expect(tree.pids[0]).toBe(root);
    expect(tree.pids.length).toBe(5); // sh, sleep, subshell, its two sleeps
    expect(tree.rssBytes).toBeGreaterThan(5 * 100 * 1024);
    const scan = scanProcesses();
    for (const pid of tree.pids) expect(scan.has(pid)).toBe(true);
    expect(sampleTrees([root, 999_999_999]).has(999_999_999)).toBe(false);
  });

  it('gives CPU % over an interval for a busy tree', async () => {
    const busy = spawnTree('(while :; do :; done) & wait');
    const idle = spawnTree('sleep 60 & wait');
    const tracker = new CpuTracker();
    expect(tracker.update(sampleTrees([busy, idle]), Date.now()).size).toBe(0);
    await sleep(1000);
    const pct = tracker.update(sampleTrees([busy, idle]), Date.now());
    expect(pct.get(busy)).toBeGreaterThan(10); // a spinning shell loop; generous for a loaded machine
    expect(pct.get(busy)).toBeLessThan(250);
    expect(pct.get(idle)).toBeLessThan(5);
  });
});

describe('CpuTracker', () => {
  it('turns tick deltas into percent of one core and forgets vanished roots', () => {
    const t = new CpuTracker();
    t.update(new Map([[1, { cpuTicks: 1000 }], [2, { cpuTicks: 50 }]]), 10_000);
    const p = t.update(new Map([[1, { cpuTicks: 1150 }], [2, { cpuTicks: 40 }]]), 12_000);
    expect(p.get(1)).toBe(75); // 1.5 s of CPU in 2 s
    expect(p.get(2)).toBe(0); // ticks going down (a child left the tree) never go negative
    expect(t.update(new Map([[2, { cpuTicks: 40 }]]), 13_000).get(2)).toBe(0);
    expect(t.update(new Map([[1, { cpuTicks: 2000 }]]), 14_000).has(1)).toBe(false); // 1 was forgotten
  });
});

describe('process identity and state', () => {
  it('reads start time, stopped state and zombies', async () => {
    const pid = spawnTree('sleep 0.2 & exec sleep 60');
    const start = readStartTime(pid);
    expect(start).toBeGreaterThan(0);
    expect(readStartTime(pid)).toBe(start);
    // the backgrounded sleep exits; its parent (now `sleep 60`) never waits, so it stays a zombie
    const zombie = await until(() => sampleTrees([pid]).get(pid)?.pids.find((p) => p !== pid && isZombie(p)));
    expect(readProcState(zombie)).toBe('Z');
    expect(isZombie(pid)).toBe(false);
    process.kill(pid, 'SIGSTOP');
    await until(() => readProcState(pid) === 'T');
    expect(readProcState(pid)).toBe('T');
    process.kill(pid, 'SIGCONT');
    expect(readStartTime(999_999_999)).toBeNull();
    expect(isZombie(999_999_999)).toBe(false);
  });
});
