// How long each pid has run on a CPU, in nanoseconds: the first field of /proc/PID/schedstat. The metrics
// history's probe compares two readings to tell whether a tree ran at all, which costs a small file per pid
// instead of the stat line a full scan parses. The native addon reads them all in one call (runTimes); the
// fallback below does the same through fs.
import { readFileSync } from 'node:fs';
import { nativeAddon, type NativeAddon } from '../core/native.js';

/** The nanoseconds each pid has run, -1 where it could not be read (gone, or a kernel without schedstat). */
export function readRunTimes(pids: readonly number[], addon: NativeAddon | null = nativeAddon()): ArrayLike<number> {
  if (!pids.every((pid) => Number.isInteger(pid) && pid > 0 && pid <= 2 ** 31 - 1)) {
    throw new TypeError(`readRunTimes: expected positive integer pids, got ${JSON.stringify(pids.find((pid) => !(Number.isInteger(pid) && pid > 0 && pid <= 2 ** 31 - 1)))}`);
  }
  if (addon && typeof addon.runTimes === 'function') return addon.runTimes(Int32Array.from(pids));
  const out = new Array<number>(pids.length);
  for (let i = 0; i < pids.length; i++) {
    try {
      const ns = Number.parseInt(readFileSync(`/proc/${pids[i]}/schedstat`, 'latin1'), 10);
      out[i] = Number.isFinite(ns) ? ns : -1;
    } catch {
      out[i] = -1; // gone
    }
  }
  return out;
}
