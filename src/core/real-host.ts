// The real OS behind the ProcessHost port: today's spawner chain, /proc and kill(2).
import { randomUUID } from 'node:crypto';
import { closeSync, fstatSync } from 'node:fs';
import type { ProcessHost } from './host.js';
import { reapGroup, rememberRunMarker, RUN_MARKER, signalProcess, stopTree } from './kill-tree.js';
import { isAlive, readStartTime } from './proc.js';
import { checkSpawnable, realSpawner, type Spawner } from './spawn.js';
import { isChild, spawnAll } from './spawn-many.js';

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
        // a marker of this run in the child's environment: what it starts is found again at the stop,
        // even after a double fork into a session of its own (see kill-tree.ts)
        const token = randomUUID();
        const child = spawner.spawn({ ...spec, env: { ...spec.env, [RUN_MARKER]: token } }, fds);
        if (child.pid > 0) rememberRunMarker({ pid: child.pid, startTime: child.startTime }, token);
        child.runMarker = token;
        return child;
      } finally {
        closeSync(fds.stdout);
        closeSync(fds.stderr);
      }
    },
    spawnMany(requests) {
      try {
        const tokens = requests.map(() => randomUUID());
        const spawned = spawnAll(spawner, requests.map((r, i) => ({ spec: { ...r.spec, env: { ...r.spec.env, [RUN_MARKER]: tokens[i] } }, fds: r.fds })));
        spawned.forEach((child, i) => {
          if (!isChild(child)) return;
          if (child.pid > 0) rememberRunMarker({ pid: child.pid, startTime: child.startTime }, tokens[i]);
          child.runMarker = tokens[i];
        });
        return spawned;
      } finally {
        // a close that fails must not lose the answer: the children it names are started
        for (const r of requests) {
          closeQuietly(r.fds.stdout);
          closeQuietly(r.fds.stderr);
        }
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

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    /* not open: nothing to release */
  }
}
