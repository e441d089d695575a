// CPU and memory of each managed process tree, read from /proc on demand (one scan per request).
import { readFileSync } from 'node:fs';
import { collectTree, readAllStats } from '../core/proc.js';

const TICKS_PER_SECOND = 100;
const PAGE_SIZE = 4096;

export interface Usage { cpuPercent: number | null; memoryBytes: number | null; pids: number }

export class UsageSampler {
  private readonly last = new Map<number, { ticks: number; at: number }>();

  sample(rootPids: number[]): Map<number, Usage> {
    const out = new Map<number, Usage>();
    if (rootPids.length === 0) return out;
    const stats = readAllStats();
    const now = Date.now();
    const uptimeTicks = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * TICKS_PER_SECOND;
    for (const pid of rootPids) {
      const tree = collectTree(pid, stats);
      if (tree.length === 0) { out.set(pid, { cpuPercent: null, memoryBytes: null, pids: 0 }); continue; }
      const ticks = tree.reduce((s, t) => s + t.utime + t.stime, 0);
      const rss = tree.reduce((s, t) => s + t.rssPages, 0) * PAGE_SIZE;
      const prev = this.last.get(pid);
      let cpu: number;
      if (prev && now - prev.at > 200 && now - prev.at < 120_000) {
        cpu = ((ticks - prev.ticks) / TICKS_PER_SECOND) / ((now - prev.at) / 1000) * 100;
      } else {
        const root = tree.find((t) => t.pid === pid) ?? tree[0];
        const lifeTicks = uptimeTicks - root.startTime;
        cpu = lifeTicks > 0 ? (ticks / lifeTicks) * 100 : 0;
      }
      if (!prev || now - prev.at > 200) this.last.set(pid, { ticks, at: now });
      out.set(pid, { cpuPercent: Math.max(0, Math.round(cpu * 10) / 10), memoryBytes: rss, pids: tree.length });
    }
    for (const pid of this.last.keys()) if (!rootPids.includes(pid)) this.last.delete(pid);
    return out;
  }
}

