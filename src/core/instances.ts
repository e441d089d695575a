// Definitions and instances: a process definition runs `instances` copies, each a record of its own
// (pid, state machine, restart counter, logs). How an instance is named and addressed:
//   web      the whole definition (every instance) for start/stop/restart/delete; instance 0 elsewhere
//   web:2    one instance
// Instance 0 keeps the definition's plain name for its log files and events, so a definition scaled
// from one to several copies keeps its history; the others are "web:1", "web:2", ...
import type { ProcessRecord } from '../store/processes.js';

/** The key of an instance's logs and events: "web" for instance 0, "web:2" for the others. */
export function instanceKey(rec: Pick<ProcessRecord, 'name' | 'instance'>): string {
  return rec.instance === 0 ? rec.name : `${rec.name}:${rec.instance}`;
}

/** How an instance is shown: "web" when its definition has one instance, else "web:0", "web:1", ... */
export function displayName(rec: Pick<ProcessRecord, 'name' | 'instance' | 'spec'>): string {
  return rec.spec.instances > 1 || rec.instance > 0 ? `${rec.name}:${rec.instance}` : rec.name;
}

/** "web:2" → {name: "web", instance: 2}; "web" → {name: "web", instance: null}. */
export function parseInstanceRef(ref: string): { name: string; instance: number | null } {
  const m = ref.match(/^(.+):(\d+)$/);
  return m ? { name: m[1], instance: Number(m[2]) } : { name: ref, instance: null };
}

/** The variables each instance gets: its index, also under PM2's name so PM2 apps keep working. */
export function instanceEnv(rec: Pick<ProcessRecord, 'instance'>): Record<string, string> {
  const index = String(rec.instance);
  return { SENTINEL_INSTANCE: index, NODE_APP_INSTANCE: index };
}

/** The port of one instance: its definition's, plus its index when each has its own (per-instance), plus one more behind the proxy. */
export function instancePort(rec: Pick<ProcessRecord, 'instance' | 'spec'>): number | null {
  const { port, portMode } = rec.spec;
  if (port === null) return null;
  if (portMode === 'per-instance') return port + rec.instance;
  // behind the proxy, which holds the port itself
  if (portMode === 'proxy') return port + 1 + rec.instance;
  return port;
}
