// The overview: every process and instance, live from the session's processes.watch stream, with
// filters by group, state and name. Rows are keyed by id and updated in place, so focus and scroll
// survive every push.
import type { Api } from '../api';
import { controlsKey, processControls } from '../controls';
import { fill, h, setText } from '../dom';
import { formatBytes, formatCpu, formatDuration } from '../format';
import type { Live } from '../live';
import type { ProcessView, Snapshot } from '../types';
import type { View } from './view';

interface Row { tr: HTMLTableRowElement; cells: Record<string, HTMLElement>; controlsKey: string; view: ProcessView }

const COLUMNS: Array<[key: string, label: string]> = [
  ['name', 'Name'], ['status', 'State'], ['health', 'Health'], ['cpu', 'CPU'], ['memory', 'Memory'], ['uptime', 'Uptime'],
  ['restarts', 'Restarts'], ['group', 'Group'], ['actions', 'Actions'],
];
const FILTER_KEY = 'sentinel.filters';

export function statusBadge(status: string, reason?: string | null): HTMLElement {
  return h('span', { class: `badge st-${status}`, title: reason ?? null }, status);
}

export function overviewView(api: Api, live: Live): View {
  const saved = JSON.parse(sessionStorage.getItem(FILTER_KEY) ?? '{}') as { group?: string; state?: string; text?: string };
  const groupSel = h('select', { id: 'f-group', 'aria-label': 'Filter by group' });
  const stateSel = h('select', { id: 'f-state', 'aria-label': 'Filter by state' });
  const text = h('input', { id: 'f-text', type: 'search', placeholder: 'Filter by name', 'aria-label': 'Filter by name', value: saved.text ?? '' });
  const summary = h('p', { class: 'summary', 'aria-live': 'polite' });
  const tbody = h('tbody');
  const empty = h('p', { class: 'empty', hidden: true });
  const table = h('table', { class: 'procs', id: 'process-table' },
    h('thead', null, h('tr', null, COLUMNS.map(([k, label]) => h('th', { scope: 'col', class: `c-${k}` }, label)))),
    tbody,
  );
  const el = h('section', { class: 'view overview', 'aria-labelledby': 'h-overview' },
    h('div', { class: 'view-head' },
      h('h1', { id: 'h-overview' }, 'Processes'),
      h('div', { class: 'filters' },
        h('label', { for: 'f-group' }, 'Group'), groupSel,
        h('label', { for: 'f-state' }, 'State'), stateSel,
        text,
      ),
    ),
    summary,
    h('div', { class: 'table-wrap' }, table),
    empty,
  );

  const rows = new Map<number, Row>();
  let snap: Snapshot | null = null;
  let restoring = true;

  const options = (sel: HTMLSelectElement, values: string[], chosen: string) => {
    const want = ['', ...values];
    const have = [...sel.options].map((o) => o.value);
    if (want.join('\n') !== have.join('\n')) {
      fill(sel, want.map((v) => h('option', { value: v }, v === '' ? 'all' : v)));
    }
    sel.value = want.includes(chosen) ? chosen : '';
  };

  function filters(): { group: string; state: string; text: string } {
    return { group: groupSel.value, state: stateSel.value, text: text.value.trim().toLowerCase() };
  }

  function makeRow(p: ProcessView): Row {
    const cells: Record<string, HTMLElement> = {};
    const tr = h('tr', { 'data-id': p.id, 'data-name': p.name });
    for (const [k, label] of COLUMNS) {
      const td = h('td', { class: `c-${k}`, 'data-label': label });
      cells[k] = td;
      tr.append(td);
    }
    fill(cells.name, h('a', { href: `#/process/${encodeURIComponent(p.name)}`, class: 'pname' }, p.name));
    return { tr, cells, controlsKey: '', view: p };
  }

  function updateRow(r: Row, p: ProcessView, age: number): void {
    r.view = p;
    const badge = r.cells.status.firstElementChild as HTMLElement | null;
    if (!badge || badge.textContent !== p.status) fill(r.cells.status, statusBadge(p.status, p.reason));
    else badge.title = p.reason ?? '';
    r.tr.dataset.status = p.status;
    setText(r.cells.health, p.health ?? '–');
    setText(r.cells.cpu, formatCpu(p.cpu));
    setText(r.cells.memory, formatBytes(p.memory));
    setText(r.cells.uptime, p.uptimeMs === null ? '–' : formatDuration(p.uptimeMs + age));
    setText(r.cells.restarts, String(p.restarts));
    setText(r.cells.group, p.group ?? '–');
    const key = controlsKey(p);
    if (key !== r.controlsKey) {
      // rebuilt only when the buttons change; keep keyboard focus on the same action if it still exists
      const focused = r.cells.actions.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.action : undefined;
      fill(r.cells.actions, processControls(api, p));
      r.controlsKey = key;
      if (focused) (r.cells.actions.querySelector(`[data-action="${focused}"]`) as HTMLElement | null)?.focus();
    }
  }

  function render(): void {
    if (!snap) return;
    const groups = [...new Set(snap.processes.map((p) => p.group).filter((g): g is string => !!g))].sort();
    const states = [...new Set(snap.processes.map((p) => p.status))].sort();
    // the saved choice applies once its group or state exists; after that the selects are the truth
    options(groupSel, groups, restoring ? saved.group ?? '' : groupSel.value);
    options(stateSel, states, restoring ? saved.state ?? '' : stateSel.value);
    restoring = restoring && (groupSel.value !== (saved.group ?? '') || stateSel.value !== (saved.state ?? ''));
    const f = filters();
    sessionStorage.setItem(FILTER_KEY, JSON.stringify(f));
    const g = groupSel.value;
    const s = stateSel.value;
    const shown = snap.processes.filter((p) => (!g || p.group === g) && (!s || p.status === s) && (!f.text || p.name.toLowerCase().includes(f.text)));
    const age = Date.now() - snap.time;
    const seen = new Set<number>();
    let prev: HTMLTableRowElement | null = null;
    for (const p of shown) {
      seen.add(p.id);
      let r = rows.get(p.id);
      if (!r) {
        r = makeRow(p);
        rows.set(p.id, r);
      }
      updateRow(r, p, age);
      // keep the daemon's order without moving rows that are already in place (moving loses focus)
      const want: ChildNode | null = prev ? prev.nextSibling : tbody.firstChild;
      if (want !== r.tr) tbody.insertBefore(r.tr, want);
      prev = r.tr;
    }
    for (const [id, r] of rows) {
      if (!seen.has(id)) {
        r.tr.remove();
        if (!snap.processes.some((p) => p.id === id)) rows.delete(id);
      }
    }
    const running = snap.processes.filter((p) => p.status === 'running').length;
    setText(summary, `${snap.processes.length} processes, ${running} running${shown.length !== snap.processes.length ? `; ${shown.length} shown` : ''}`);
    empty.hidden = shown.length > 0;
    setText(empty, snap.processes.length === 0 ? 'No managed processes yet. Start one with: sentinel run "COMMAND"' : 'No process matches these filters.');
  }

  const chosen = () => {
    restoring = false;
    render();
  };
  groupSel.addEventListener('change', chosen);
  stateSel.addEventListener('change', chosen);
  text.addEventListener('input', render);
  const unsubscribe = live.subscribe((s) => {
    snap = s;
    render();
  });
  // uptimes tick between pushes
  const ticker = setInterval(() => {
    if (!snap) return;
    const age = Date.now() - snap.time;
    for (const r of rows.values()) if (r.view.uptimeMs !== null) setText(r.cells.uptime, formatDuration(r.view.uptimeMs + age));
  }, 1000);
  if (!live.latest) fill(summary, 'Connecting…');
  return { el, title: 'Processes', dispose: () => { unsubscribe(); clearInterval(ticker); } };
}
