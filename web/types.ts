// The shapes the dashboard reads, as the API documents them (GET /v1/openapi.json); only the fields used here.
export interface Exit {
  pid: number; exitCode: number | null; signal: string | null; startedAt: number; endedAt: number; durationMs: number;
  stoppedByUs: boolean; forceKilled: boolean; timedOut: boolean;
}

export interface ProcessView {
  id: number; name: string; definition: string; instance: number; instances: number; pid: number | null; status: string;
  cpu: number | null; memory: number | null; uptimeMs: number | null; restarts: number; restart: string; group: string | null;
  command: string; cwd: string; port: number | null; health: string | null; reason: string | null; lastExit: Exit | null;
  nextRestartAt: number | null; createdAt: number;
}

export interface Snapshot { time: number; reason: 'initial' | 'change' | 'tick'; processes: ProcessView[] }

export interface EventRecord {
  id: number; time: number; processName: string | null; kind: string; oldState: string | null; newState: string | null;
  pid: number | null; exitCode: number | null; signal: string | null; reason: string | null; actor: string | null;
}

export interface LogItem { stream: 'stdout' | 'stderr'; line: string; time?: number }

export interface StatusResult { process: ProcessView; instances: ProcessView[]; spec: Record<string, unknown> }

export interface RunRecord {
  id: number; schedule: string; dueAt: number | null; startedAt: number; endedAt: number | null; durationMs: number | null;
  exitCode: number | null; signal: string | null; trigger: string; attempt: number; status: string; reason: string | null;
}

export interface ScheduleView {
  name: string; trigger: { cron?: string; tz?: string; everyMs?: number; at?: number }; command: string; args: string[]; shell: boolean; enabled: boolean;
  overlap: string; nextRunAt: number | null; lastRun: RunRecord | null; running: number; queued: number; maxRuntimeMs: number | null; retries: number;
}

export interface Channels {
  webhooks: Array<{ index: number; url: string; signed: boolean; events: string[] | null }>;
  emails: Array<{ index: number; host: string; port: number | null; from: string; to: string | string[]; events: string[] | null }>;
}

export interface GraphResult {
  file: string; tree: string; levels: string[][];
  dependencies: Record<string, Array<{ name: string; condition: string }>>;
}

export type Role = 'viewer' | 'operator' | 'admin';
export interface Whoami { name: string; role: Role; processes?: unknown }
