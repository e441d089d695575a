// Which processes a stop or a reap may signal once the root is gone: its group and session only when a
// member carries proof (the run marker), processes that escaped into a session of their own only by the
// run's own marker and only when they started after the root; never a stranger that got the root's PID.
import { describe, expect, it } from 'vitest';
import { ownTree, type Proof } from '../../src/core/kill-tree.js';
import type { ProcStat } from '../../src/core/proc.js';

const st = (pid: number, ppid: number, pgid: number, sid: number, startTime: number): ProcStat =>
  ({ pid, ppid, pgid, sid, startTime, state: 'S', utime: 0, stime: 0, rssPages: 0 });

const pids = (t: { members: ProcStat[] }) => t.members.map((s) => s.pid).sort((a, b) => a - b);
const marked = (...ours: number[]): Proof => {
  const mine = (s: ProcStat) => ours.includes(s.pid);
  return { group: mine, escaped: mine };
};

describe('ownTree with a proof', () => {
  it('a living root proves its group; an escaped process with the marker and its children are found', () => {
    const stats = [st(100, 1, 100, 100, 50), st(101, 100, 100, 100, 51), st(150, 1, 150, 150, 52), st(151, 150, 150, 150, 53), st(200, 1, 200, 200, 60)];
    const tree = ownTree({ pid: 100, startTime: 50 }, stats, marked(150));
    expect(pids(tree)).toEqual([100, 101, 150, 151]);
    expect(tree.group).toBe(true);
  });

  it('the root gone: its group is ours when a member carries the marker (a TERM handler child)', () => {
    const stats = [st(101, 1, 100, 100, 51), st(102, 1, 100, 100, 52)];
    expect(pids(ownTree({ pid: 100, startTime: 50 }, stats, marked(102)))).toEqual([101, 102]);
  });

  it('the root gone and its PID free: a group of that id with no proof is a stranger\'s whose leader exited', () => {
    const stats = [st(101, 1, 100, 100, 900)];
    expect(ownTree({ pid: 100, startTime: 50 }, stats, marked())).toEqual({ members: [], group: false });
  });

  it('a marked process older than the root is not ours (the marker cannot be trusted before the run)', () => {
    const stats = [st(100, 1, 100, 100, 50), st(40, 1, 40, 40, 10)];
    expect(pids(ownTree({ pid: 100, startTime: 50 }, stats, marked(40)))).toEqual([100]);
  });

  it('a recycled root leading its group: nothing of the group, though escaped processes of ours still are', () => {
    const stats = [st(100, 1, 100, 100, 999), st(101, 100, 100, 100, 1000), st(150, 1, 150, 150, 60)];
    const tree = ownTree({ pid: 100, startTime: 50 }, stats, marked(150));
    expect(pids(tree)).toEqual([150]);
    expect(tree.group).toBe(false);
  });
});
