// One /proc scan shared by everything that wants one at about the same time (the history tick, a
// scrape, a `list`): a scan younger than `maxAgeMs` is handed out again instead of reading /proc twice.
import { scanProcesses, type ProcStat } from './proc-tree.js';

export interface Scan {
  atMs: number;
  stats: Map<number, ProcStat>;
}

export class ScanCache {
  private last: Scan | null = null;

  constructor(private readonly read: () => Map<number, ProcStat> = scanProcesses, private readonly now: () => number = Date.now) {}

  get(maxAgeMs: number): Scan {
    const now = this.now();
    if (this.last && now - this.last.atMs <= maxAgeMs && now >= this.last.atMs) return this.last;
    this.last = { atMs: now, stats: this.read() };
    return this.last;
  }
}
