// Where the cgroup controllers are on this machine, read from the kernel: the mounted hierarchies
// (/proc/self/mounts) and the daemon's own place in each (/proc/self/cgroup). A machine may have cgroup
// v2 only, v1 only, or both ("hybrid": v1 controllers plus a v2 tree with none, as here). A controller
// the v2 tree offers is taken from it; otherwise from its v1 hierarchy.
import { readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The controllers Sentinel uses: three enforce limits, cpuacct (v1) only measures. */
export type Controller = 'memory' | 'cpu' | 'pids' | 'cpuacct';

export interface Hierarchy {
  version: 1 | 2;
  /** Where it is mounted. */
  mount: string;
  /** The directory of the daemon's own cgroup in it (children are created under it). */
  own: string;
  /** v1: the controllers bound to it; v2: the ones the daemon's cgroup offers (cgroup.controllers). */
  controllers: string[];
}

export interface CgroupLayout {
  /** The hierarchy that serves each controller; absent when none does. */
  byController: Partial<Record<Controller, Hierarchy>>;
  /** The v2 tree, with or without controllers: cgroup.kill and cgroup.events live there. */
  unified: Hierarchy | null;
}

export interface DetectOptions {
  /** The mount table to read (default /proc/self/mounts). */
  mountsFile?: string;
  /** The cgroup membership to read (default /proc/self/cgroup). */
  cgroupFile?: string;
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** Mount points encode spaces and the like as octal escapes (\040). */
function unescapeMount(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Reads the hierarchies this process can use; missing files give an empty layout (no cgroups here). */
export function detectLayout(opts: DetectOptions = {}): CgroupLayout {
  const mounts = readText(opts.mountsFile ?? '/proc/self/mounts') ?? '';
  const membership = readText(opts.cgroupFile ?? '/proc/self/cgroup') ?? '';
  // "4:memory:/a/b", "2:cpu,cpuacct:/", "0::/x"
  const ownV1 = new Map<string, string>();
  let ownV2: string | null = null;
  for (const line of membership.split('\n')) {
    const m = line.match(/^(\d+):([^:]*):(.*)$/);
    if (!m) continue;
    if (m[1] === '0' && m[2] === '') ownV2 = m[3];
    else for (const c of m[2].split(',')) ownV1.set(c, m[3]);
  }
  const layout: CgroupLayout = { byController: {}, unified: null };
  const v1: Hierarchy[] = [];
  for (const line of mounts.split('\n')) {
    const [, dir, type, options] = line.split(' ');
    if (type === 'cgroup2' && ownV2 !== null && layout.unified === null) {
      const mount = unescapeMount(dir);
      const own = path.join(mount, ownV2).replace(/(.)\/$/, '$1');
      const controllers = (readText(path.join(own, 'cgroup.controllers')) ?? '').trim().split(/\s+/).filter(Boolean);
      layout.unified = { version: 2, mount, own, controllers };
    } else if (type === 'cgroup' && options) {
      const controllers = options.split(',').filter((o) => ownV1.has(o) && !o.startsWith('name='));
      if (controllers.length === 0) continue;
      const mount = unescapeMount(dir);
      v1.push({ version: 1, mount, own: path.join(mount, ownV1.get(controllers[0])!).replace(/(.)\/$/, '$1'), controllers });
    }
  }
  for (const c of ['memory', 'cpu', 'pids', 'cpuacct'] as const) {
    if (c !== 'cpuacct' && layout.unified?.controllers.includes(c)) layout.byController[c] = layout.unified;
    else {
      const h = v1.find((x) => x.controllers.includes(c));
      if (h) layout.byController[c] = h;
    }
  }
  return layout;
}

/** The pids in a cgroup (its cgroup.procs); empty when it is gone. */
export function readProcs(dir: string): number[] {
  const text = readText(path.join(dir, 'cgroup.procs'));
  if (!text) return [];
  return text.split('\n').filter(Boolean).map(Number);
}

/** A "key value" file (memory.events, cpu.stat, memory.stat, memory.oom_control) as numbers. */
export function readKeyed(file: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (readText(file) ?? '').split('\n')) {
    const [k, v] = line.split(' ');
    if (k && v !== undefined && /^\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

/** One number from a cgroup file ("max" and unreadable files give null). */
export function readNumber(file: string): number | null {
  const text = readText(file)?.trim();
  return text && /^\d+$/.test(text) ? Number(text) : null;
}

/** The words of a small cgroup file ("memory pids", "50000 100000"). */
export function readWords(file: string): string[] {
  return (readText(file) ?? '').trim().split(/\s+/).filter(Boolean);
}

export function writeValue(dir: string, file: string, value: string): void {
  writeFileSync(path.join(dir, file), value);
}

/** rmdir that says whether the directory is gone (an already missing one is). */
export function removeDir(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** The child cgroups of a directory (names only). */
export function childCgroups(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}
