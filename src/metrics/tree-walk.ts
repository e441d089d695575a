// The stats of one process tree read from the top down: /proc/PID/task/TID/children names every child a
// thread forked, so a tree is found without a sweep of /proc. What `run` answers about the process it has
// just started needs nothing else; the TreeScanner's sweep reads every managed tree (100 `sleep`s: 100
// stat files) to show one. A process cannot move into the tree (an orphan goes to init or a subreaper,
// the daemon, never to a descendant), so the walk misses nothing a sweep at the same moment would find.
// Null where the kernel has no children files (built without CONFIG_PROC_CHILDREN): sweep instead.
import fs from 'node:fs';
import { readStat, type ProcStat } from './proc-tree.js';

/** A bound on the walk: a fork bomb under a just-started process is not read to the end here. */
const MAX_MEMBERS = 10_000;

function childrenOf(pid: number): number[] | null {
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return []; // gone meanwhile: no children
  }
  const out: number[] = [];
  for (const tid of tids) {
    let text: string;
    try {
      text = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && fs.existsSync(`/proc/${pid}/task/${tid}`)) return null;
      continue; // the thread ended meanwhile
    }
    for (const word of text.split(' ')) if (word) out.push(Number(word));
  }
  return out;
}

/** Each root's stats and its descendants', by pid; a root that is gone is absent. Null: no children files. */
export function walkTrees(roots: readonly number[]): Map<number, ProcStat> | null {
  const stats = new Map<number, ProcStat>();
  const stack = [...roots];
  while (stack.length > 0 && stats.size < MAX_MEMBERS) {
    const pid = stack.pop()!;
    if (stats.has(pid)) continue;
    const stat = readStat(pid);
    if (!stat) continue;
    stats.set(pid, stat);
    const kids = childrenOf(pid);
    if (kids === null) return null;
    stack.push(...kids);
  }
  return stats;
}
