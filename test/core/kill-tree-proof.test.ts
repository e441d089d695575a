// Which processes a stop or a reap may signal, decided from a /proc snapshot: the root is proven by its
// start time, and a root pid now owned by a stranger never drags the stranger (or its group) in.
import { describe, expect, it } from 'vitest';
import { ownTree } from '../../src/core/kill-tree.js';
import type { ProcStat } from '../../src/core/proc.js';

const st = (pid: number, ppid: number, pgid: number, sid: number, startTime: number): ProcStat =>
  ({ pid, ppid, pgid, sid, startTime, state: 'S', utime: 0, stime: 0, rssPages: 0 });

const pids = (t: { members: ProcStat[] }) => t.members.map((s) => s.pid).sort((a, b) => a - b);

describe('ownTree', () => {
  it('the root with its start time: the root, its group and its descendants', () => {
    const stats = [st(100, 1, 100, 100, 50), st(101, 100, 100, 100, 51), st(102, 101, 102, 102, 52), st(200, 1, 200, 200, 9)];
    const tree = ownTree({ pid: 100, startTime: 50 }, stats);
    expect(pids(tree)).toEqual([100, 101, 102]);
    expect(tree.group).toBe(true);
  });

  it('a recycled root that leads a group of that id: nothing is ours', () => {
    const stats = [st(100, 1, 100, 100, 999), st(101, 100, 100, 100, 1000)];
    expect(ownTree({ pid: 100, startTime: 50 }, stats)).toEqual({ members: [], group: false });
  });

  it('a recycled root in another group: our leftovers are found, the stranger and its children are not', () => {
    const stats = [st(100, 7, 7, 7, 999), st(103, 100, 7, 7, 1001), st(101, 1, 100, 100, 51)];
    const tree = ownTree({ pid: 100, startTime: 50 }, stats);
    expect(pids(tree)).toEqual([101]);
    expect(tree.group).toBe(true);
  });

  it('the root gone and no member left: no group signal', () => {
    expect(ownTree({ pid: 100, startTime: 50 }, [st(200, 1, 200, 200, 9)])).toEqual({ members: [], group: false });
  });
});
