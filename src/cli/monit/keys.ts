// Keys: raw terminal input split into named keys, and what each key does to the state (a pure reducer).
// Actions on processes come back as effects for the app to carry out through the client.
import { paneSizes } from './render.js';
import { isRemote, keepSelection, mayDo, nextHostFilter, rowKey, selectedRow, visibleRows, type Action, type MonitState } from './state.js';

export type Key = string;

const SEQUENCES: Record<string, Key> = {
  '\x1b[A': 'up', '\x1b[B': 'down', '\x1b[C': 'right', '\x1b[D': 'left',
  '\x1bOA': 'up', '\x1bOB': 'down', '\x1bOC': 'right', '\x1bOD': 'left',
  '\x1b[5~': 'pageup', '\x1b[6~': 'pagedown',
  '\x1b[H': 'home', '\x1b[F': 'end', '\x1bOH': 'home', '\x1bOF': 'end', '\x1b[1~': 'home', '\x1b[4~': 'end', '\x1b[7~': 'home', '\x1b[8~': 'end',
};

/** Splits one chunk of raw input into keys: escape sequences, control keys and printable characters. */
export function parseKeys(data: string): Key[] {
  const keys: Key[] = [];
  let i = 0;
  while (i < data.length) {
    const ch = data[i];
    if (ch === '\x1b') {
      const csi = /^\x1b(?:\[[0-?]*[ -/]*[@-~]|O[A-Za-z])/.exec(data.slice(i));
      if (csi) {
        keys.push(SEQUENCES[csi[0]] ?? 'unknown');
        i += csi[0].length;
      } else {
        keys.push('escape');
        i++;
      }
      continue;
    }
    i++;
    if (ch === '\r' || ch === '\n') keys.push('enter');
    else if (ch === '\x7f' || ch === '\b') keys.push('backspace');
    else if (ch === '\x03') keys.push('ctrl-c');
    else if (ch === '\x0c') keys.push('ctrl-l');
    else if (ch === '\x04') keys.push('ctrl-d');
    else if (ch === '\t') keys.push('tab');
    else if (ch < ' ') keys.push('unknown');
    else keys.push(ch);
  }
  return keys;
}

/** `host`: a process of another host (monit --hosts), acted on through hosts.act. */
export type Effect = { kind: 'quit' } | { kind: 'redraw' } | { kind: 'act'; action: Action; name: string; host?: string };

export interface Pressed { state: MonitState; effect?: Effect }

const VERB: Record<Action, string> = { start: 'start', stop: 'stop', restart: 'restart' };

function act(s: MonitState, action: Action): Pressed {
  if (!s.selected) return { state: { ...s, message: { text: 'No process selected', error: true } } };
  const row = selectedRow(s);
  if (!mayDo(s, action)) {
    return { state: { ...s, mode: 'table', message: { text: `Your token's role (${s.role}) cannot ${VERB[action]} processes (it needs ${s.needs[action]})`, error: true } } };
  }
  if (action === 'stop' && s.mode !== 'confirm') return { state: { ...s, mode: 'confirm', message: null } };
  const effect: Effect = { kind: 'act', action, name: row?.name ?? s.selected };
  if (row && isRemote(row)) effect.host = row.host;
  return { state: { ...s, mode: 'table', message: null }, effect };
}

function move(s: MonitState, by: number | 'first' | 'last'): MonitState {
  const rows = visibleRows(s);
  if (rows.length === 0) return s;
  const at = Math.max(0, rows.findIndex((r) => rowKey(r) === s.selected));
  const to = by === 'first' ? 0 : by === 'last' ? rows.length - 1 : Math.min(rows.length - 1, Math.max(0, at + by));
  return { ...s, selected: rowKey(rows[to]), message: null };
}

/** What one key does in the current mode. */
export function press(s: MonitState, key: Key): Pressed {
  if (key === 'ctrl-c') return { state: s, effect: { kind: 'quit' } };
  if (s.mode === 'help') return { state: { ...s, mode: 'table' } };
  if (s.mode === 'confirm') {
    if (key === 'y' || key === 'Y') return act(s, 'stop');
    return { state: { ...s, mode: 'table', message: { text: 'Stop cancelled', error: false } } };
  }
  if (s.mode === 'filter') {
    if (key === 'enter') return { state: { ...s, mode: 'table' } };
    if (key === 'escape') return { state: keepSelection({ ...s, mode: 'table', filter: '' }) };
    if (key === 'backspace') return { state: keepSelection({ ...s, filter: s.filter.slice(0, -1) }) };
    if (key === 'up' || key === 'down') return { state: move(s, key === 'up' ? -1 : 1) };
    if ([...key].length === 1) return { state: keepSelection({ ...s, filter: s.filter + key }) };
    return { state: s };
  }
  const page = paneSizes(s.height).table;
  switch (key) {
    case 'q':
    case 'ctrl-d':
      return { state: s, effect: { kind: 'quit' } };
    case 'up':
    case 'k':
      return { state: move(s, -1) };
    case 'down':
    case 'j':
      return { state: move(s, 1) };
    case 'pageup':
      return { state: move(s, -page) };
    case 'pagedown':
      return { state: move(s, page) };
    case 'home':
    case 'g':
      return { state: move(s, 'first') };
    case 'end':
    case 'G':
      return { state: move(s, 'last') };
    case 'r':
      return act(s, 'restart');
    case 's':
      return act(s, 'stop');
    case 't':
      return act(s, 'start');
    case '/':
      return { state: { ...s, mode: 'filter', message: null } };
    case '?':
    case 'h':
      return { state: { ...s, mode: 'help', message: null } };
    case 'H': {
      if (!s.hosts) return { state: { ...s, message: { text: 'One host only: start with "sentinel monit --hosts" to see the hosts of daemon.yaml', error: true } } };
      const hostFilter = nextHostFilter(s);
      return { state: keepSelection({ ...s, hostFilter, message: { text: hostFilter === null ? 'All hosts' : `Host ${hostFilter} only (H: next host)`, error: false } }) };
    }
    case 'escape':
      return { state: keepSelection({ ...s, filter: '', message: null }) };
    case 'ctrl-l':
      return { state: s, effect: { kind: 'redraw' } };
    default:
      return { state: s };
  }
}
