// The run marker: each child gets RUN_MARKER=<token> in its environment (the host's spawn), so what it
// starts is found again even after a double fork into a new session, reparented away from the tree.
// (The name does not start with SENTINEL_: those are removed from a child's environment.)
import type { ProcessTarget } from './host.js';
import { envVarIn, isAlive, readEnviron, readEnvVar, type ProcStat } from './proc.js';

export const RUN_MARKER = '_SENTINEL_RUN_ID';
const MAX_MARKERS = 10_000;
const markers = new Map<string, string>();
const keyOf = (t: ProcessTarget) => `${t.pid}:${t.startTime ?? ''}`;

export const identity = (s: ProcStat) => `${s.pid}:${s.startTime}`;

/** Remembers the marker a child was started with: as its run's, and as what its environment holds. */
export function rememberMarker(target: ProcessTarget, token: string): void {
  markers.set(keyOf(target), token);
  if (markers.size > MAX_MARKERS) markers.delete(markers.keys().next().value!);
  if (target.startTime == null) return;
  // the child was started with it in its environment: no need to read it back at its stop
  knownMarkers.set(`${target.pid}:${target.startTime}`, token);
  if (knownMarkers.size > MAX_KNOWN_MARKERS) knownMarkers.delete(knownMarkers.keys().next().value!);
}

/** The marker of a run: remembered from its spawn, or read from the root while it is still the same process. */
export function runMarker(target: ProcessTarget): string | null {
  if (target.marker) return target.marker;
  const known = markers.get(keyOf(target));
  if (known !== undefined) return known;
  const token = readEnvVar(target.pid, RUN_MARKER);
  if (token === null || !isAlive(target.pid, target.startTime)) return null;
  rememberMarker(target, token);
  return token;
}

const MAX_KNOWN_MARKERS = 50_000;
const knownMarkers = new Map<string, string | null>();

/**
 * The run marker in a process's environment, read once per process (pid and start time): the
 * environment a process was started with does not change, and a thousand stops at once each asked every
 * process newer than their root — a million reads of /proc/PID/environ.
 */
export function markerOf(st: ProcStat): string | null {
  return markerOrUnknown(st) ?? null;
}

/**
 * The same, but undefined when the environment reads empty: a process in the middle of an exec (its new
 * memory has no environment yet) reads so, and it is not remembered then; nor is a process gone before
 * its environment was read (its pid may come back).
 */
export function markerOrUnknown(st: ProcStat): string | null | undefined {
  const key = identity(st);
  const known = knownMarkers.get(key);
  if (known !== undefined) return known;
  const block = readEnviron(st.pid);
  if (block !== null && block.length === 0) return undefined;
  const marker = block === null ? null : envVarIn(block, RUN_MARKER);
  if (marker !== null || isAlive(st.pid, st.startTime)) {
    knownMarkers.set(key, marker);
    if (knownMarkers.size > MAX_KNOWN_MARKERS) knownMarkers.delete(knownMarkers.keys().next().value!);
  }
  return marker;
}

/** Forgets the marker of one process that is gone (its identity never comes back), as read and as remembered from its spawn. */
export function forgetMarker(pid: number, startTime: number): void {
  const key = `${pid}:${startTime}`;
  knownMarkers.delete(key);
  // a run's own record keeps its marker (the supervisor passes it to a stop): this is only the fallback
  markers.delete(key);
}

/**
 * Drops the markers of processes that are gone, once the cache holds well more entries than there are
 * processes: an identity (pid and start time) never comes back, and a crash loop otherwise filled it up to
 * its cap, a string per run that ever ended (no growth over a churn of restarts).
 */
export function forgetGoneMarkers(stats: ProcStat[]): void {
  const roomFor = 2 * stats.length + 256;
  if (knownMarkers.size <= roomFor && markers.size <= roomFor) return;
  const live = new Set(stats.map(identity));
  for (const key of knownMarkers.keys()) if (!live.has(key)) knownMarkers.delete(key);
  for (const key of markers.keys()) if (!live.has(key)) markers.delete(key);
}

/** How many processes' markers are remembered (for tests). */
export function knownMarkerCount(): number {
  return knownMarkers.size;
}

/** How many spawned roots' markers are remembered (for tests). */
export function spawnedMarkerCount(): number {
  return markers.size;
}
