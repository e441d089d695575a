// Daemon start: the cgroups this home's earlier daemon left. One that holds a process still supervised
// (re-adopted) is that run's again, with its limits read back from the kernel; any other one holds what
// a run whose main process ended while no daemon watched left behind, so it is killed and removed.
// Only this home's directory is read: the cgroups of another home (another daemon) are never touched.
import path from 'node:path';
import { readStartTime } from '../core/proc.js';
import { childCgroups, readNumber, readWords, removeDir, type Controller, type Hierarchy } from './cgroup-fs.js';
import type { Cgroup, CgroupManager, Dirs, HardLimits } from './cgroup.js';

const GROUP_PREFIX = 'group.';
const V1_UNLIMITED = 2 ** 62;
const none = (): HardLimits => ({ memoryMaxBytes: null, cpuMax: null, pidsMax: null });

export function sweepCgroups(mgr: CgroupManager, livePids: number[]): { adopted: string[]; removed: string[] } {
  const out = { adopted: [] as string[], removed: [] as string[] };
  const runs = new Map<string, Cgroup>();
  const groupDirs = new Set<string>();
  const layout = mgr.layout;
  const places: Array<[Controller | 'unified', Hierarchy]> = [
    ...(Object.entries(layout.byController) as Array<[Controller, Hierarchy]>),
    ...(layout.unified ? [['unified', layout.unified] as [Controller | 'unified', Hierarchy]] : []),
  ];
  const add = (role: Controller | 'unified', dir: string, name: string, group: string | null) => {
    const cg = runs.get(name) ?? { name, dirs: {}, limits: none(), ...(group ? { group: { name: group, limits: none(), dirs: {} } } : {}) };
    cg.dirs[role] = dir;
    if (cg.group) cg.group.dirs[role] = path.dirname(dir);
    runs.set(name, cg);
  };
  for (const [role, h] of places) {
    const base = path.join(h.own, mgr.baseName);
    for (const name of childCgroups(base)) {
      if (name === `${mgr.baseName}.daemon`) continue;
      if (!name.startsWith(GROUP_PREFIX)) {
        add(role, path.join(base, name), name, null);
        continue;
      }
      groupDirs.add(path.join(base, name));
      for (const leaf of childCgroups(path.join(base, name))) add(role, path.join(base, name, leaf), `${name}/${leaf}`, name.slice(GROUP_PREFIX.length));
    }
  }
  const live = new Set(livePids);
  for (const cg of runs.values()) {
    const members = mgr.members(cg);
    const owner = members.find((p) => live.has(p));
    if (owner !== undefined) {
      cg.limits = readLimits(mgr, cg.dirs);
      if (cg.group) cg.group.limits = readLimits(mgr, cg.group.dirs);
      mgr.track({ pid: owner, startTime: readStartTime(owner) }, cg);
      out.adopted.push(cg.name);
      continue;
    }
    if (members.length > 0) {
      mgr.log(`cgroup ${cg.name} of an ended run still held ${members.length} processes (${members.join(', ')}): killed`);
      mgr.kill(cg);
    }
    out.removed.push(cg.name);
    mgr.removeSoon(cg);
  }
  // a group's cgroup without members left
  for (const dir of groupDirs) removeDir(dir);
  return out;
}

/** The limits written in existing cgroups (an adopted run's, or its group's). */
function readLimits(mgr: CgroupManager, dirs: Dirs): HardLimits {
  const v = (c: Controller) => mgr.layout.byController[c]?.version;
  const at = (c: Controller, file: string) => (dirs[c] ? readNumber(path.join(dirs[c]!, file)) : null);
  const mem = at('memory', v('memory') === 2 ? 'memory.max' : 'memory.limit_in_bytes');
  let cpu: number | null = null;
  if (dirs.cpu && v('cpu') === 2) {
    const [q, p] = readWords(path.join(dirs.cpu, 'cpu.max'));
    if (/^\d+$/.test(q ?? '') && Number(p) > 0) cpu = Number(q) / Number(p);
  } else {
    const q = at('cpu', 'cpu.cfs_quota_us');
    const p = at('cpu', 'cpu.cfs_period_us');
    if (q !== null && p) cpu = q / p;
  }
  return { memoryMaxBytes: mem !== null && mem < V1_UNLIMITED ? mem : null, cpuMax: cpu, pidsMax: at('pids', 'pids.max') };
}
