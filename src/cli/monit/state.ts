// What the monitor shows, as plain data: the render (render.ts) and the keys (keys.ts) are pure functions of it.

/** One row of the table: the fields of a process view (the `list` operation) the monitor shows. */
export interface Row {
  name: string;
  status: string;
  pid: number | null;
  cpu: number | null;
  memory: number | null;
  restarts: number;
  health: string | null;
  uptimeMs: number | null;
  /** The host it runs on (monit --hosts): "local" or a name of daemon.yaml's hosts; absent with one host. */
  host?: string;
}

export interface HostError { host: string; error: string }

export interface LogEntry { stream: 'stdout' | 'stderr' | 'note'; line: string }

export type Action = 'start' | 'stop' | 'restart';
export type Role = 'viewer' | 'operator' | 'admin';

export interface MonitState {
  width: number;
  height: number;
  color: boolean;
  /** Where the data comes from: the local home, or the remote URL. */
  source: string;
  /** The caller's role (a token's, or admin on the local socket); null when unknown. */
  role: Role | null;
  /** The role each action needs, read from the operations' contracts. */
  needs: Record<Action, Role>;
  rows: Row[];
  selected: string | null;
  filter: string;
  mode: 'table' | 'filter' | 'confirm' | 'help';
  /** The process the log pane shows, and its last lines. */
  logName: string | null;
  logs: LogEntry[];
  message: { text: string; error: boolean } | null;
  /** The daemon cannot be reached (shown in the header until the next good answer). */
  problem: string | null;
  /** monit --hosts: every host asked ("local" first); null shows one host, without a HOST column. */
  hosts: string[] | null;
  /** Only the rows of this host (H cycles through the hosts); null shows all. */
  hostFilter: string | null;
  /** The hosts that did not answer the last refresh, and why (one line each above the rows). */
  hostErrors: HostError[];
}

export const MAX_LOG_LINES = 1000;

export function initialState(init: Partial<MonitState> & Pick<MonitState, 'width' | 'height'>): MonitState {
  return {
    color: false,
    source: 'local',
    role: null,
    needs: { start: 'operator', stop: 'operator', restart: 'operator' },
    rows: [],
    selected: null,
    filter: '',
    mode: 'table',
    logName: null,
    logs: [],
    message: null,
    problem: null,
    hosts: null,
    hostFilter: null,
    hostErrors: [],
    ...init,
  };
}

/** A row of another host: read-only here (its logs and actions are reached with `sentinel --host`). */
export function isRemote(r: Row): boolean {
  return r.host !== undefined && r.host !== 'local';
}

/** What selects a row: its name on this host, HOST/NAME on another (process names never hold a "/"). */
export function rowKey(r: Row): string {
  return isRemote(r) ? `${r.host}/${r.name}` : r.name;
}

/** The rows the filters let through: the host filter, and a case-insensitive part of the name. */
export function visibleRows(s: MonitState): Row[] {
  const byHost = s.hostFilter === null ? s.rows : s.rows.filter((r) => (r.host ?? 'local') === s.hostFilter);
  if (!s.filter) return byHost;
  const f = s.filter.toLowerCase();
  return byHost.filter((r) => r.name.toLowerCase().includes(f));
}

/** The hosts that did not answer, as far as the host filter shows them. */
export function visibleHostErrors(s: MonitState): HostError[] {
  return s.hostFilter === null ? s.hostErrors : s.hostErrors.filter((e) => e.host === s.hostFilter);
}

/** The row selected, when it is shown. */
export function selectedRow(s: MonitState): Row | undefined {
  return visibleRows(s).find((r) => rowKey(r) === s.selected);
}

/** Keeps the selection on the same process when it is still shown, else on the first row shown. */
export function keepSelection(s: MonitState): MonitState {
  const rows = visibleRows(s);
  if (s.selected !== null && rows.some((r) => rowKey(r) === s.selected)) return s;
  return { ...s, selected: rows[0] ? rowKey(rows[0]) : null };
}

export function withRows(s: MonitState, rows: Row[], hostErrors: HostError[] = s.hostErrors): MonitState {
  return keepSelection({ ...s, rows, hostErrors, problem: null });
}

/** The next host filter: all hosts, then each host in turn, then all again. */
export function nextHostFilter(s: MonitState): string | null {
  if (!s.hosts || s.hosts.length === 0) return null;
  if (s.hostFilter === null) return s.hosts[0];
  const at = s.hosts.indexOf(s.hostFilter);
  return at < 0 || at === s.hosts.length - 1 ? null : s.hosts[at + 1];
}

/** Appends log lines, keeping the last MAX_LOG_LINES (the array is replaced only when it has grown far past that). */
export function appendLogs(s: MonitState, entries: LogEntry[]): MonitState {
  const logs = s.logs.concat(entries);
  return { ...s, logs: logs.length > MAX_LOG_LINES ? logs.slice(-MAX_LOG_LINES) : logs };
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** Whether the caller's role allows an action; unknown roles are left to the daemon to refuse. */
export function mayDo(s: MonitState, action: Action): boolean {
  return s.role === null || RANK[s.role] >= RANK[s.needs[action]];
}
