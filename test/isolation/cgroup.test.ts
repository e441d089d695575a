// Hard limits on the real kernel: the cgroup manager and spawner decorator with real processes in real
// cgroups (v1 memory, cpu and pids here, plus the v2 tree for cgroup.kill). No mocks: a memory hog is
// OOM-killed, a CPU burner throttled, a fork bomb stopped at pids.max. Every cgroup made is removed and
// every process killed by pid.
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CgroupManager, type Cgroup } from '../../src/isolation/cgroup.js';
import { readKeyed } from '../../src/isolation/cgroup-fs.js';
import { cgroupHost, cgroupSpawner } from '../../src/isolation/cgroup-spawner.js';
import { parseCpuMax, parseMemoryMax, parsePidsMax, formatMemoryMax } from '../../src/isolation/cgroup-limits.js';
import { stopCgroup } from '../../src/isolation/cgroup-stop.js';
import { realSpawner, type ChildHandle } from '../../src/core/spawn.js';
import { createRealHost } from '../../src/core/real-host.js';
import { emptySections, DEFAULTS, DEFAULT_RESTART_POLICY, type LimitsSection, type ProcessSpec } from '../../src/core/spec.js';
import { alive, FIXTURES, killPids, ROOT, waitFor } from '../helpers.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'sn-cgroup-'));
const home = path.join(scratch, 'home');
const started: number[] = [];
const made: Array<{ mgr: CgroupManager; cg: Cgroup }> = [];

afterEach(() => {
  killPids(started.splice(0));
});
afterAll(async () => {
  // every cgroup this file made is gone (removed by the code under test, or here as a last resort)
  for (const { mgr, cg } of made) {
    mgr.kill(cg);
    await waitFor(() => mgr.remove(cg), 3000);
  }
  rmSync(scratch, { recursive: true, force: true });
});

function spec(name: string, argv: string[], limits: Partial<LimitsSection>): ProcessSpec {
  const sections = emptySections();
  return {
    name, command: argv[0], args: argv.slice(1), shell: false, cwd: scratch,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SENTINEL_INSTANCE: '0' },
    group: null, restart: DEFAULT_RESTART_POLICY, stopSignal: 'SIGTERM', stopTimeoutMs: 2000, startWaitMs: 0, port: null,
    logMaxBytes: DEFAULTS.logMaxBytes, logKeep: 1, ...sections, limits: { ...sections.limits, ...limits },
  };
}

interface Run { child: ChildHandle; cg: Cgroup; exit: Promise<{ code: number | null; signal: string | null; cause?: string }>; out: string }

function start(mgr: CgroupManager, s: ProcessSpec): Run {
  const out = path.join(scratch, `${s.name}-${Date.now()}.out`);
  const fd = openSync(out, 'a');
  const child = cgroupSpawner(realSpawner, mgr).spawn(s, { stdout: fd, stderr: fd });
  closeSync(fd);
  started.push(child.pid);
  const cg = mgr.lookup({ pid: child.pid, startTime: child.startTime })!;
  made.push({ mgr, cg });
  const exit = new Promise<{ code: number | null; signal: string | null; cause?: string }>((r) => child.onExit((code, signal, cause) => r({ code, signal, cause })));
  return { child, cg, exit, out };
}

describe('limit values', () => {
  it('reads sizes, CPU shares and process counts the way people write them', () => {
    expect(parseMemoryMax('512M')).toBe(512 * 1024 ** 2);
    expect(parseMemoryMax('1.5G')).toBe(1.5 * 1024 ** 3);
    expect(parseCpuMax('50%')).toBe(0.5);
    expect(parseCpuMax('1.5')).toBe(1.5);
    expect(parseCpuMax('150%')).toBe(1.5);
    expect(parsePidsMax('100')).toBe(100);
    expect(formatMemoryMax(512 * 1024 ** 2)).toBe('512M');
  });

  it('refuses bad values with what was wrong and an example', () => {
    expect(() => parseMemoryMax('abc')).toThrow(/--memory-max "abc": expected a size of at least 1M, like 512M/);
    expect(() => parseMemoryMax('512')).toThrow(/at least 1M/); // 512 bytes: a forgotten unit
    expect(() => parseCpuMax('0')).toThrow(/--cpu-max "0": expected a share of the CPU above zero/);
    expect(() => parseCpuMax('fast')).toThrow(/like 50%/);
    expect(() => parsePidsMax('-1')).toThrow(/--pids-max "-1": expected a whole number of processes from 1/);
    expect(() => parsePidsMax('1.5')).toThrow(/whole number/);
  });
});

describe('cgroups on this machine', () => {
  it('finds the memory, cpu and pids controllers and the v2 tree', () => {
    const layout = new CgroupManager(home).layout;
    expect(layout.byController.memory, 'no memory controller: this test needs a machine with cgroups (see README, Resource limits)').toBeDefined();
    expect(layout.byController.cpu).toBeDefined();
    expect(layout.byController.pids).toBeDefined();
    // the daemon's own memory cgroup is where children go, not the hierarchy's root
    const self = readFileSync('/proc/self/cgroup', 'utf8').match(/:memory:(.*)/)![1];
    expect(layout.byController.memory!.own).toBe(path.join(layout.byController.memory!.mount, self));
  });

  it('refuses a limit whose controller is missing (a v2 tree without it), creating nothing', () => {
    const mounts = path.join(scratch, 'mounts');
    const v2 = readFileSync('/proc/self/mounts', 'utf8').split('\n').filter((l) => l.split(' ')[2] === 'cgroup2');
    expect(v2.length).toBe(1);
    writeFileSync(mounts, `${v2[0]}\n`);
    const mgr = new CgroupManager(home, { mountsFile: mounts });
    const host = cgroupHost(createRealHost(realSpawner), mgr);
    const s = spec('nomem', ['sleep', '30'], { memoryMaxBytes: 64 * 1024 ** 2 });
    expect(() => host.checkSpawnable(s)).toThrow(/memory_max \(--memory-max\) needs the memory cgroup controller, which this machine does not give the daemon \(the cgroup v2 tree at \/sys\/fs\/cgroup\/unified offers [^;]*, and no cgroup v1 memory hierarchy is mounted\); enable the controller/);
    expect(() => mgr.create(s)).toThrow(/needs the memory cgroup controller/);
    expect(existsSync(path.join(mgr.layout.unified!.own, mgr.baseName))).toBe(false);
    // a process without limits is not its business
    expect(() => host.checkSpawnable(spec('plain', ['sleep', '30'], {}))).not.toThrow();
  });
});

describe('without the rights to create cgroups', () => {
  it('a daemon that is not root (and has no delegated cgroup) refuses a limit, creating nothing', () => {
    // the built module, run by a real unprivileged user: the kernel's own permission check answers
    const dist = path.join(ROOT, 'dist/isolation/cgroup.js');
    expect(existsSync(dist), 'run npm run build first').toBe(true);
    const script = `import(${JSON.stringify(dist)}).then(({ CgroupManager }) => {
      try { new CgroupManager('/tmp/sn-unprivileged-home').check({ memoryMaxBytes: 64 << 20, cpuMax: null, pidsMax: null }); console.log('accepted'); }
      catch (e) { console.log(e.code + ': ' + e.message); }
    });`;
    const r = spawnSync(process.execPath, ['-e', script], { uid: 65534, gid: 65534, encoding: 'utf8', cwd: '/' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toMatch(/^PERMISSION_DENIED: memory_max \(--memory-max\) needs write access to the daemon's memory cgroup \/sys\/fs\/cgroup\/memory\/.* \(EACCES\); run the daemon as root or in a delegated cgroup of its own \(systemd: Delegate=yes\), or remove the limit$/);
  });
});

describe('limits enforced by the kernel', () => {
  it('OOM-kills a tree past memory_max and says so', async () => {
    const mgr = new CgroupManager(home);
    const run = start(mgr, spec('hog', [process.execPath, path.join(FIXTURES, 'alloc.js')], { memoryMaxBytes: 48 * 1024 ** 2 }));
    const exit = await run.exit;
    expect(exit.signal).toBe('SIGKILL');
    expect(exit.cause).toBe('memory limit 48M reached: killed by the kernel (SIGKILL)');
    expect(readFileSync(run.out, 'utf8')).toMatch(/allocated \d+ MB/);
    // empty once the process is gone: removed at its exit
    expect(Object.values(run.cg.dirs).every((d) => !existsSync(d))).toBe(true);
  });

  it('does not blame the memory limit for an ordinary exit', async () => {
    const mgr = new CgroupManager(home);
    const run = start(mgr, spec('small', [process.execPath, path.join(FIXTURES, 'alloc.js'), '8'], { memoryMaxBytes: 256 * 1024 ** 2 }));
    await waitFor(() => readFileSync(run.out, 'utf8').includes('holding'));
    process.kill(run.child.pid, 'SIGTERM');
    const exit = await run.exit;
    expect(exit.signal).toBe('SIGTERM');
    expect(exit.cause).toBeUndefined();
  });

  it('throttles a CPU burner to its quota', async () => {
    const mgr = new CgroupManager(home);
    const run = start(mgr, spec('burn', ['sh', '-c', 'while :; do :; done'], { cpuMax: 0.1 }));
    const usage0 = mgr.usage(run.cg).cpuNs!;
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 2000));
    const stat = readKeyed(path.join(run.cg.dirs.cpu!, 'cpu.stat'));
    const share = (mgr.usage(run.cg).cpuNs! - usage0) / 1e6 / (Date.now() - t0);
    console.log(`cpu_max 10%: ${stat.nr_throttled} of ${stat.nr_periods} periods throttled, ${Math.round(stat.throttled_time / 1e6)} ms held back, ${Math.round(share * 1000) / 10}% of a core used`);
    expect(readFileSync(path.join(run.cg.dirs.cpu!, 'cpu.cfs_quota_us'), 'utf8').trim()).toBe('10000');
    expect(stat.nr_throttled).toBeGreaterThan(0);
    expect(stat.throttled_time).toBeGreaterThan(0);
    await stopCgroup(mgr, run.cg, { signal: 'SIGTERM', timeoutMs: 2000, force: false, exited: run.exit });
    expect(alive(run.child.pid)).toBe(false);
  });

  it('stops a fork bomb at pids_max, and the stop takes its orphans too', async () => {
    const mgr = new CgroupManager(home);
    const result = path.join(scratch, 'forks.txt');
    const run = start(mgr, spec('bomb', [path.join(FIXTURES, 'fork-n.sh'), '40', result], { pidsMax: 8 }));
    expect(await waitFor(() => existsSync(result) && readFileSync(result, 'utf8').includes('failed'))).toBe(true);
    const [, ok, failed] = readFileSync(result, 'utf8').match(/started (\d+) failed (\d+)/)!.map(Number);
    expect(ok + failed).toBe(40);
    expect(failed).toBeGreaterThan(0);
    expect(ok).toBeLessThan(8);
    expect(readKeyed(path.join(run.cg.dirs.pids!, 'pids.events')).max).toBeGreaterThan(0);
    const members = mgr.members(run.cg);
    expect(members.length).toBeGreaterThan(1); // the sleeps, reparented away from the tree
    started.push(...members);
    const r = await stopCgroup(mgr, run.cg, { signal: 'SIGTERM', timeoutMs: 2000, force: false, exited: run.exit });
    expect(r.survivors).toEqual([]);
    expect(members.filter(alive)).toEqual([]);
    expect(Object.values(run.cg.dirs).every((d) => !existsSync(d))).toBe(true);
  });

  it('keeps a double-forked grandchild in its own session (and without the run marker) in the cgroup, and kills it on stop', async () => {
    const mgr = new CgroupManager(home);
    const pidFile = path.join(scratch, 'escaped.pid');
    const run = start(mgr, spec('escape', [path.join(FIXTURES, 'escape-session.sh'), pidFile], { pidsMax: 50 }));
    expect(await waitFor(() => existsSync(pidFile))).toBe(true);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    started.push(grandchild);
    const stat = readFileSync(`/proc/${grandchild}/stat`, 'utf8').slice(readFileSync(`/proc/${grandchild}/stat`, 'utf8').lastIndexOf(')') + 2).split(' ');
    expect(Number(stat[3])).toBe(grandchild); // its own session
    expect(readFileSync(`/proc/${grandchild}/environ`, 'utf8')).not.toContain('_SENTINEL_RUN_ID');
    expect(mgr.members(run.cg)).toContain(grandchild);
    // SIGTERM is ignored by nothing here; force the cgroup.kill path anyway
    const r = await stopCgroup(mgr, run.cg, { signal: 'SIGTERM', timeoutMs: 0, force: true, exited: run.exit });
    expect(r.survivors).toEqual([]);
    expect(await waitFor(() => !alive(grandchild), 3000)).toBe(true);
  });

  it("shares a group's limits among its members: one group cgroup holds all their trees", async () => {
    const mgr = new CgroupManager(home);
    const group = { name: 'team', memoryMaxBytes: null, cpuMax: null, pidsMax: 6 };
    const firstOut = path.join(scratch, 'team-first.txt');
    const secondOut = path.join(scratch, 'team-second.txt');
    const first = start(mgr, spec('first', [path.join(FIXTURES, 'fork-n.sh'), '3', firstOut], { group }));
    expect(await waitFor(() => existsSync(firstOut))).toBe(true);
    expect(readFileSync(firstOut, 'utf8')).toContain('started 3 failed 0');
    const second = start(mgr, spec('second', [path.join(FIXTURES, 'fork-n.sh'), '10', secondOut], { group }));
    expect(await waitFor(() => existsSync(secondOut))).toBe(true);
    // first holds 4 of the 6 (itself and 3 sleeps): second, with no limit of its own, gets what is left
    const [, ok, failed] = readFileSync(secondOut, 'utf8').match(/started (\d+) failed (\d+)/)!.map(Number);
    expect(ok).toBeLessThanOrEqual(1);
    expect(failed).toBeGreaterThanOrEqual(9);
    const groupDir = path.dirname(first.cg.dirs.pids!);
    expect(path.basename(groupDir)).toBe('group.team');
    expect(path.dirname(second.cg.dirs.pids!)).toBe(groupDir);
    expect(readFileSync(path.join(groupDir, 'pids.max'), 'utf8').trim()).toBe('6');
    started.push(...mgr.members(first.cg), ...mgr.members(second.cg));
    await stopCgroup(mgr, second.cg, { signal: 'SIGTERM', timeoutMs: 2000, force: false, exited: second.exit });
    expect(existsSync(groupDir)).toBe(true); // first is still in it
    await stopCgroup(mgr, first.cg, { signal: 'SIGTERM', timeoutMs: 2000, force: false, exited: first.exit });
    expect(existsSync(groupDir)).toBe(false);
  });

  it("says when the group's shared memory limit was the one reached", async () => {
    const mgr = new CgroupManager(home);
    const group = { name: 'mem', memoryMaxBytes: 48 * 1024 ** 2, cpuMax: null, pidsMax: null };
    const run = start(mgr, spec('grouphog', [process.execPath, path.join(FIXTURES, 'alloc.js')], { memoryMaxBytes: 512 * 1024 ** 2, group }));
    const exit = await run.exit;
    expect(exit.signal).toBe('SIGKILL');
    expect(exit.cause).toBe('memory limit 48M of group mem reached: killed by the kernel (SIGKILL)');
  });

  it('a daemon starting again kills and removes what a crashed one left, and adopts the cgroups of live runs', async () => {
    const first = new CgroupManager(home);
    const pidFile = path.join(scratch, 'left.pid');
    const orphaned = start(first, spec('left', [path.join(FIXTURES, 'escape-session.sh'), pidFile], { pidsMax: 50 }));
    const kept = start(first, spec('kept', ['sleep', '300'], { memoryMaxBytes: 64 * 1024 ** 2 }));
    expect(await waitFor(() => existsSync(pidFile))).toBe(true);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    started.push(grandchild);
    // the main process ends while no daemon watches: its grandchild stays in the cgroup
    process.kill(orphaned.child.pid, 'SIGKILL');
    await orphaned.exit;
    expect(first.members(orphaned.cg)).toEqual([grandchild]);

    const next = new CgroupManager(home);
    expect(next.baseName).toBe(first.baseName);
    const swept = next.sweep([kept.child.pid]);
    expect(swept.adopted).toEqual([kept.cg.name]);
    expect(swept.removed).toEqual([orphaned.cg.name]);
    expect(await waitFor(() => !alive(grandchild), 3000)).toBe(true);
    expect(await waitFor(() => Object.values(orphaned.cg.dirs).every((d) => !existsSync(d)), 6000)).toBe(true);
    // the adopted run is known again, with its limit read back from the kernel
    const adopted = next.lookup({ pid: kept.child.pid, startTime: kept.child.startTime })!;
    expect(adopted.limits.memoryMaxBytes).toBe(64 * 1024 ** 2);
    await stopCgroup(next, adopted, { signal: 'SIGTERM', timeoutMs: 2000, force: false, exited: kept.exit });
    expect(Object.values(kept.cg.dirs).every((d) => !existsSync(d))).toBe(true);
  });
});
