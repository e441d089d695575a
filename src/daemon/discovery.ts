// Service discovery on one host: a process learns where the processes it depends on listen without hard-coding
// it. Resolved right before each spawn (like secrets), from the ports the daemon holds at that moment, so a
// restart or a reload that moved a dependency to another port gives the next start the current values:
// - `${service:NAME.port}`, `${service:NAME.host}`, `${service:NAME.address}` (host:port) in env, command, args;
// - for each depends_on entry with a port, NAME_PORT, NAME_HOST and NAME_ADDRESS (NAME upper-cased, other
//   characters as "_"), unless the environment already sets them.
import { SentinelError } from '../core/errors.js';
import type { ProcessSpec } from '../core/spec.js';
import type { Spawner } from '../core/spawn.js';
import { SERVICE_MARKER, hasServiceMarker } from '../config/interpolate.js';
import { spawnManyThrough } from '../core/spawn-many.js';

/** What discovery needs of the supervisor: a process definition by name. */
export interface ServiceDirectory {
  find(name: string): { spec: Pick<ProcessSpec, 'port'> } | undefined;
}

/** Every process of one host is reached on loopback. */
export const SERVICE_HOST = '127.0.0.1';

/** The variable prefix of a process name: "db" → DB, "api-v2" → API_V2. */
export function serviceEnvPrefix(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

function portOf(dir: ServiceDirectory, name: string, who: string): number {
  const rec = dir.find(name);
  if (!rec) throw new SentinelError('INVALID_CONFIG', `${who} refers to \${service:${name}...}, but no process is named "${name}"; check the name (sentinel list), or start it first`);
  if (rec.spec.port === null) {
    throw new SentinelError('INVALID_CONFIG', `${who} refers to the port of "${name}", which has none; give "${name}" a port (port: auto, or a number) in its config`);
  }
  return rec.spec.port;
}

/** A text with its service markers replaced by the current values. */
export function resolveServiceMarkers(text: string, dir: ServiceDirectory, who: string): string {
  if (!hasServiceMarker(text)) return text;
  return text.replace(SERVICE_MARKER, (_m, name: string, field: string) => {
    if (field === 'host') {
      if (!dir.find(name)) portOf(dir, name, who);
      return SERVICE_HOST;
    }
    const port = portOf(dir, name, who);
    return field === 'port' ? String(port) : `${SERVICE_HOST}:${port}`;
  });
}

/** The spec as it is spawned: markers resolved, the dependencies' variables added. */
export function withServices(spec: ProcessSpec, dir: ServiceDirectory): ProcessSpec {
  const who = `process "${spec.name}"`;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.env)) env[k] = resolveServiceMarkers(v, dir, who);
  for (const dep of Object.keys(spec.source.dependsOn)) {
    const port = dir.find(dep)?.spec.port;
    if (port === null || port === undefined) continue;
    const prefix = serviceEnvPrefix(dep);
    env[`${prefix}_PORT`] ??= String(port);
    env[`${prefix}_HOST`] ??= SERVICE_HOST;
    env[`${prefix}_ADDRESS`] ??= `${SERVICE_HOST}:${port}`;
  }
  return {
    ...spec,
    command: resolveServiceMarkers(spec.command, dir, who),
    args: spec.args.map((a) => resolveServiceMarkers(a, dir, who)),
    env,
  };
}

/** A spawner decorator; `directory` is read at each spawn (the supervisor exists only after its host). */
export function discoverySpawner(inner: Spawner, directory: () => ServiceDirectory | undefined): Spawner {
  return {
    spawn(spec, fds) {
      const dir = directory();
      return inner.spawn(dir ? withServices(spec, dir) : spec, fds);
    },
    spawnMany(requests) {
      const dir = directory();
      return spawnManyThrough(inner, requests, (r) => (dir ? { spec: withServices(r.spec, dir), fds: r.fds } : r), (r) => inner.spawn(r.spec, r.fds));
    },
  };
}
