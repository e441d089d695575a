// Stopping a run that has cgroups: its cgroups are its tree. Every member gets the stop signal (and
// whatever it forks meanwhile, on the next poll); after the timeout the whole cgroup is killed at once
// (cgroup.kill on the v2 tree, else SIGKILL to each member until none is left). The same rules as
// kill-tree.ts: the stop ends when the main process has exited and nothing of the run is left.
import type { StopTreeOptions, StopTreeResult } from '../core/host.js';
import type { Cgroup, CgroupManager } from './cgroup.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function stopCgroup(
  mgr: CgroupManager,
  cg: Cgroup,
  opts: StopTreeOptions & { pollMs?: number; killWaitMs?: number },
): Promise<StopTreeResult> {
  const pollMs = opts.pollMs ?? 20;
  let mainDone = false;
  void opts.exited.then(() => { mainDone = true; });
  const tick = () => Promise.race([sleep(pollMs), mainDone ? new Promise(() => {}) : opts.exited]);
  const finish = (result: StopTreeResult) => {
    if (!mgr.remove(cg)) mgr.removeSoon(cg);
    return result;
  };
  if (!opts.force) {
    const signalled = new Set<number>();
    const signalNew = () => {
      for (const pid of mgr.members(cg)) {
        if (signalled.has(pid)) continue;
        signalled.add(pid);
        for (const sig of [opts.signal, 'SIGCONT'] as const) {
          try {
            process.kill(pid, sig);
          } catch {
            /* gone meanwhile */
          }
        }
      }
    };
    signalNew();
    const deadline = Date.now() + opts.timeoutMs;
    for (;;) {
      if (mainDone) {
        if (mgr.members(cg).length === 0) return finish({ forceKilled: false, survivors: [] });
        signalNew();
      }
      if (Date.now() >= deadline) break;
      await tick();
    }
  }
  const deadline = Date.now() + (opts.killWaitMs ?? 5000);
  for (;;) {
    const left = mgr.members(cg);
    if (mainDone && left.length === 0) return finish({ forceKilled: !opts.force, survivors: [] });
    if (Date.now() >= deadline) return finish({ forceKilled: !opts.force, survivors: left });
    mgr.kill(cg);
    await tick();
  }
}

/**
 * What a run that ended on its own left in its cgroups: the stop signal now, the whole cgroup killed
 * after the timeout, the cgroups removed once empty. Returns how many processes were left.
 */
export function reapCgroup(mgr: CgroupManager, cg: Cgroup, signal: NodeJS.Signals, timeoutMs: number): number {
  const left = mgr.members(cg);
  if (left.length === 0) {
    if (!mgr.remove(cg)) mgr.removeSoon(cg);
    return 0;
  }
  mgr.signal(cg, signal);
  mgr.signal(cg, 'SIGCONT');
  setTimeout(() => {
    if (mgr.members(cg).length > 0) mgr.kill(cg);
    mgr.removeSoon(cg);
  }, timeoutMs).unref();
  return left.length;
}
