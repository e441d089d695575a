// A short CPU/memory trend for `sentinel status`: min/avg/max over the window and a sparkline.
import { formatCpu, formatMem } from './format.js';

type Point = [number, number | null, number];

const BARS = '▁▂▃▄▅▆▇█';

/** Eight-level bars of `values`, averaged into at most `width` buckets; "" for no values. */
export function sparkline(values: number[], width = 30): string {
  if (values.length === 0) return '';
  const buckets: number[] = [];
  const per = Math.max(1, Math.ceil(values.length / width));
  for (let i = 0; i < values.length; i += per) {
    const slice = values.slice(i, i + per);
    buckets.push(slice.reduce((a, b) => a + b, 0) / slice.length);
  }
  const min = Math.min(...buckets);
  const max = Math.max(...buckets);
  return buckets.map((v) => BARS[max === min ? 0 : Math.round(((v - min) / (max - min)) * (BARS.length - 1))]).join('');
}

function stats(values: number[]): { min: number; avg: number; max: number } {
  return { min: Math.min(...values), avg: values.reduce((a, b) => a + b, 0) / values.length, max: Math.max(...values) };
}

/** Rows for the status block; none when fewer than two points were taken yet. */
export function trendRows(points: Point[], windowText: string): Array<[string, string]> {
  const cpu = points.map((p) => p[1]).filter((v): v is number => v !== null);
  const mem = points.map((p) => p[2]);
  if (points.length < 2) return [];
  const rows: Array<[string, string]> = [];
  if (cpu.length > 0) {
    const s = stats(cpu);
    rows.push([`CPU ${windowText}`, `min ${formatCpu(s.min)}  avg ${formatCpu(s.avg)}  max ${formatCpu(s.max)}  ${sparkline(cpu)}`]);
  }
  const m = stats(mem);
  rows.push([`Mem ${windowText}`, `min ${formatMem(m.min)}  avg ${formatMem(m.avg)}  max ${formatMem(m.max)}  ${sparkline(mem)}`]);
  return rows;
}
