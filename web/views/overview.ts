// The overview: every process and instance, live from the session's processes.watch stream, with
// filters by group, state and name. Rows are keyed by id and updated in place, so focus and scroll
// survive every push.
import type { Api } from '../api';
import { controlsKey, processControls, remoteControls } from '../controls';
import { fill, h, setText } from '../dom';
import { formatBytes, formatCpu, formatDuration } from '../format';
import type { Live } from '../live';
import type { ProcessView, Snapshot } from '../types';
import { watchHosts, type HostsSnapshot } from '../hosts';
import type { View } from './view';

interface Row { tr: HTMLTableRowElement; cells: Record<string, HTMLElement>; controlsKey: string; view: ProcessView }

const HOST_COLUMN: [string, string] = ['host', 'Host'];
const BASE_COLUMNS: Array<[key: string, label: string]> = [
  ['name', 'Name'], ['status', 'State'], ['health', 'Health'], ['cpu', 'CPU'], ['memory', 'Memory'], ['uptime', 'Uptime'],
  ['restarts', 'Restarts'], ['group', 'Group'], ['actions', 'Actions'],
];
const FILTER_KEY = 'sentinel.filters';

export function statusBadge(status: string, reason?: string | null): HTMLElement {
  return h('span', { class: `badge st-${status}`, title: reason ?? null }, status);
}

export function overviewView(api: Api, live: Live): View {
  const saved = JSON.parse(sessionStorage.getItem(FILTER_KEY) ?? '{}') as { group?: string; state?: string; text?: string; host?: string };
  // the Host column and filter appear once the daemon turns out to have other hosts (hosts.ts)
  let COLUMNS = BASE_COLUMNS;
  let hostSnap: HostsSnapshot | null = null;
  const remoteRows = new Map<string, Row>();
  const hostSel = h('select', { id: 'f-host', 'aria-label': 'Filter by host' });
  const hostLabel = h('label', { for: 'f-host', hidden: true }, 'Host');
  hostSel.hidden = true;
  const hostErrors = h('ul', { class: 'host-errors', id: 'host-errors', hidden: true });
  const headRow = h('tr', null, BASE_COLUMNS.map(([k, label]) => h('th', { scope: 'col', class: `c-${k}` }, label)));
  const groupSel = h('select', { id: 'f-group', 'aria-label': 'Filter by group' });
  const stateSel = h('select', { id: 'f-state', 'aria-label': 'Filter by state' });
  const text = h('input', { id: 'f-text', type: 'search', placeholder: 'Filter by name', 'aria-label': 'Filter by name', value: saved.text ?? '' });
  const summary = h('p', { class: 'summary', 'aria-live': 'polite' });
  const tbody = h('tbody');
  const empty = h('p', { class: 'empty', hidden: true });
  const table = h('table', { class: 'procs', id: 'process-table' },
    h('thead', null, headRow),
    tbody,
  );
  const el = h('section', { class: 'view overview', 'aria-labelledby': 'h-overview' },
    h('div', { class: 'view-head' },
      h('h1', { id: 'h-overview' }, 'Processes'),
      h('div', { class: 'filters' },
        hostLabel, hostSel,
        h('label', { for: 'f-group' }, 'Group'), groupSel,
        h('label', { for: 'f-state' }, 'State'), stateSel,
        text,
      ),
    ),
    summary,
    hostErrors,
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

  function filters(): { group: string; state: string; text: string; host: string } {
    return { group: groupSel.value, state: stateSel.value, text: text.value.trim().toLowerCase(), host: hostSel.value };
  }

  function makeRow(p: ProcessView, host = 'local'): Row {
    const cells: Record<string, HTMLElement> = {};
    const tr = h('tr', { 'data-id': p.id, 'data-name': p.name, 'data-host': host });
    for (const [k, label] of COLUMNS) {
      const td = h('td', { class: `c-${k}`, 'data-label': label });
      cells[k] = td;
      tr.append(td);
    }
    if (host !== 'local') {
      // another host's process: shown, not controlled here (its own daemon, or sentinel --host, does that)
      fill(cells.name, h('span', { class: 'pname' }, p.name));
    } else fill(cells.name, h('a', { href: `#/process/${encodeURIComponent(p.name)}`, class: 'pname' }, p.name));
    if (cells.host) setText(cells.host, host);
    return { tr, cells, controlsKey: '', view: p };
  }

  /** Turns on the Host column (once): the rows made so far are rebuilt with it. */
  function enableHosts(): void {
    if (COLUMNS !== BASE_COLUMNS) return;
    COLUMNS = [BASE_COLUMNS[0], HOST_COLUMN, ...BASE_COLUMNS.slice(1)];
    fill(headRow, COLUMNS.map(([k, label]) => h('th', { scope: 'col', class: `c-${k}` }, label)));
    for (const r of rows.values()) r.tr.remove();
    rows.clear();
    hostSel.hidden = false;
    hostLabel.hidden = false;
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
    const host = r.tr.dataset.host ?? 'local';
    const key = controlsKey(p);
    if (key !== r.controlsKey) {
      // rebuilt only when the buttons change; keep keyboard focus on the same action if it still exists
      const focused = r.cells.actions.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.action : undefined;
      fill(r.cells.actions, host === 'local' ? processControls(api, p) : remoteControls(api, p, host));
      r.controlsKey = key;
      if (focused) (r.cells.actions.querySelector(`[data-action="${focused}"]`) as HTMLElement | null)?.focus();
    }
  }

  function render(): void {
    if (!snap) return;
    const every: ProcessView[] = hostSnap ? [...snap.processes, ...hostSnap.rows] : snap.processes;
    const groups = [...new Set(every.map((p) => p.group).filter((g): g is string => !!g))].sort();
    const states = [...new Set(every.map((p) => p.status))].sort();
    // the saved choice applies once its group or state exists; after that the selects are the truth
    options(groupSel, groups, restoring ? saved.group ?? '' : groupSel.value);
    options(stateSel, states, restoring ? saved.state ?? '' : stateSel.value);
    if (hostSnap) options(hostSel, hostSnap.hosts, restoring ? saved.host ?? '' : hostSel.value);
    restoring = restoring && (groupSel.value !== (saved.group ?? '') || stateSel.value !== (saved.state ?? ''));
    const f = filters();
    sessionStorage.setItem(FILTER_KEY, JSON.stringify(f));
    const g = groupSel.value;
    const s = stateSel.value;
    const keep = (p: ProcessView) => (!g || p.group === g) && (!s || p.status === s) && (!f.text || p.name.toLowerCase().includes(f.text));
    const shown = !f.host || f.host === 'local' ? snap.processes.filter(keep) : [];
    const age = Date.now() - snap.time;
    const seen = new Set<number>();
    let prev: HTMLTableRowElement | null = null;
    const place = (r: Row) => {
      // keep the daemon's order without moving rows that are already in place (moving loses focus)
      const want: ChildNode | null = prev ? prev.nextSibling : tbody.firstChild;
      if (want !== r.tr) tbody.insertBefore(r.tr, want);
      prev = r.tr;
    };
    for (const p of shown) {
      seen.add(p.id);
      let r = rows.get(p.id);
      if (!r) {
        r = makeRow(p);
        rows.set(p.id, r);
      }
      updateRow(r, p, age);
      place(r);
    }
    for (const [id, r] of rows) {
      if (!seen.has(id)) {
        r.tr.remove();
        if (!snap.processes.some((p) => p.id === id)) rows.delete(id);
      }
    }
    // the other hosts' rows, after this host's
    const remote = (hostSnap?.rows ?? []).filter((p) => (!f.host || p.host === f.host) && keep(p));
    const seenRemote = new Set<string>();
    for (const p of remote) {
      const key = `${p.host}/${p.name}`;
      seenRemote.add(key);
      let r = remoteRows.get(key);
      if (!r) {
        r = makeRow(p, p.host);
        remoteRows.set(key, r);
      }
      updateRow(r, p, 0);
      place(r);
    }
    for (const [key, r] of remoteRows) {
      if (!seenRemote.has(key)) {
        r.tr.remove();
        remoteRows.delete(key);
      }
    }
    const errors = (hostSnap?.errors ?? []).filter((e) => !f.host || e.host === f.host);
    fill(hostErrors, errors.map((e) => h('li', { class: 'error', 'data-host': e.host }, `${e.host}: unreachable: ${e.error}`)));
    hostErrors.hidden = errors.length === 0;
    const all = snap.processes.length + (hostSnap?.rows.length ?? 0);
    const total = shown.length + remote.length;
    const running = snap.processes.filter((p) => p.status === 'running').length + (hostSnap?.rows ?? []).filter((p) => p.status === 'running').length;
    const hostsText = hostSnap ? `${hostSnap.hosts.length} hosts, ` : '';
    setText(summary, `${hostsText}${all} processes, ${running} running${total !== all ? `; ${total} shown` : ''}`);
    empty.hidden = total > 0;
    setText(empty, all === 0 ? 'No managed processes yet. Start one with: sentinel run "COMMAND"' : 'No process matches these filters.');
  }

  const chosen = () => {
    restoring = false;
    render();
  };
  groupSel.addEventListener('change', chosen);
  stateSel.addEventListener('change', chosen);
  hostSel.addEventListener('change', chosen);
  let stopHosts: () => void = () => undefined;
  let disposed = false;
  void watchHosts(api, (hs) => {
    enableHosts();
    hostSnap = hs;
    render();
  }).then((stop) => (disposed ? stop() : (stopHosts = stop)));
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
  return { el, title: 'Processes', dispose: () => { unsubscribe(); clearInterval(ticker); stopHosts(); disposed = true; } };
}
