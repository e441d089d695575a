// Everything an operation may use: the supervisor, the repositories, paths and the daemon's log.
import type { Supervisor } from '../core/supervisor.js';
import type { Db } from '../store/db.js';
import type { ProcessRepo } from '../store/processes.js';
import type { GroupRepo, PortRepo } from '../store/groups-ports.js';
import type { HomePaths } from './home.js';
import type { Logger } from './logger.js';
import type { UsageSampler } from './metrics.js';
import type { Params } from './params.js';
import type { Rotation } from './rotation.js';
import type { HealthMonitor } from './health-monitor.js';

export interface OpContext {
  actor: string;
  /** Aborted when the client goes away (for streaming operations). */
  signal: AbortSignal;
}

export interface Stream {
  stream: AsyncIterable<unknown>;
}

export type Operation = (params: Params, ctx: OpContext) => Promise<unknown> | unknown;

export interface Daemon {
  paths: HomePaths;
  db: Db;
  supervisor: Supervisor;
  processes: ProcessRepo;
  groups: GroupRepo;
  ports: PortRepo;
  log: Logger;
  usage: UsageSampler;
  rotation: Rotation;
  health: HealthMonitor;
  startedAt: number;
  /** Asks the daemon to shut down (after the current answer is sent). */
  requestShutdown(): void;
  /** Calls another operation by name (one feature reusing another through the same list). */
  call(op: string, params: Record<string, unknown>): Promise<unknown>;
  /** Registers a step to run at shutdown, after the processes are stopped (run in reverse order). */
  onShutdown(step: () => Promise<void> | void): void;
}

export function isStream(v: unknown): v is Stream {
  return typeof v === 'object' && v !== null && 'stream' in v && typeof (v as Stream).stream?.[Symbol.asyncIterator] === 'function';
}
