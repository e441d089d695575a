// The cgroup decorators. The spawner one starts a process with hard limits through JOIN_SCRIPT, so it
// is in its cgroups before its first instruction; the host one checks limits before anything is
// created, stops and reaps such a run through its cgroups, and leaves every other process to the host
// it wraps. Composed in the daemon's host: secrets → identity → cgroup placement → the real spawner.
import type { ProcessHost } from '../core/host.js';
import type { Spawner } from '../core/spawn.js';
import type { ProcessSpec } from '../core/spec.js';
import { JOIN_SCRIPT, type CgroupManager } from './cgroup.js';
import { hasCgroupLimits } from './cgroup-limits.js';
import { reapCgroup, stopCgroup } from './cgroup-stop.js';
import { spawnAll, spawnManyThrough } from '../core/spawn-many.js';

/** A spawner decorator: a process with memory_max, cpu_max or pids_max starts inside its own cgroups. */
export function cgroupSpawner(inner: Spawner, mgr: CgroupManager): Spawner {
  return {
    spawn(spec, fds) {
      if (!spec.limits || !hasCgroupLimits(spec.limits)) return inner.spawn(spec, fds);
      const cg = mgr.create(spec);
      const argv = spec.shell ? ['/bin/sh', '-c', spec.command] : [spec.command, ...spec.args];
      const files = mgr.procsFiles(cg);
      const wrapped: ProcessSpec = { ...spec, shell: false, command: '/bin/sh', args: ['-c', JOIN_SCRIPT, 'sentinel-cgroup', String(files.length), ...files, ...argv] };
      let child;
      try {
        child = inner.spawn(wrapped, fds);
      } catch (err) {
        mgr.remove(cg);
        throw err;
      }
      if (child.pid <= 0) {
        mgr.remove(cg);
        return child;
      }
      mgr.track({ pid: child.pid, startTime: child.startTime }, cg);
      return {
        pid: child.pid,
        startTime: child.startTime,
        onExit(cb) {
          child.onExit((code, signal) => {
            // read before anything is removed: the OOM count lives in the memory cgroup
            const cause = mgr.exitCause(cg, code, signal);
            if (mgr.members(cg).length === 0) mgr.remove(cg);
            cb(code, signal, cause);
          });
        },
      };
    },
    spawnMany(requests) {
      return spawnManyThrough(inner, requests, (r) => (r.spec.limits && hasCgroupLimits(r.spec.limits) ? null : r), (r) => this.spawn(r.spec, r.fds));
    },
  };
}

/** A host decorator: limits checked at create and start; a run with cgroups stopped and reaped through them. */
export function cgroupHost(inner: ProcessHost, mgr: CgroupManager): ProcessHost {
  return {
    checkSpawnable(spec) {
      inner.checkSpawnable(spec);
      if (spec.limits && hasCgroupLimits(spec.limits)) mgr.check(spec.limits);
    },
    spawn: (spec, fds) => inner.spawn(spec, fds),
    spawnMany: (requests) => spawnAll(inner, requests),
    outputSize: (fd) => inner.outputSize(fd),
    signal: (target, signal) => inner.signal(target, signal),
    isAlive: (target) => inner.isAlive(target),
    readStartTime: (pid) => inner.readStartTime(pid),
    stopTree(target, opts) {
      const cg = mgr.lookup(target);
      return cg ? stopCgroup(mgr, cg, opts) : inner.stopTree(target, opts);
    },
    reapGroup(target, signal, timeoutMs, onLater) {
      const cg = mgr.lookup(target);
      return cg ? reapCgroup(mgr, cg, signal, timeoutMs) : inner.reapGroup(target, signal, timeoutMs, onLater);
    },
  };
}
