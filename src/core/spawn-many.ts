// Starting many children in one call through the chain of spawners (secrets, identity, cgroups, containers,
// nix, the real one). At the end of the chain the real spawner starts them from a few threads (native
// spawnMany): a bulk start of 1000 spent 4.4 s of its 6.8 s with the event loop waiting in posix_spawn,
// one child's exec at a time. A decorator routes each request: the ones it leaves as they are (or only
// changes) go on in the batch, the ones it must start its own way it starts alone, with spawn.
import type { ChildHandle, Spawned, SpawnRequest } from './host.js';
import type { Spawner } from './spawn.js';

/** Every request started, through spawnMany when the spawner has it, else one spawn each; a throw is that request's answer only. */
export function spawnAll(spawner: Pick<Spawner, 'spawn' | 'spawnMany'>, requests: SpawnRequest[]): Spawned[] {
  if (spawner.spawnMany) return spawner.spawnMany(requests);
  return requests.map((r) => spawnOne(() => spawner.spawn(r.spec, r.fds)));
}

function spawnOne(spawn: () => ChildHandle): Spawned {
  try {
    return spawn();
  } catch (error) {
    return { error };
  }
}

/**
 * A decorator's spawnMany: `route` gives the request to pass on to `inner`'s batch (the same, or changed),
 * or null for one the decorator starts itself, through `alone`.
 */
export function spawnManyThrough(
  inner: Spawner,
  requests: SpawnRequest[],
  route: (request: SpawnRequest) => SpawnRequest | null,
  alone: (request: SpawnRequest) => ChildHandle,
): Spawned[] {
  const out: Spawned[] = new Array(requests.length);
  const passed: number[] = [];
  const onward: SpawnRequest[] = [];
  requests.forEach((r, i) => {
    let next: SpawnRequest | null;
    try {
      next = route(r);
    } catch (error) {
      out[i] = { error };
      return;
    }
    if (next === null) out[i] = spawnOne(() => alone(r));
    else {
      passed.push(i);
      onward.push(next);
    }
  });
  spawnAll(inner, onward).forEach((s, k) => (out[passed[k]] = s));
  return out;
}

/** Whether a batch's answer is a started child (a child whose pid is -1 failed the way spawn reports it). */
export function isChild(s: Spawned): s is ChildHandle {
  return !('error' in s);
}
