// A line chart in inline SVG: time on x, one series on y, the latest value and the peak in the title.
// No library: a polyline over a few hundred points is all the history needs.
import { h, svg } from '../dom';

const W = 600;
const H = 150;
const PAD = { l: 56, r: 8, t: 10, b: 22 };

export type Point = [time: number, value: number];

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

export function lineChart(title: string, points: Point[], format: (v: number) => string, opts: { minMax?: number; id?: string } = {}): HTMLElement {
  const fig = h('figure', { class: 'chart', id: opts.id ?? null });
  const last = points.length ? points[points.length - 1][1] : null;
  const peak = points.reduce((m, p) => Math.max(m, p[1]), 0);
  fig.append(h('figcaption', null, h('strong', null, title), ` ${last === null ? '–' : format(last)}`, points.length ? h('span', { class: 'muted' }, ` · peak ${format(peak)}`) : null));
  const box = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${title}: ${points.length} samples${last === null ? '' : `, latest ${format(last)}`}` });
  const x0 = PAD.l, x1 = W - PAD.r, y0 = H - PAD.b, y1 = PAD.t;
  const max = niceMax(Math.max(peak, opts.minMax ?? 0));
  for (const f of [0, 0.5, 1]) {
    const y = y0 - (y0 - y1) * f;
    box.append(svg('line', { x1: x0, x2: x1, y1: y, y2: y, class: 'grid' }), svg('text', { x: x0 - 6, y: y + 4, class: 'axis', 'text-anchor': 'end' }, format(max * f)));
  }
  if (points.length >= 2) {
    const t0 = points[0][0], t1 = points[points.length - 1][0];
    const span = Math.max(1, t1 - t0);
    const xy = points.map(([t, v]) => `${(x0 + ((t - t0) / span) * (x1 - x0)).toFixed(1)},${(y0 - (Math.min(v, max) / max) * (y0 - y1)).toFixed(1)}`);
    box.append(svg('polygon', { points: `${x0},${y0} ${xy.join(' ')} ${x1},${y0}`, class: 'area' }), svg('polyline', { points: xy.join(' '), class: 'line' }));
    const clock = (t: number) => new Date(t).toTimeString().slice(0, 5);
    box.append(svg('text', { x: x0, y: H - 6, class: 'axis' }, clock(t0)), svg('text', { x: x1, y: H - 6, class: 'axis', 'text-anchor': 'end' }, clock(t1)));
  } else {
    box.append(svg('text', { x: (x0 + x1) / 2, y: (y0 + y1) / 2, class: 'axis', 'text-anchor': 'middle' }, 'collecting samples…'));
  }
  fig.append(box);
  return fig;
}
