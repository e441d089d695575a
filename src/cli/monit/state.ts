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
}

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
    ...init,
  };
}

/** The rows the filter lets through (a case-insensitive part of the name). */
export function visibleRows(s: MonitState): Row[] {
  if (!s.filter) return s.rows;
  const f = s.filter.toLowerCase();
  return s.rows.filter((r) => r.name.toLowerCase().includes(f));
}

/** Keeps the selection on the same process when it is still shown, else on the first row shown. */
export function keepSelection(s: MonitState): MonitState {
  const rows = visibleRows(s);
  if (s.selected !== null && rows.some((r) => r.name === s.selected)) return s;
  return { ...s, selected: rows[0]?.name ?? null };
}

export function withRows(s: MonitState, rows: Row[]): MonitState {
  return keepSelection({ ...s, rows, problem: null });
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
