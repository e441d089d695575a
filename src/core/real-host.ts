// The real OS behind the ProcessHost port: today's spawner chain, /proc and kill(2).
import { closeSync, fstatSync } from 'node:fs';
import type { ProcessHost } from './host.js';
import { reapGroup, signalProcess, stopTree } from './kill-tree.js';
import { isAlive, readStartTime } from './proc.js';
import { checkSpawnable, realSpawner, type Spawner } from './spawn.js';

/**
 * A host over `spawner`: the end of the decorator chain (secrets today; identity, cgroups later), so
 * everything that starts a process through this host — managed processes and schedule runs — gets
 * every decorator.
 */
export function createRealHost(spawner: Spawner = realSpawner): ProcessHost {
  return {
    checkSpawnable,
    spawn(spec, fds) {
      try {
        return spawner.spawn(spec, fds);
      } finally {
        closeSync(fds.stdout);
        closeSync(fds.stderr);
      }
    },
    outputSize: (fd) => fstatSync(fd).size,
    signal: (target, signal) => signalProcess(target, signal),
    isAlive: (target) => isAlive(target.pid, target.startTime),
    readStartTime,
    stopTree,
    reapGroup,
  };
}
