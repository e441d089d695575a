// Stacks: the config files the processes came from and, for each, the dependency graph (levels left to
// right, an arrow from each dependency to what waits on it, coloured by live state).
import type { Api } from '../api';
import { fill, h, svg } from '../dom';
import type { Live } from '../live';
import type { GraphResult, ProcessView, StatusResult } from '../types';
import type { View } from './view';

const COL_W = 190;
const ROW_H = 56;
const NODE_W = 150;
const NODE_H = 34;

function stateOf(name: string, procs: ProcessView[]): string {
  const mine = procs.filter((p) => p.definition === name);
  if (mine.length === 0) return 'absent';
  return mine.every((p) => p.status === mine[0].status) ? mine[0].status : 'mixed';
}

export function graphSvg(g: GraphResult, procs: ProcessView[]): SVGElement {
  const pos = new Map<string, { x: number; y: number }>();
  g.levels.forEach((level, li) => level.forEach((name, ri) => pos.set(name, { x: 10 + li * COL_W, y: 10 + ri * ROW_H })));
  const rows = Math.max(1, ...g.levels.map((l) => l.length));
  const width = 20 + Math.max(1, g.levels.length) * COL_W - (COL_W - NODE_W);
  const height = 20 + rows * ROW_H - (ROW_H - NODE_H);
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, class: 'graph', role: 'img', 'aria-label': `Dependency graph of ${g.file}` });
  root.append(svg('defs', {}, svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' }))));
  for (const [name, deps] of Object.entries(g.dependencies)) {
    const to = pos.get(name);
    if (!to) continue;
    for (const dep of deps) {
      const from = pos.get(dep.name);
      if (!from) continue;
      const x1 = from.x + NODE_W, y1 = from.y + NODE_H / 2, x2 = to.x, y2 = to.y + NODE_H / 2;
      const mx = (x1 + x2) / 2;
      const path = svg('path', { d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`, class: 'edge', 'marker-end': 'url(#arrow)' }, svg('title', {}, `${name} waits for ${dep.name} (${dep.condition})`));
      root.append(path);
    }
  }
  for (const [name, { x, y }] of pos) {
    const state = stateOf(name, procs);
    const node = svg('g', { class: `node st-${state}`, transform: `translate(${x},${y})` },
      svg('title', {}, `${name}: ${state}`),
      svg('rect', { width: NODE_W, height: NODE_H, rx: 6 }),
      svg('text', { x: 10, y: 15, class: 'node-name' }, name.length > 18 ? `${name.slice(0, 17)}…` : name),
      svg('text', { x: 10, y: 28, class: 'node-state' }, state),
    );
    const link = svg('a', { href: `#/process/${encodeURIComponent(name)}` }, node);
    root.append(link);
  }
  return root;
}

export function stacksView(api: Api, live: Live): View {
  const body = h('div', { id: 'stacks' }, h('p', { class: 'muted' }, 'Reading which config files the processes come from…'));
  const el = h('section', { class: 'view', 'aria-labelledby': 'h-stacks' }, h('div', { class: 'view-head' }, h('h1', { id: 'h-stacks' }, 'Stacks')), body);
  let disposed = false;

  void (async () => {
    const procs = live.latest?.processes ?? (await api.call<{ processes: ProcessView[] }>('list')).processes;
    const definitions = [...new Set(procs.map((p) => p.definition))].slice(0, 100);
    const files = new Map<string, string[]>();
    const loose: string[] = [];
    await Promise.all(definitions.map(async (name) => {
      const st = await api.call<StatusResult>('status', { ref: name }).catch(() => null);
      const file = (st?.spec as { configFile?: string | null } | undefined)?.configFile;
      if (file) files.set(file, [...(files.get(file) ?? []), name]);
      else loose.push(name);
    }));
    if (disposed) return;
    const sections: HTMLElement[] = [];
    for (const [file, names] of [...files].sort((a, b) => a[0].localeCompare(b[0]))) {
      const graphBox = h('div', { class: 'graph-wrap' });
      sections.push(h('article', { class: 'card stack', 'data-file': file }, h('h2', { class: 'mono' }, file), h('p', { class: 'muted' }, `${names.length} definitions: ${names.sort().join(', ')}`), graphBox));
      if (!api.allowed('graph')) {
        fill(graphBox, h('p', { class: 'muted' }, 'The dependency graph reads the config file, which needs an admin token.'));
        continue;
      }
      api.call<GraphResult>('graph', { file })
        .then((g) => fill(graphBox, graphSvg(g, live.latest?.processes ?? procs), h('details', null, h('summary', null, 'As text'), h('pre', null, g.tree))))
        .catch((err: Error) => fill(graphBox, h('p', { class: 'notice' }, err.message)));
    }
    if (loose.length) sections.push(h('article', { class: 'card' }, h('h2', null, 'Started without a config file'), h('p', null, loose.sort().join(', '))));
    fill(body, sections.length ? sections : h('p', { class: 'empty' }, 'No processes yet. Start a stack with: sentinel up -f sentinel.yaml'));
  })().catch((err: Error) => fill(body, h('p', { class: 'notice', role: 'alert' }, err.message)));

  return { el, title: 'Stacks', dispose: () => { disposed = true; } };
}
