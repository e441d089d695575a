// One /proc scan shared by everything that wants one (the history tick, a scrape, a `list`): a scan younger
// than `maxAgeMs` is handed out again instead of reading /proc twice. With a change probe (change-probe.ts)
// an older scan is handed out again too when the probe finds that no tree member ran, ended or forked since
// it was taken: its CPU ticks and pids are still the truth. Measured with 100 idle `sleep`s scraped every
// 5 s: the scrape's own scan (the kernel's do_task_stat for each member) was about a third of its CPU.
// The probe is trusted only for a fleet that was quiet between the last two full scans (a busy one would
// pay for the probe's baseline and then scan anyway), for the same roots, and up to `fullScanMs` after
// the last full scan: what a probe cannot see (memory the kernel reclaimed from a process that did not
// run) is read then.
import { SentinelError } from '../core/errors.js';
import type { ChangeProbe } from './change-probe.js';
import { scanProcesses, type ProcStat } from './proc-tree.js';

export interface Scan {
  atMs: number;
  stats: Map<number, ProcStat>;
}

export interface Probing {
  probe: Pick<ChangeProbe, 'reset' | 'changed'>;
  /** The roots the scans are made for (the live managed processes): another set brings a full scan. */
  roots: () => readonly number[];
  /** The /proc list the last full scan was made from (TreeScanner.lastList), for the probe's first look. */
  scanList?: () => Float64Array | null;
  /** A full scan at least this often (default fullScanMsOf()). */
  fullScanMs?: number;
}

/**
 * The longest stretch a quiet fleet's scans are answered by the probe alone (SENTINEL_METRICS_FULL_SCAN_MS,
 * default 5 minutes): then one full scan, changed or not.
 */
export function fullScanMsOf(env: NodeJS.ProcessEnv = process.env): number {
  const given = env.SENTINEL_METRICS_FULL_SCAN_MS;
  if (given === undefined || given === '') return 300_000;
  const ms = Number(given);
  if (!Number.isFinite(ms) || ms < 1000) {
    throw new SentinelError('INVALID_CONFIG', `SENTINEL_METRICS_FULL_SCAN_MS must be a number of milliseconds of at least 1000 (got ${JSON.stringify(given)}); unset it for the default of 300000 (5 minutes)`);
  }
  return ms;
}

export class ScanCache {
  private last: Scan | null = null;
  /** When the last full scan was read, and for which roots. */
  private lastFullAt = 0;
  private rootsKey = '';
  /** The probe holds a baseline taken at the last full scan, which found the fleet quiet. */
  private probing = false;
  private readonly fullScanMs: number;

  constructor(private readonly read: () => Map<number, ProcStat> = scanProcesses, private readonly now: () => number = Date.now, private readonly p?: Probing) {
    this.fullScanMs = p ? (p.fullScanMs ?? fullScanMsOf()) : 0;
  }

  get(maxAgeMs: number): Scan {
    const now = this.now();
    if (this.last && now - this.last.atMs <= maxAgeMs && now >= this.last.atMs) return this.last;
    if (this.last && this.unchanged(now)) {
      this.last = { atMs: now, stats: this.last.stats };
      return this.last;
    }
    const previous = this.last;
    this.last = { atMs: now, stats: this.read() };
    if (this.p) this.took(previous, now);
    return this.last;
  }

  /** Whether the last scan still holds: the probe has a baseline, the roots and the full scan's age allow it, and it finds nothing. */
  private unchanged(now: number): boolean {
    if (!this.p || !this.probing || now - this.lastFullAt >= this.fullScanMs || now < this.lastFullAt) return false;
    if (this.p.roots().join(',') !== this.rootsKey) return false;
    if (!this.p.probe.changed()) return true;
    this.probing = false;
    return false;
  }

  /** After a full scan: a baseline for the probe when it found the same as the one before (a quiet fleet). */
  private took(previous: Scan | null, now: number): void {
    const roots = this.p!.roots().join(',');
    const quiet = previous !== null && roots === this.rootsKey && sameTrees(previous.stats, this.last!.stats);
    this.lastFullAt = now;
    this.rootsKey = roots;
    this.probing = quiet;
    if (quiet) this.p!.probe.reset([...this.last!.stats.keys()], this.p!.scanList?.() ?? null);
  }
}

/** The same pids with the same CPU ticks and memory. */
function sameTrees(a: Map<number, ProcStat>, b: Map<number, ProcStat>): boolean {
  if (a.size !== b.size) return false;
  for (const [pid, st] of b) {
    const was = a.get(pid);
    if (!was || was.startTime !== st.startTime || was.cpuTicks !== st.cpuTicks || was.rssBytes !== st.rssBytes) return false;
  }
  return true;
}
