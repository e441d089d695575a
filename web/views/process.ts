// One process: live state and controls, CPU/memory charts, the live log tail, events, the last exits
// and every setting it runs with.
import { ApiError, type Api } from '../api';
import { controlsKey, processControls } from '../controls';
import { fill, h, setText } from '../dom';
import { describeExit, formatBytes, formatCpu, formatDuration, formatTime } from '../format';
import type { Live } from '../live';
import type { EventRecord, LogItem, ProcessView, StatusResult } from '../types';
import { lineChart } from './chart';
import { History } from './history';
import { LogView } from './log-view';
import { statusBadge } from './overview';
import { deployPanel } from './deploy-panel';
import type { View } from './view';

const EXIT_STATES = new Set(['exited', 'failed', 'backoff']);
const MAX_EVENTS = 200;

/** Nested settings as "restart.maxRestarts" rows. */
function flatten(value: unknown, prefix = '', out: Array<[string, string]> = []): Array<[string, string]> {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out.push([prefix, '{}']);
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.push([prefix, value === null || value === undefined ? '–' : Array.isArray(value) ? (value.length ? value.join(', ') : '[]') : String(value)]);
  return out;
}

/** Reconnects a follow stream until the view is left; the pause grows while the daemon is away. */
async function keepStreaming(run: (signal: AbortSignal) => Promise<void>, signal: AbortSignal, onGap: (why: string) => void): Promise<void> {
  let pause = 500;
  while (!signal.aborted) {
    const started = Date.now();
    try {
      await run(signal);
      if (signal.aborted) return;
      onGap('the stream ended; reconnecting');
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof ApiError && err.status >= 400 && err.status < 500) {
        onGap(err.message);
        return;
      }
      onGap(`disconnected (${err instanceof Error ? err.message : String(err)}); reconnecting`);
    }
    if (Date.now() - started > 10_000) pause = 500;
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(pause * 2, 10_000);
  }
}

export function processView(api: Api, live: Live, name: string): View {
  const abort = new AbortController();
  const title = h('h1', { id: 'h-process' }, name);
  const badge = h('span', { id: 'p-status' });
  const controls = h('div', { class: 'p-controls' });
  const facts = h('dl', { class: 'facts', id: 'p-facts' });
  const charts = h('div', { class: 'charts', id: 'p-charts' });
  const logs = new LogView(`Log of ${name}`);
  const events = h('tbody', { id: 'p-events' });
  const exits = h('tbody', { id: 'p-exits' });
  const settings = h('tbody', { id: 'p-settings' });
  const gone = h('p', { class: 'notice', hidden: true, role: 'alert' });
  // the definition's revisions and deploys (an instance "web:1" shows its definition's)
  const deploys = api.has('deploy.status') ? deployPanel(api, name.replace(/:\d+$/, '')) : null;
  const el = h('section', { class: 'view process', 'aria-labelledby': 'h-process' },
    h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/' }, 'Processes'), ' / ', name),
    h('div', { class: 'view-head' }, h('div', { class: 'title' }, title, badge), controls),
    gone,
    facts,
    h('h2', null, 'Resources'), charts,
    ...(deploys ? [h('h2', null, 'Deploys'), deploys.el] : []),
    h('h2', null, 'Log'), logs.el,
    h('div', { class: 'two' },
      h('div', null, h('h2', null, 'Events'), h('div', { class: 'table-wrap tall' }, h('table', { class: 'small' },
        h('thead', null, h('tr', null, h('th', null, 'Time'), h('th', null, 'Event'), h('th', null, 'Details'))), events))),
      h('div', null, h('h2', null, 'Last exits'), h('div', { class: 'table-wrap tall' }, h('table', { class: 'small' },
        h('thead', null, h('tr', null, h('th', null, 'Time'), h('th', null, 'Exit'), h('th', null, 'Reason'))), exits))),
    ),
    h('h2', null, 'Settings'), h('div', { class: 'table-wrap' }, h('table', { class: 'small settings' }, settings)),
  );

  const history = new History();
  let current: ProcessView | null = null;
  let shownControls = '';
  let chartsDrawnAt = 0;

  function drawCharts(): void {
    chartsDrawnAt = Date.now();
    fill(charts,
      lineChart('CPU', history.cpu, (v) => `${v.toFixed(v >= 10 ? 0 : 1)} %`, { minMax: 5, id: 'chart-cpu' }),
      lineChart('Memory', history.memory, (v) => formatBytes(v), { minMax: 1024 * 1024, id: 'chart-memory' }));
  }

  function showFacts(p: ProcessView, age: number): void {
    const rows: Array<[string, string]> = [
      ['PID', p.pid === null ? '–' : String(p.pid)], ['CPU', formatCpu(p.cpu)], ['Memory', formatBytes(p.memory)],
      ['Uptime', p.uptimeMs === null ? '–' : formatDuration(p.uptimeMs + age)], ['Restarts', String(p.restarts)], ['Health', p.health ?? '–'],
      ['Group', p.group ?? '–'], ['Port', p.port === null ? '–' : String(p.port)], ['Restart policy', p.restart],
      ['Last exit', describeExit(p.lastExit)], ['Command', p.command], ['Directory', p.cwd],
    ];
    if (p.reason) rows.push(['Reason', p.reason]);
    if (p.nextRestartAt) rows.push(['Next restart', formatTime(p.nextRestartAt)]);
    if (facts.children.length !== rows.length * 2) fill(facts, rows.map(([k]) => [h('dt', null, k), h('dd', { 'data-key': k })]));
    rows.forEach(([k, v], i) => {
      const dd = facts.children[i * 2 + 1] as HTMLElement;
      if ((facts.children[i * 2] as HTMLElement).textContent !== k) fill(facts, rows.map(([kk, vv]) => [h('dt', null, kk), h('dd', { 'data-key': kk }, vv)]));
      else setText(dd, v);
    });
  }

  const unsubscribe = live.subscribe((s) => {
    const p = s.processes.find((x) => x.name === name);
    if (!p) {
      if (current) {
        gone.hidden = false;
        fill(gone, `${name} no longer exists. `, h('a', { href: '#/' }, 'Back to the processes'));
        fill(controls);
        setText(badge, '');
      }
      return;
    }
    gone.hidden = true;
    current = p;
    const b = badge.firstElementChild;
    if (!b || b.textContent !== p.status) fill(badge, statusBadge(p.status, p.reason));
    const key = controlsKey(p);
    if (key !== shownControls) {
      const focused = controls.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.action : undefined;
      fill(controls, processControls(api, p, { onDeleted: () => (location.hash = '#/') }));
      shownControls = key;
      if (focused) (controls.querySelector(`[data-action="${focused}"]`) as HTMLElement | null)?.focus();
    }
    showFacts(p, Date.now() - s.time);
    history.add(s.time, p.cpu, p.memory);
    if (s.reason !== 'change' || Date.now() - chartsDrawnAt > 1000) drawCharts();
  });
  drawCharts();

  const addEvent = (e: EventRecord) => {
    const change = e.oldState || e.newState ? `${e.oldState ?? ''} → ${e.newState ?? ''}` : e.kind;
    const details = [e.pid !== null ? `pid ${e.pid}` : '', e.exitCode !== null ? `code ${e.exitCode}` : '', e.signal ?? '', e.reason ?? '', e.actor ? `by ${e.actor}` : '']
      .filter(Boolean).join(' · ');
    events.prepend(h('tr', null, h('td', { class: 'nowrap' }, formatTime(e.time)), h('td', null, change), h('td', null, details)));
    while (events.children.length > MAX_EVENTS) events.lastElementChild?.remove();
    if ((e.newState && EXIT_STATES.has(e.newState)) || e.exitCode !== null || e.signal !== null) {
      if (e.exitCode === null && e.signal === null && !e.reason) return;
      const exit = e.signal ? `killed by ${e.signal}` : e.exitCode !== null ? `exit code ${e.exitCode}` : e.newState ?? '';
      exits.prepend(h('tr', null, h('td', { class: 'nowrap' }, formatTime(e.time)), h('td', null, exit), h('td', null, e.reason ?? '')));
      while (exits.children.length > 50) exits.lastElementChild?.remove();
    }
  };

  void (async () => {
    try {
      const st = await api.call<StatusResult>('status', { ref: name });
      fill(settings, flatten(st.spec).map(([k, v]) => h('tr', null, h('th', { scope: 'row' }, k), h('td', null, v))));
      await history.load(api, name).then((ok) => ok && drawCharts()).catch(() => undefined);
    } catch (err) {
      gone.hidden = false;
      fill(gone, err instanceof Error ? err.message : String(err), ' ', h('a', { href: '#/' }, 'Back to the processes'));
      return;
    }
    void keepStreaming((signal) => {
      fill(events);
      fill(exits);
      return api.stream<EventRecord>('events', { name, limit: 100, follow: true }, addEvent, signal);
    }, abort.signal, () => undefined);
    let first = true;
    void keepStreaming((signal) => {
      // after a reconnect only new lines: the tail was shown already
      const lines = first ? 1000 : 0;
      first = false;
      return api.stream<LogItem>('logs', { ref: name, lines, follow: true, timestamps: true }, (l) => logs.push(l), signal);
    }, abort.signal, (why) => logs.note(why));
  })();

  return {
    el, title: name,
    dispose: () => {
      abort.abort();
      deploys?.dispose();
      unsubscribe();
      logs.dispose();
    },
  };
}
