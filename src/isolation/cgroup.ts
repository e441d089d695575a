// Hard resource limits through cgroups: each run of a process with a limit gets a cgroup of its own in
// every hierarchy it needs (memory, cpu, pids; cpuacct and the v2 tree for figures and cgroup.kill).
//
// Why this is safe: the child joins its cgroups before its first instruction (spawn.ts starts it through
// JOIN_SCRIPT, a shell that writes its own pid into each cgroup.procs and then execs the command), so
// everything the tree ever forks, double-forked daemons in new sessions included, is born inside and
// cannot leave (only root can move a process, and the cgroup files are the daemon's). Membership is then
// the proof of ownership that kill-tree.ts otherwise builds from pids, start times and run markers.
// The cgroups are created under the daemon's own cgroup in each hierarchy (v2's one-writer rule), in a
// directory named after SENTINEL_HOME's hash, so a second daemon with another home never touches them
// and what a crashed daemon left is found again (sweep) and removed.
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { SentinelError } from '../core/errors.js';
import type { ProcessTarget } from '../core/host.js';
import { describeExit } from '../core/restart-policy.js';
import type { LimitsSection, ProcessSpec } from '../core/spec.js';
import {
  detectLayout, readKeyed, readNumber, readProcs, readWords, removeDir, writeValue,
  type CgroupLayout, type Controller, type DetectOptions, type Hierarchy,
} from './cgroup-fs.js';
import { formatMemoryMax } from './cgroup-limits.js';
import { sweepCgroups } from './cgroup-sweep.js';

export type HardLimits = Pick<LimitsSection, 'memoryMaxBytes' | 'cpuMax' | 'pidsMax'>;

export type Dirs = Partial<Record<Controller | 'unified', string>>;

/** The cgroups of one run. */
export interface Cgroup {
  /** The leaf's path below this home's directory, the same in every hierarchy: [group.GROUP/]NAME.INSTANCE-RUN. */
  name: string;
  /** Its directory in each hierarchy it was placed in ("unified": the v2 tree). */
  dirs: Dirs;
  limits: HardLimits;
  /** The group cgroup the leaf sits in, whose limits all the group's members share. */
  group?: { name: string; limits: HardLimits; dirs: Dirs };
}

/** Run by /bin/sh as `sh -c JOIN_SCRIPT sentinel-cgroup N FILE1..FILEN COMMAND ARGS...`. */
export const JOIN_SCRIPT = 'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ 2>/dev/null >"$1" || { echo "sentinel: could not join the cgroup $1" >&2; exit 125; }; shift; n=$((n - 1)); done; exec "$@"';

const FLAGS: Record<'memory' | 'cpu' | 'pids', string> = { memory: 'memory_max (--memory-max)', cpu: 'cpu_max (--cpu-max)', pids: 'pids_max (--pids-max)' };
const GROUP_PREFIX = 'group.';
const CFS_PERIOD_US = 100_000;

const keyOf = (t: ProcessTarget) => `${t.pid}:${t.startTime ?? ''}`;

function errnoOf(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ?? String(err);
}

/** The controllers a set of limits needs (with its group's). */
function needed(limits: HardLimits & { group?: HardLimits | null }): Array<'memory' | 'cpu' | 'pids'> {
  const out: Array<'memory' | 'cpu' | 'pids'> = [];
  const g = limits.group;
  if (limits.memoryMaxBytes != null || g?.memoryMaxBytes != null) out.push('memory');
  if (limits.cpuMax != null || g?.cpuMax != null) out.push('cpu');
  if (limits.pidsMax != null || g?.pidsMax != null) out.push('pids');
  return out;
}

const hardOf = (l: HardLimits): HardLimits => ({ memoryMaxBytes: l.memoryMaxBytes, cpuMax: l.cpuMax, pidsMax: l.pidsMax });

export interface CgroupManagerOptions extends DetectOptions {
  /** Told about what the sweep did and about cgroups that could not be removed. */
  log?: (message: string) => void;
}

export class CgroupManager {
  /** The directory under the daemon's own cgroup that holds this home's cgroups. */
  readonly baseName: string;
  private layoutCache: CgroupLayout | null = null;
  private readonly tracked = new Map<string, Cgroup>();

  constructor(home: string, private readonly opts: CgroupManagerOptions = {}) {
    let real = home;
    try {
      real = realpathSync(home);
    } catch {
      /* not created yet: its name then */
    }
    this.baseName = `sentinel-${createHash('sha256').update(real).digest('hex').slice(0, 12)}`;
  }

  /** Read once: where the daemon sits does not change while it runs (it only moves itself at most once, below). */
  get layout(): CgroupLayout {
    this.layoutCache ??= detectLayout(this.opts);
    return this.layoutCache;
  }

  /** Rejects, before anything starts, limits this machine (or this daemon's rights) cannot enforce. */
  check(limits: HardLimits & { group?: HardLimits | null }): void {
    for (const c of needed(limits)) {
      const h = this.layout.byController[c];
      if (!h) throw this.unavailable(c);
      try {
        accessSync(h.own, constants.W_OK);
      } catch (err) {
        throw new SentinelError(
          'PERMISSION_DENIED',
          `${FLAGS[c]} needs write access to the daemon's ${c} cgroup ${h.own} (${errnoOf(err)}); run the daemon as root or in a delegated cgroup of its own (systemd: Delegate=yes), or remove the limit`,
        );
      }
    }
  }

  private unavailable(c: 'memory' | 'cpu' | 'pids'): SentinelError {
    const u = this.layout.unified;
    const v2 = u ? `the cgroup v2 tree at ${u.own} offers ${u.controllers.length ? u.controllers.join(', ') : 'no controllers'}` : 'no cgroup v2 tree is mounted';
    return new SentinelError(
      'CGROUP_UNAVAILABLE',
      `${FLAGS[c]} needs the ${c} cgroup controller, which this machine does not give the daemon (${v2}, and no cgroup v1 ${c} hierarchy is mounted); enable the controller (or delegate it to the daemon's cgroup) or remove the limit`,
    );
  }

  /** Creates the cgroups of a run and writes its limits; nothing is left behind when it fails. */
  create(spec: ProcessSpec): Cgroup {
    this.check(spec.limits);
    const run = (spec.env._SENTINEL_RUN_ID ?? Math.random().toString(16).slice(2)).replace(/[^A-Za-z0-9]/g, '').slice(0, 8);
    const leaf = `${spec.name}.${spec.env.SENTINEL_INSTANCE ?? '0'}-${run}`;
    const g = spec.limits.group;
    const cg: Cgroup = { name: g ? `${GROUP_PREFIX}${g.name}/${leaf}` : leaf, dirs: {}, limits: hardOf(spec.limits) };
    if (g) cg.group = { name: g.name, limits: hardOf(g), dirs: {} };
    const wanted = new Set(needed(spec.limits));
    try {
      // the limits' controllers must work; the others (figures, memory's OOM count, cgroup.kill) are a bonus
      for (const c of ['memory', 'cpu', 'pids', 'cpuacct'] as const) {
        const h = this.layout.byController[c];
        if (!h) continue;
        const dir = this.leafDir(h, c, cg.name, wanted.has(c as 'memory'));
        if (dir) cg.dirs[c] = dir;
      }
      const u = this.layout.unified;
      if (u) {
        // a v2 controller's leaf is already the run's place in the v2 tree
        const inV2 = (['memory', 'cpu', 'pids'] as const).find((c) => this.layout.byController[c] === u && cg.dirs[c]);
        const dir = inV2 ? cg.dirs[inV2]! : this.leafDir(u, null, cg.name, false);
        if (dir) cg.dirs.unified = dir;
      }
      if (cg.group) {
        for (const [role, dir] of Object.entries(cg.dirs)) cg.group.dirs[role as Controller] = path.dirname(dir);
        // each member's start writes the group's current limits: a changed config applies at the next start
        this.writeLimits(cg.group.dirs, cg.group.limits, `groups.${cg.group.name}.limits.`);
      }
      this.writeLimits(cg.dirs, cg.limits, '');
    } catch (err) {
      this.remove(cg);
      throw err;
    }
    return cg;
  }

  /** mkdir of the leaf in one hierarchy (v2: with the controller enabled on the way); null when optional and impossible. */
  private leafDir(h: Hierarchy, c: Controller | null, name: string, required: boolean): string | null {
    const base = path.join(h.own, this.baseName);
    const dir = path.join(base, name);
    if (existsSync(dir)) return dir;
    try {
      if (h.version === 2 && c !== null) this.enableV2(h, c, base, path.dirname(dir));
      else mkdirSync(path.dirname(dir), { recursive: true });
      mkdirSync(dir);
      return dir;
    } catch (err) {
      if (!required) return null;
      if (err instanceof SentinelError) throw err;
      throw new SentinelError('PERMISSION_DENIED', `could not create the cgroup ${dir} (${errnoOf(err)}); run the daemon as root or in a delegated cgroup of its own, or remove the limit`);
    }
  }

  /**
   * cgroup v2 hands a controller down only through cgroup.subtree_control, and only a cgroup without
   * processes of its own may hand one down. A daemon alone in its (delegated) cgroup moves itself into a
   * leaf beside the processes' cgroups, as the design of v2 asks; one sharing it with others cannot.
   */
  private enableV2(h: Hierarchy, c: Controller, base: string, parent: string): void {
    const enable = (dir: string) => {
      const current = readWords(path.join(dir, 'cgroup.subtree_control'));
      if (!current.includes(c)) writeValue(dir, 'cgroup.subtree_control', `+${c}`);
    };
    try {
      enable(h.own);
    } catch (err) {
      if (errnoOf(err) !== 'EBUSY') throw err;
      const others = readProcs(h.own).filter((p) => p !== process.pid);
      if (others.length > 0) {
        throw new SentinelError(
          'CGROUP_UNAVAILABLE',
          `${FLAGS[c as 'memory']} needs the ${c} controller below the daemon's cgroup ${h.own}, which also holds other processes (${others.slice(0, 5).join(', ')}); cgroup v2 lets a cgroup with processes hand no controller down, so run the daemon in a cgroup of its own (systemd: Delegate=yes) or remove the limit`,
        );
      }
      const leaf = path.join(h.own, `${this.baseName}.daemon`);
      mkdirSync(leaf, { recursive: true });
      writeValue(leaf, 'cgroup.procs', String(process.pid));
      enable(h.own);
    }
    mkdirSync(base, { recursive: true });
    enable(base);
    if (parent !== base) {
      mkdirSync(parent, { recursive: true });
      enable(parent);
    }
  }

  /** Writes a set of limits into cgroups (`key` names them in errors: "" for a process's own, "groups.G.limits." for its group's). */
  private writeLimits(dirs: Dirs, limits: HardLimits, key: string): void {
    const { memoryMaxBytes, cpuMax, pidsMax } = limits;
    const write = (c: 'memory' | 'cpu' | 'pids', file: string, value: string) => {
      const dir = dirs[c];
      if (!dir) throw this.unavailable(c);
      try {
        writeValue(dir, file, value);
      } catch (err) {
        throw new SentinelError('CGROUP_UNAVAILABLE', `could not set ${key ? `${key}${FLAGS[c].split(' ')[0]}` : FLAGS[c]}: writing ${value} to ${path.join(dir, file)} failed (${errnoOf(err)})`);
      }
    };
    const v = (c: Controller) => this.layout.byController[c]?.version;
    if (memoryMaxBytes != null) {
      write('memory', v('memory') === 2 ? 'memory.max' : 'memory.limit_in_bytes', String(memoryMaxBytes));
      // no swap past the limit, so that it is the tree's real ceiling (when swap is accounted at all)
      const swap = v('memory') === 2 ? 'memory.swap.max' : 'memory.memsw.limit_in_bytes';
      if (existsSync(path.join(dirs.memory!, swap))) write('memory', swap, v('memory') === 2 ? '0' : String(memoryMaxBytes));
    }
    if (cpuMax != null) {
      const quota = Math.max(1000, Math.round(cpuMax * CFS_PERIOD_US));
      if (v('cpu') === 2) write('cpu', 'cpu.max', `${quota} ${CFS_PERIOD_US}`);
      else {
        write('cpu', 'cpu.cfs_period_us', String(CFS_PERIOD_US));
        write('cpu', 'cpu.cfs_quota_us', String(quota));
      }
    }
    if (pidsMax != null) write('pids', 'pids.max', String(pidsMax));
  }

  /** The cgroup.procs files the child writes its pid into (the v2 tree first: cgroup.kill sees it soonest). */
  procsFiles(cg: Cgroup): string[] {
    const dirs = [...new Set([cg.dirs.unified, ...Object.values(cg.dirs)].filter((d): d is string => d !== undefined))];
    return dirs.map((d) => path.join(d, 'cgroup.procs'));
  }

  /** The processes of a run, from every hierarchy it is in. */
  members(cg: Cgroup): number[] {
    const all = new Set<number>();
    for (const dir of new Set(Object.values(cg.dirs))) for (const pid of readProcs(dir)) all.add(pid);
    return [...all];
  }

  track(target: ProcessTarget, cg: Cgroup): void {
    this.tracked.set(keyOf(target), cg);
  }

  lookup(target: ProcessTarget): Cgroup | undefined {
    return this.tracked.get(keyOf(target));
  }

  /** Sends a signal to every process of the run. */
  signal(cg: Cgroup, signal: NodeJS.Signals): number {
    const pids = this.members(cg);
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        /* gone meanwhile */
      }
    }
    return pids.length;
  }

  /** SIGKILL to the whole run at once: cgroup.kill where the kernel has it (no fork escapes it), else each member. */
  kill(cg: Cgroup): void {
    const u = cg.dirs.unified;
    if (u && existsSync(path.join(u, 'cgroup.kill'))) {
      try {
        writeValue(u, 'cgroup.kill', '1');
      } catch {
        /* gone meanwhile */
      }
    }
    this.signal(cg, 'SIGKILL');
  }

  /** Removes the run's cgroups once they are empty; true when nothing is left (then it is forgotten). */
  remove(cg: Cgroup): boolean {
    let gone = true;
    for (const [, dir] of Object.entries(cg.dirs)) {
      if (dir && !removeDir(dir)) gone = false;
    }
    if (gone) {
      for (const [k, v] of this.tracked) if (v === cg) this.tracked.delete(k);
      // the group's cgroup when this was its last member, then the base when it was the last of this home
      for (const dir of new Set(Object.values(cg.group?.dirs ?? {}))) removeDir(dir);
      for (const dir of new Set(Object.values(cg.dirs))) removeDir(path.join(path.dirname(dir), cg.group ? '..' : ''));
    }
    return gone;
  }

  /** Reports something about cgroups to the daemon's log. */
  log(message: string): void {
    this.opts.log?.(message);
  }

  /** Tries `remove` a few times while what was killed finishes dying. */
  removeSoon(cg: Cgroup, attempts = 50, everyMs = 100): void {
    if (this.remove(cg) || attempts <= 0) {
      if (attempts <= 0) this.opts.log?.(`cgroup ${cg.name} still holds processes (${this.members(cg).join(', ')}); it is removed at the next daemon start`);
      return;
    }
    setTimeout(() => this.removeSoon(cg, attempts - 1, everyMs), everyMs).unref();
  }

  /** How many processes of the run the kernel's OOM killer ended. */
  oomKills(cg: Cgroup): number {
    const dir = cg.dirs.memory;
    if (!dir) return 0;
    if (this.layout.byController.memory?.version === 2) return readKeyed(path.join(dir, 'memory.events')).oom_kill ?? 0;
    const control = readKeyed(path.join(dir, 'memory.oom_control'));
    if (control.oom_kill !== undefined) return control.oom_kill;
    // kernels before 4.13 do not count kills: a failed charge is the best sign there is
    return (readNumber(path.join(dir, 'memory.failcnt')) ?? 0) > 0 ? 1 : 0;
  }

  /** Why a run ended, when its memory limit (or its group's) had a part in it; undefined otherwise. */
  exitCause(cg: Cgroup, code: number | null, signal: string | null): string | undefined {
    const own = cg.limits.memoryMaxBytes;
    const shared = cg.group?.limits.memoryMaxBytes ?? null;
    if (own == null && shared == null) return undefined;
    const kills = this.oomKills(cg);
    if (kills === 0) return undefined;
    // the run's own limit when its own cgroup hit it, else the one its group shares
    const ownHit = own != null && (shared == null || this.hitLimit(cg.dirs.memory));
    const limit = ownHit ? `memory limit ${formatMemoryMax(own!)}` : `memory limit ${formatMemoryMax(shared!)} of group ${cg.group!.name}`;
    if (signal === 'SIGKILL' || (signal === null && code === 137)) return `${limit} reached: killed by the kernel (SIGKILL)`;
    return `${describeExit({ exitCode: code, signal })} after the ${limit} was reached (the kernel killed ${kills} process${kills === 1 ? '' : 'es'} of its tree)`;
  }

  /** Whether a memory cgroup's own limit was reached (not only an ancestor's). */
  private hitLimit(dir: string | undefined): boolean {
    if (!dir) return false;
    if (this.layout.byController.memory?.version === 2) return (readKeyed(path.join(dir, 'memory.events.local')).max ?? readKeyed(path.join(dir, 'memory.events')).max ?? 0) > 0;
    return (readNumber(path.join(dir, 'memory.failcnt')) ?? 0) > 0;
  }

  /** CPU time (ns) and memory in use (bytes, page cache that can be dropped left out) of a run. */
  usage(cg: Cgroup): { cpuNs: number | null; memoryBytes: number | null } {
    let cpuNs: number | null = null;
    if (cg.dirs.cpuacct) cpuNs = readNumber(path.join(cg.dirs.cpuacct, 'cpuacct.usage'));
    else if (cg.dirs.unified) {
      const usec = readKeyed(path.join(cg.dirs.unified, 'cpu.stat')).usage_usec;
      cpuNs = usec === undefined ? null : usec * 1000;
    }
    let memoryBytes: number | null = null;
    const mem = cg.dirs.memory;
    if (mem) {
      const v2 = this.layout.byController.memory?.version === 2;
      const used = readNumber(path.join(mem, v2 ? 'memory.current' : 'memory.usage_in_bytes'));
      const stat = readKeyed(path.join(mem, 'memory.stat'));
      const inactive = (v2 ? stat.inactive_file : stat.total_inactive_file) ?? 0;
      memoryBytes = used === null ? null : Math.max(0, used - inactive);
    }
    return { cpuNs, memoryBytes };
  }

  /** The figures of the run whose main process is `pid`, if it has cgroups of ours. */
  usageOfPid(pid: number): { cpuNs: number | null; memoryBytes: number | null } | null {
    for (const [key, cg] of this.tracked) if (key.startsWith(`${pid}:`)) return this.usage(cg);
    return null;
  }

  /** Daemon start, after recovery: adopts the cgroups of live runs, kills and removes the rest (cgroup-sweep.ts). */
  sweep(livePids: number[]): { adopted: string[]; removed: string[] } {
    return sweepCgroups(this, livePids);
  }
}
