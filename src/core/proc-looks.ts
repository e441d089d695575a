// Looks at /proc for the kill-tree's stops and reaps, shared by those running at once. With the native
// addon, a look lists /proc and reads only what is new to the run classification (run-owners.ts), and a
// stop then reads its own run's processes: O(tree), not O(machine). Without it, a look is a full sweep.
import type { ProcessTarget } from './host.js';
import { nativeAddon } from './native.js';
import { readAllStats, type ProcStat } from './proc.js';
import { forgetGoneMarkers, forgetMarker, markerOrUnknown } from './run-marker.js';
import { RunOwners } from './run-owners.js';

export interface Snapshot {
  startedAt: number;
  doneAt: number;
  /** Every process (a full sweep), or null when the run classification was refreshed instead. */
  stats: ProcStat[] | null;
  /** The classification's epoch it was refreshed in. */
  epoch: number;
}

let owners: RunOwners | null | undefined;
let lastFull: Snapshot | null = null;
let lastListed: Snapshot | null = null;
let lastMs = 0;

/** How long the last look took: every stop's polls space out by it, shared or not. */
export function lastSweepMs(): number {
  return lastMs;
}

/** The classification of processes by run, when the native addon lists /proc with inodes. */
function runOwners(): RunOwners | null {
  if (owners !== undefined) return owners;
  const addon = nativeAddon();
  owners = addon && typeof addon.procList === 'function' && typeof addon.procStatsOf === 'function'
    ? new RunOwners(addon, markerOrUnknown, forgetMarker)
    : null;
  return owners;
}

/** The classification a look for `target` can use: with the run's marker and the root's start time only. */
export function ownersFor(target: ProcessTarget, marker: string | undefined): RunOwners | null {
  if (marker === undefined || target.startTime == null) return null;
  const o = runOwners();
  o?.registerRoot(target.pid, target.startTime, marker);
  return o;
}

/** A spawned child: the root of its run, and one more of a burst that is classified once it is over. */
export function noteSpawn(target: ProcessTarget, marker: string): void {
  if (target.startTime == null || !runOwners()) return;
  owners!.registerRoot(target.pid, target.startTime, marker);
  classifySoon();
}

/** For tests: drop the classification by run, or (false) turn it off so every look is a full sweep. */
export function resetRunOwners(enabled = true): RunOwners | null {
  owners = enabled ? undefined : null;
  lastListed = null;
  spawnsSinceWarm = 0;
  return enabled ? runOwners() : null;
}

/** After a burst of this many spawns (or the first), the new processes are classified soon after it. */
const WARM_AFTER_SPAWNS = 32;
const WARM_DELAY_MS = 300;
let spawnsSinceWarm = 0;
let warmTimer: NodeJS.Timeout | null = null;

/**
 * Classifies the processes a burst of spawns made (an `up` of a thousand) once it is over, so that the
 * first stop after it reads its own run only, not the thousand new processes. A lone restart waits for
 * the next stop or reap to be classified: its cost there is one process.
 */
function classifySoon(): void {
  if (++spawnsSinceWarm < WARM_AFTER_SPAWNS && owners!.size > 0) return;
  if (warmTimer) clearTimeout(warmTimer);
  warmTimer = setTimeout(() => {
    warmTimer = null;
    spawnsSinceWarm = 0;
    try {
      if (owners) sweep(0, performance.now(), owners);
    } catch {
      /* /proc unreadable: the next stop says so */
    }
  }, WARM_DELAY_MS);
  warmTimer.unref();
}

/**
 * A look at /proc shared by the stops running at once: one finished at most `maxAgeMs` ago (and, with
 * `after`, begun after that moment) is used again. A thousand stops polling every 20 ms each read /proc
 * on their own made stopping a thousand processes quadratic (over a minute). With `by` (the run
 * classification) it lists /proc and reads only what is new; without, every process's stat.
 */
export function sweep(maxAgeMs: number, after: number | undefined, by: RunOwners | null): Snapshot {
  const now = performance.now();
  const last = by ? lastListed : lastFull;
  const fresh = last && now - last.doneAt <= maxAgeMs && (after === undefined || last.startedAt > after);
  if (fresh && (!by || last.epoch === by.epoch)) return last;
  const startedAt = performance.now();
  let stats: ProcStat[] | null = null;
  if (by) by.refresh();
  else {
    stats = readAllStats();
    forgetGoneMarkers(stats);
  }
  const snap = { startedAt, doneAt: performance.now(), stats, epoch: by?.epoch ?? 0 };
  if (by) lastListed = snap; else lastFull = snap;
  lastMs = snap.doneAt - startedAt;
  return snap;
}

/** What a look holds of the run `marker` rooted at `target`: everything, or the fresh stats of its run's processes and its root pid. */
export function statsOf(snap: Snapshot, target: ProcessTarget, marker: string | undefined, by: RunOwners | null): ProcStat[] {
  if (snap.stats) return snap.stats;
  if (!by || marker === undefined) return readAllStats();
  return by.readStats(by.candidates(target.pid, marker));
}

/** What a new look at /proc finds for `target` (one refresh, or one full sweep). */
export function currentStats(target: ProcessTarget, marker: string | undefined): ProcStat[] {
  const by = ownersFor(target, marker);
  return statsOf(sweep(0, performance.now(), by), target, marker, by);
}
