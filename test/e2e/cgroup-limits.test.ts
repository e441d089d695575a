// Hard limits end to end: the built CLI, a real daemon, real cgroups. An OOM kill recorded as such and
// restarted by its policy; a double-forked grandchild kept in the cgroup and killed on stop; bad values
// refused with nothing started; limits from sentinel.yaml; the leftovers of a crashed daemon removed.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CgroupManager } from '../../src/isolation/cgroup.js';
import { alive, cleanupHome, cli, cliJson, FIXTURES, killPids, readPid, tempHome, waitFor } from '../helpers.js';

interface Exit { exitCode: number | null; signal: string | null; cause?: string }
interface View { name: string; pid: number | null; status: string; restarts: number; lastExit: Exit | null; reason: string | null }

let home: string;
const extra: number[] = [];
const extraFiles: string[] = [];
beforeAll(() => { home = tempHome('sn-cg-'); });
afterAll(async () => {
  await cleanupHome(home, extra);
  for (const f of extraFiles) rmSync(f, { force: true });
  // anything of this home's still in a cgroup is killed, and its cgroups removed
  const mgr = new CgroupManager(home);
  mgr.sweep([]);
  await waitFor(() => cgroupDirs(mgr).length === 0, 6000);
  for (const base of baseDirs(mgr)) {
    try {
      rmdirSync(base);
    } catch {
      /* not there */
    }
  }
});

/** This home's base directory in each hierarchy (named after SENTINEL_HOME's hash). */
function baseDirs(mgr: CgroupManager): string[] {
  const own = [...Object.values(mgr.layout.byController).map((h) => h.own), mgr.layout.unified?.own].filter((d): d is string => !!d);
  return [...new Set(own)].map((d) => path.join(d, mgr.baseName));
}

/** Every run cgroup of this home, in every hierarchy. */
function cgroupDirs(mgr = new CgroupManager(home)): string[] {
  return baseDirs(mgr).flatMap((b) => {
    try {
      return readdirSync(b, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(b, e.name));
    } catch {
      return [];
    }
  });
}

const status = async (ref: string) => (await cliJson<{ process: View; spec: { limits: Record<string, unknown> } }>(home, ['status', ref]));

describe('hard limits through the CLI and the daemon', () => {
  it('records an OOM kill as the memory limit reached, and restarts under the policy', async () => {
    const r = await cli(home, ['run', '--name', 'hog', '--memory-max', '48M', '--restart', 'always', '--no-wait', '--', process.execPath, path.join(FIXTURES, 'alloc.js')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    let view: View | undefined;
    expect(await waitFor(async () => {
      view = (await status('hog')).process;
      return view.restarts >= 1 && view.lastExit?.cause !== undefined;
    }, 20_000)).toBe(true);
    expect(view!.lastExit).toMatchObject({ signal: 'SIGKILL', cause: 'memory limit 48M reached: killed by the kernel (SIGKILL)' });
    const events = await cli(home, ['events', 'hog']);
    expect(events.stdout).toMatch(/running -> (backoff|exited) .*signal=SIGKILL\s+memory limit 48M reached: killed by the kernel \(SIGKILL\): restart/);
    const text = await cli(home, ['status', 'hog']);
    expect(text.stdout).toMatch(/Last exit: memory limit 48M reached: killed by the kernel \(SIGKILL\)/);
    expect(text.stdout).toMatch(/Cgroup: +memory 48M \(hard limits\)/);
    await cli(home, ['stop', 'hog']);
    expect(await waitFor(() => cgroupDirs().length === 0, 5000)).toBe(true);
  });

  it('keeps a double-forked grandchild in the cgroup and kills it on stop', async () => {
    const pidFile = path.join(home, 'escaped.pid');
    const r = await cli(home, ['run', '--name', 'escape', '--pids-max', '50', '--', path.join(FIXTURES, 'escape-session.sh'), pidFile]);
    expect(r.code).toBe(0);
    expect(await waitFor(() => existsSync(pidFile))).toBe(true);
    const grandchild = readPid(pidFile)!;
    extra.push(grandchild);
    const mgr = new CgroupManager(home);
    expect(readFileSync(`/proc/${grandchild}/cgroup`, 'utf8')).toContain(`/${mgr.baseName}/escape.0-`);
    expect(readFileSync(`/proc/${grandchild}/environ`, 'utf8')).not.toContain('_SENTINEL_RUN_ID');
    const stopped = await cli(home, ['stop', 'escape']);
    expect(stopped.code).toBe(0);
    expect(alive(grandchild)).toBe(false);
    expect(await waitFor(() => cgroupDirs().length === 0, 5000)).toBe(true);
  });

  it.each([
    [['--memory-max', 'abc'], /--memory-max "abc": expected a size of at least 1M, like 512M or 2G/],
    [['--cpu-max', '0'], /--cpu-max "0": expected a share of the CPU above zero: a percent of one core like 50%/],
    [['--pids-max', '-1'], /--pids-max "-1": expected a whole number of processes from 1/],
  ])('refuses %j with a clear error and starts nothing', async (flags, message) => {
    const before = (await cliJson<{ processes: View[] }>(home, ['list'])).processes.length;
    const r = await cli(home, ['run', '--name', 'bad', ...flags, '--', 'sleep', '300']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect((await cliJson<{ processes: View[] }>(home, ['list'])).processes.length).toBe(before);
    expect(cgroupDirs()).toEqual([]);
  });

  it('applies limits from sentinel.yaml and shows them in status', async () => {
    const dir = path.join(home, 'project');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'sentinel.yaml'), 'processes:\n  capped:\n    command: sleep 300\n    limits:\n      cpu_max: 50%\n      pids_max: 20\n');
    const up = await cli(home, ['up'], { cwd: dir });
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    const s = await status('capped');
    expect(s.spec.limits).toMatchObject({ cpuMax: 0.5, pidsMax: 20, memoryMaxBytes: null });
    const mine = readFileSync(`/proc/${s.process.pid}/cgroup`, 'utf8');
    const mgr = new CgroupManager(home);
    const leaf = mine.match(new RegExp(`:pids:.*/${mgr.baseName}/(capped\\.0-[^/\\n]+)`))![1];
    expect(readFileSync(path.join(mgr.layout.byController.pids!.own, mgr.baseName, leaf, 'pids.max'), 'utf8').trim()).toBe('20');
    expect(readFileSync(path.join(mgr.layout.byController.cpu!.own, mgr.baseName, leaf, 'cpu.cfs_quota_us'), 'utf8').trim()).toBe('50000');
    expect((await cli(home, ['status', 'capped'])).stdout).toMatch(/Cgroup: +cpu 50% of one core, 20 processes \(hard limits\)/);
    await cli(home, ['down'], { cwd: dir });
    expect(await waitFor(() => cgroupDirs().length === 0, 5000)).toBe(true);
  });

  it("puts a config group's members in one cgroup that holds the group's shared limits", async () => {
    const dir = path.join(home, 'grouped');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'sentinel.yaml'), [
      'groups:',
      '  team:',
      '    processes: [one, two]',
      '    limits: {memory_max: 128M, pids_max: 40}',
      'processes:',
      '  one: {command: sleep 300}',
      '  two: {command: sleep 300, limits: {cpu_max: 0.5}}',
      '',
    ].join('\n'));
    const up = await cli(home, ['up'], { cwd: dir });
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    const mgr = new CgroupManager(home);
    const groupDirs = new Set<string>();
    for (const name of ['one', 'two']) {
      const pid = (await status(name)).process.pid!;
      const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8').match(/:memory:(.*)/)![1];
      expect(line).toContain(`/${mgr.baseName}/group.team/${name}.0-`);
      groupDirs.add(path.dirname(path.join(mgr.layout.byController.memory!.mount, line)));
    }
    expect(groupDirs.size).toBe(1);
    const [groupDir] = groupDirs;
    expect(readFileSync(path.join(groupDir, 'memory.limit_in_bytes'), 'utf8').trim()).toBe(String(128 * 1024 ** 2));
    expect((await cli(home, ['status', 'two'])).stdout).toMatch(/Cgroup: +cpu 50% of one core; group team together: memory 128M, 40 processes \(hard limits\)/);
    await cli(home, ['down'], { cwd: dir });
    expect(await waitFor(() => cgroupDirs().length === 0, 5000)).toBe(true);
    expect(existsSync(groupDir)).toBe(false);
  });

  it('measures memory from the cgroup: shared memory the tree holds counts, though no process has it as RSS', async () => {
    const shm = `/dev/shm/sn-cg-test-${process.pid}`;
    extraFiles.push(shm);
    const r = await cli(home, ['run', '--name', 'shm', '--memory-max', '256M', `head -c 64M /dev/zero > ${shm} && exec sleep 300`]);
    expect(r.code).toBe(0);
    expect(await waitFor(() => existsSync(shm) && statSync(shm).size === 64 * 1024 ** 2)).toBe(true);
    const pid = (await status('shm')).process.pid!;
    const rssKb = Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)![1]);
    expect(rssKb * 1024).toBeLessThan(16 * 1024 ** 2);
    const shown = (await status('shm')).process as View & { memory: number | null };
    expect(shown.memory).toBeGreaterThanOrEqual(64 * 1024 ** 2);
    await cli(home, ['stop', 'shm']);
    rmSync(shm, { force: true });
  });

  it('after a daemon crash: keeps the cgroup of a re-adopted run, removes what an ended run left', async () => {
    const leftFile = path.join(home, 'left.pid');
    const keptFile = path.join(home, 'kept.pid');
    await cli(home, ['run', '--name', 'left', '--pids-max', '50', '--', path.join(FIXTURES, 'escape-session.sh'), leftFile]);
    await cli(home, ['run', '--name', 'kept', '--pids-max', '50', '--', path.join(FIXTURES, 'escape-session.sh'), keptFile]);
    expect(await waitFor(() => existsSync(leftFile) && existsSync(keptFile))).toBe(true);
    const leftGrandchild = readPid(leftFile)!;
    const keptGrandchild = readPid(keptFile)!;
    extra.push(leftGrandchild, keptGrandchild);
    const leftMain = (await status('left')).process.pid!;
    const keptMain = (await status('kept')).process.pid!;
    extra.push(leftMain, keptMain);
    const daemonPid = readPid(path.join(home, 'daemon.pid'))!;
    killPids([daemonPid]);
    await waitFor(() => !alive(daemonPid));
    // while no daemon watches, the main process of "left" ends; its grandchild stays in the cgroup
    killPids([leftMain]);
    await waitFor(() => !alive(leftMain));
    expect(alive(leftGrandchild)).toBe(true);
    // the next daemon (started by this command) sweeps
    const list = await cliJson<{ processes: View[] }>(home, ['list']);
    expect(list.processes.find((p) => p.name === 'kept')!.status).toBe('running');
    expect(await waitFor(() => !alive(leftGrandchild), 5000)).toBe(true);
    expect(alive(keptGrandchild)).toBe(true);
    expect(await waitFor(() => cgroupDirs().every((d) => path.basename(d).startsWith('kept.0-')), 6000)).toBe(true);
    // the adopted run is stopped through its cgroup: the escaped grandchild dies with it
    await cli(home, ['stop', 'kept']);
    expect(alive(keptGrandchild)).toBe(false);
    expect(await waitFor(() => cgroupDirs().length === 0, 5000)).toBe(true);
  });
});
