// RunOwners (src/core/run-owners.ts) over a scripted /proc: how each process gets its run, what a refresh
// reads, and what is kept of roots that ended. The real-process cases are in run-owners.test.ts.
import { describe, expect, it } from 'vitest';
import { PF, PROC_STRIDE } from '../../src/core/native.js';
import type { ProcStat } from '../../src/core/proc.js';
import { RunOwners } from '../../src/core/run-owners.js';

interface P { pid: number; inode: number; ppid: number; pgid: number; sid: number; start: number; marker?: string | null; rss?: number }

/** A /proc of its own: the list with inodes, the stats of given pids, each marker, and how many stats were read. */
function fakeProc() {
  const procs = new Map<number, P>();
  let statsRead = 0;
  const markersRead: number[] = [];
  const addon = {
    procList: () => Float64Array.from([...procs.values()].flatMap((p) => [p.pid, p.inode])),
    procStatsOf: (pids: Int32Array) => {
      const rows: number[] = [];
      for (const pid of pids) {
        const p = procs.get(pid);
        if (!p) continue;
        statsRead++;
        const row = new Array<number>(PROC_STRIDE).fill(0);
        row[PF.pid] = p.pid; row[PF.state] = 'S'.charCodeAt(0); row[PF.ppid] = p.ppid; row[PF.pgid] = p.pgid; row[PF.sid] = p.sid; row[PF.start] = p.start; row[PF.rss] = p.rss ?? 100;
        rows.push(...row);
      }
      return Float64Array.from(rows);
    },
  };
  // null: none; undefined in the script: the environment reads empty (mid-exec)
  const markerOf = (st: ProcStat) => {
    markersRead.push(st.pid);
    const p = procs.get(st.pid);
    return p && 'marker' in p ? p.marker ?? undefined : null;
  };
  const gone: string[] = [];
  const owners = new RunOwners(addon, markerOf, (pid, start) => gone.push(`${pid}:${start}`));
  let nextInode = 1000;
  return {
    owners, gone, markersRead,
    statsRead: () => statsRead,
    add(p: Omit<P, 'inode'>) {
      procs.set(p.pid, { ...p, inode: nextInode++ });
    },
    remove(pid: number) {
      procs.delete(pid);
    },
    set(pid: number, change: Partial<P>) {
      Object.assign(procs.get(pid)!, change);
    },
  };
}

const sorted = (a: number[]) => [...a].sort((x, y) => x - y);

describe('RunOwners', () => {
  it('a process is its root\'s run by registration, its parent\'s, its marker\'s, or its group leader\'s', () => {
    const f = fakeProc();
    f.add({ pid: 1, ppid: 0, pgid: 1, sid: 1, start: 1 });
    f.add({ pid: 50, ppid: 1, pgid: 50, sid: 50, start: 10 }); // the daemon
    f.add({ pid: 100, ppid: 50, pgid: 100, sid: 100, start: 20 }); // a root, its environment without the marker
    f.add({ pid: 101, ppid: 100, pgid: 100, sid: 100, start: 21 }); // its child
    f.add({ pid: 102, ppid: 1, pgid: 102, sid: 102, start: 22, marker: 'run-a' }); // escaped with the marker
    f.add({ pid: 103, ppid: 1, pgid: 100, sid: 100, start: 23 }); // an orphan left in the root's group
    f.add({ pid: 200, ppid: 50, pgid: 200, sid: 200, start: 30, marker: 'run-b' }); // another run
    f.add({ pid: 300, ppid: 1, pgid: 300, sid: 300, start: 5 }); // a stranger
    f.owners.registerRoot(100, 20, 'run-a');
    f.owners.refresh();
    expect(sorted(f.owners.candidates(100, 'run-a'))).toEqual([100, 101, 102, 103]);
    expect(f.owners.candidates(200, 'run-b')).toEqual([200]);
    // a registered root and a child of a run's process need no marker read
    expect(f.markersRead).not.toContain(100);
    expect(f.markersRead).not.toContain(101);
  });

  it('reads only what is new; a pid with a new inode is classified afresh, the one it replaced is gone', () => {
    const f = fakeProc();
    f.add({ pid: 1, ppid: 0, pgid: 1, sid: 1, start: 1 });
    f.add({ pid: 100, ppid: 1, pgid: 100, sid: 100, start: 20 });
    f.add({ pid: 101, ppid: 1, pgid: 101, sid: 101, start: 21, marker: 'run-a' });
    f.owners.registerRoot(100, 20, 'run-a');
    f.owners.refresh();
    expect(f.statsRead()).toBe(3);
    f.owners.refresh();
    expect(f.owners.lastRead).toBe(0);
    expect(f.statsRead()).toBe(3);
    // 101 ends; a stranger takes its pid (a new /proc entry: a new inode)
    f.remove(101);
    f.add({ pid: 101, ppid: 1, pgid: 101, sid: 101, start: 40 });
    f.owners.refresh();
    expect(f.owners.lastRead).toBe(1);
    expect(f.owners.candidates(100, 'run-a')).toEqual([100]);
    expect(f.gone).toEqual(['101:21']);
  });

  it('a root that ended before any refresh listed it is told gone too (what is kept of its spawn can go)', () => {
    const f = fakeProc();
    f.add({ pid: 1, ppid: 0, pgid: 1, sid: 1, start: 1 });
    f.owners.refresh();
    // registered at its spawn, ended before the next refresh: never known, never dropped
    f.owners.registerRoot(300, 50, 'run-c');
    f.owners.refresh();
    expect(f.gone).toEqual(['300:50']);
    expect(f.owners.rootCounts).toEqual({ live: 0, gone: 1 });
  });

  it('a root that ended still names its group; once its pid is taken again it no longer does', () => {
    const f = fakeProc();
    f.add({ pid: 1, ppid: 0, pgid: 1, sid: 1, start: 1 });
    f.add({ pid: 100, ppid: 1, pgid: 100, sid: 100, start: 20 });
    f.owners.registerRoot(100, 20, 'run-a');
    f.owners.refresh();
    f.remove(100);
    f.owners.refresh();
    expect(f.owners.rootCounts).toEqual({ live: 0, gone: 1 });
    // an orphan of it, listed only now, without the marker: the group it was left in names the run
    f.add({ pid: 105, ppid: 1, pgid: 100, sid: 100, start: 25 });
    f.owners.refresh();
    expect(f.owners.candidates(100, 'run-a')).toEqual(expect.arrayContaining([105]));
    // its group ends, and a stranger gets pid 100 and leads a group with it
    f.remove(105);
    f.add({ pid: 100, ppid: 1, pgid: 100, sid: 100, start: 90 });
    f.add({ pid: 106, ppid: 1, pgid: 100, sid: 100, start: 91 });
    f.owners.refresh();
    expect(f.owners.candidates(100, 'run-a')).toEqual([100]);
    expect(f.owners.rootCounts).toEqual({ live: 0, gone: 0 });
  });

  it('keeps a bounded number of ended roots (a crash loop registers one per restart): those whose group lives on, not the rest', () => {
    const f = fakeProc();
    f.add({ pid: 1, ppid: 0, pgid: 1, sid: 1, start: 1 });
    // ten roots leave an orphan behind in their group: those roots must still name it
    const leftBehind: number[] = [];
    for (let i = 0; i < 12_000; i++) {
      const pid = 1000 + (i % 30_000);
      f.add({ pid, ppid: 1, pgid: pid, sid: pid, start: 10 + i });
      f.owners.registerRoot(pid, 10 + i, `run-${i}`);
      if (i % 1000 === 0) {
        f.owners.refresh();
        const orphan = 50_000 + leftBehind.length;
        f.add({ pid: orphan, ppid: 1, pgid: pid, sid: pid, start: 10 + i });
        leftBehind.push(pid);
      }
      f.remove(pid);
    }
    f.owners.refresh();
    const counts = f.owners.rootCounts;
    expect(counts.live).toBe(0);
    // not one per restart (12,000): the ones a group or session still names, and at most the slack more
    expect(counts.gone).toBeGreaterThanOrEqual(leftBehind.length);
    expect(counts.gone).toBeLessThanOrEqual(leftBehind.length + 256);
    // a process that turns up only now in such a group (reparented to init, no marker) is still that run's
    f.add({ pid: 60_000, ppid: 1, pgid: leftBehind[0], sid: leftBehind[0], start: 99_999 });
    f.owners.refresh();
    expect(f.owners.candidates(leftBehind[0], 'run-0')).toContain(60_000);
  });

  it('ended roots kept because their groups live on do not make every later refresh scan for leaders', () => {
    const f = fakeProc();
    f.add({ pid: 1, ppid: 0, pgid: 1, sid: 1, start: 1 });
    // 400 roots end, each leaving an orphan in its group: all 400 are kept, more than the slack
    for (let i = 0; i < 400; i++) {
      const pid = 1000 + i;
      f.add({ pid, ppid: 1, pgid: pid, sid: pid, start: 10 + i });
      f.owners.registerRoot(pid, 10 + i, `run-${i}`);
      f.add({ pid: 5000 + i, ppid: 1, pgid: pid, sid: pid, start: 10 + i });
    }
    f.owners.refresh();
    for (let i = 0; i < 400; i++) f.remove(1000 + i);
    f.owners.refresh();
    expect(f.owners.rootCounts.gone).toBe(400);
    const prunesAfterKept = f.owners.prunes;
    // a crash loop: roots that start and end, one a refresh, leaving nothing behind
    const endOneRootPerRefresh = (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const pid = 20_000 + i;
        f.add({ pid, ppid: 1, pgid: pid, sid: pid, start: 1000 + i });
        f.owners.registerRoot(pid, 1000 + i, `loop-${i}`);
        f.owners.refresh();
        f.remove(pid);
        f.owners.refresh();
      }
    };
    expect(prunesAfterKept).toBe(1);
    // a hundred more refreshes with one root ending in each: below the slack again, no further scan
    endOneRootPerRefresh(0, 100);
    expect(f.owners.prunes).toBe(prunesAfterKept);
    // past the slack beyond what was kept, the ended leaderless ones go, the kept 400 stay
    endOneRootPerRefresh(100, 400);
    expect(f.owners.prunes).toBe(prunesAfterKept + 1);
    expect(f.owners.rootCounts.gone).toBeLessThanOrEqual(400 + 256);
    expect(f.owners.rootCounts.gone).toBeGreaterThanOrEqual(400);
  });

  it('a process whose environment reads empty (mid-exec) is read again at the next refreshes, then taken as having none', () => {
    const f = fakeProc();
    f.add({ pid: 1, ppid: 0, pgid: 1, sid: 1, start: 1 });
    f.add({ pid: 100, ppid: 1, pgid: 100, sid: 100, start: 20 });
    f.add({ pid: 101, ppid: 1, pgid: 101, sid: 101, start: 21, marker: undefined }); // escaped, in the middle of an exec
    f.add({ pid: 102, ppid: 1, pgid: 102, sid: 102, start: 22, marker: undefined, rss: 0 }); // no memory: a kernel thread
    f.owners.registerRoot(100, 20, 'run-a');
    f.owners.refresh();
    expect(f.owners.candidates(100, 'run-a')).toEqual([100]);
    expect(f.markersRead).not.toContain(102);
    // the exec is done: its environment has the marker
    f.set(101, { marker: 'run-a' });
    f.owners.refresh();
    expect(f.owners.lastRead).toBe(1);
    expect(sorted(f.owners.candidates(100, 'run-a'))).toEqual([100, 101]);
    // one that keeps reading empty is read a few times, then no more
    f.add({ pid: 103, ppid: 1, pgid: 103, sid: 103, start: 23, marker: undefined });
    for (let i = 0; i < 6; i++) f.owners.refresh();
    expect(f.markersRead.filter((pid) => pid === 103).length).toBe(4);
    f.owners.refresh();
    expect(f.owners.lastRead).toBe(0);
  });

  it('a root registered with another run than it was classified in: everything is classified again', () => {
    const f = fakeProc();
    f.add({ pid: 1, ppid: 0, pgid: 1, sid: 1, start: 1 });
    f.add({ pid: 100, ppid: 1, pgid: 100, sid: 100, start: 20 });
    f.add({ pid: 101, ppid: 100, pgid: 101, sid: 101, start: 21 });
    f.owners.refresh();
    expect(f.owners.candidates(100, 'run-a')).toEqual([100]);
    const epoch = f.owners.epoch;
    f.owners.registerRoot(100, 20, 'run-a');
    expect(f.owners.epoch).toBe(epoch + 1);
    f.owners.refresh();
    expect(sorted(f.owners.candidates(100, 'run-a'))).toEqual([100, 101]);
    // registering it again changes nothing
    f.owners.registerRoot(100, 20, 'run-a');
    expect(f.owners.epoch).toBe(epoch + 1);
  });
});
