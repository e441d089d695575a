// CPU and memory history for the process page: what the daemon remembers (metrics.history, when this
// daemon has it: series of [time, cpu, memory] points) followed by the samples of the live stream, kept
// to a bounded number of points.
import type { Api } from '../api';
import type { Point } from './chart';

const MAX_POINTS = 720;

export class History {
  cpu: Point[] = [];
  memory: Point[] = [];

  add(time: number, cpu: number | null, memory: number | null): void {
    const last = this.cpu[this.cpu.length - 1];
    if (last && time <= last[0]) return;
    if (cpu !== null) this.cpu.push([time, cpu]);
    if (memory !== null) this.memory.push([time, memory]);
    if (this.cpu.length > MAX_POINTS) this.cpu.splice(0, this.cpu.length - MAX_POINTS);
    if (this.memory.length > MAX_POINTS) this.memory.splice(0, this.memory.length - MAX_POINTS);
  }

  /** Loads the daemon's history if it offers one; the answer's samples are read by their field names. */
  async load(api: Api, name: string): Promise<boolean> {
    const op = api.ops.get('metrics.history');
    if (!op || !api.allowed('metrics.history')) return false;
    const key = op.bodyKeys.includes('ref') ? 'ref' : op.bodyKeys.includes('name') ? 'name' : 'process';
    const answer = await api.call<Record<string, unknown>>('metrics.history', { [key]: name });
    // the daemon's shape: series of [time, cpu, memory] points, one series per instance
    const series = (answer.series as Array<{ name?: string; points?: unknown[] }> | undefined)?.find((x) => x.name === name);
    const tuples = (series?.points ?? []).filter((p): p is [number, number | null, number | null] => Array.isArray(p) && p.length >= 3);
    const samples = series ? [] : findSamples(answer, name);
    const before: Array<[number, number | null, number | null]> = series ? tuples.map(([t, c, m]) => [t, num(c), num(m)]) : samples.map((s) => [
      num(s.time ?? s.t ?? s.at ?? s.timestamp) ?? 0,
      num(s.cpu ?? s.cpuPercent ?? s.cpu_percent),
      num(s.memory ?? s.memoryBytes ?? s.rss ?? s.rssBytes ?? s.memory_bytes),
    ]);
    const cpu = this.cpu, memory = this.memory;
    this.cpu = [];
    this.memory = [];
    for (const [t, c, m] of before.filter(([t]) => t > 0).sort((a, b) => a[0] - b[0])) this.add(t, c, m);
    for (const p of cpu) if (p[0] > (this.cpu[this.cpu.length - 1]?.[0] ?? 0)) this.cpu.push(p);
    for (const p of memory) if (p[0] > (this.memory[this.memory.length - 1]?.[0] ?? 0)) this.memory.push(p);
    return true;
  }
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

type Sample = Record<string, unknown>;

/** The first array of objects with a time field, searched breadth-first (under the process's name if keyed by name). */
function findSamples(answer: unknown, name: string): Sample[] {
  const queue: unknown[] = [answer];
  while (queue.length) {
    const v = queue.shift();
    if (Array.isArray(v)) {
      if (v.length && typeof v[0] === 'object' && v[0] !== null && ['time', 't', 'at', 'timestamp'].some((k) => k in (v[0] as object))) {
        const own = v.filter((s) => !('name' in s) || (s as Sample).name === name || (s as Sample).process === name);
        return own as Sample[];
      }
      for (const x of v) queue.push(x);
    } else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (name in o) queue.unshift(o[name]);
      for (const x of Object.values(o)) queue.push(x);
    }
  }
  return [];
}
