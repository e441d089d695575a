// Everything an operation may use: the supervisor, the repositories, paths and the daemon's log.
import type { Supervisor } from '../core/supervisor.js';
import type { Db } from '../store/db.js';
import type { ProcessRepo } from '../store/processes.js';
import type { GroupRepo, PortRepo } from '../store/groups-ports.js';
import type { HomePaths } from './home.js';
import type { Logger } from './logger.js';
import type { UsageSampler } from './metrics.js';
import type { MetricsHistory } from './metrics-history.js';
import type { ScanCache } from '../metrics/scan-cache.js';
import type { RunCounts } from '../metrics/run-counts.js';
import type { OpItem, OpName, OpParams, OpParamsIn, OpResult, StreamOpName } from '../contracts/index.js';
import type { Rotation } from './rotation.js';
import type { HealthMonitor } from './health-monitor.js';
import type { PluginHost } from '../plugins/host.js';
import type { DaemonSettings } from './settings.js';
import type { TokenRepo } from '../store/tokens.js';
import type { Principal } from '../contracts/roles.js';
import type { ContainerManager } from '../isolation/container.js';
import type { DeployEngine } from '../cluster/deploy.js';
import type { DeployRepo } from '../store/deploys.js';
import type { WatchPort } from './watch-port.js';

export interface OpContext {
  actor: string;
  /** Aborted when the client goes away (for streaming operations). */
  signal: AbortSignal;
  /** Who calls: a token over TCP; absent on the Unix socket and for internal calls (the owner, admin). */
  principal?: Principal;
}

export interface Stream<T = unknown> {
  stream: AsyncIterable<T>;
}

type Answer<K extends OpName> = OpResult<K> | (K extends StreamOpName ? Stream<OpItem<K>> : never);

/** One operation's handler: typed by its contract (checked parameters in, its result out). */
export type Handler<K extends OpName> = (params: OpParams<K>, ctx: OpContext) => Promise<Answer<K>> | Answer<K>;

/** Handlers of a set of operations; every ops file returns one of these. */
export type Handlers<K extends OpName = OpName> = { [P in K]: Handler<P> };

export interface Daemon {
  paths: HomePaths;
  db: Db;
  supervisor: Supervisor;
  processes: ProcessRepo;
  groups: GroupRepo;
  ports: PortRepo;
  log: Logger;
  usage: UsageSampler;
  /** The shared /proc scan, the CPU/memory history and the schedule-run counters behind the metrics. */
  metrics: { scans: ScanCache; history: MetricsHistory; runs: RunCounts };
  rotation: Rotation;
  health: HealthMonitor;
  /** The plugins daemon.yaml declares (src/plugins/). */
  plugins: PluginHost;
  /** SENTINEL_HOME/daemon.yaml with the command line's overrides. */
  settings: DaemonSettings;
  /** Container names, usage and clean-up (src/isolation/container.ts). */
  containers?: ContainerManager;
  /** --watch: restarts on file changes (the watcher is loaded once a process has a watch). */
  watches?: WatchPort;
  startedAt: number;
  /** Revisions and deploys (src/cluster/deploy.ts); absent in daemons built without them (tests of other faces). */
  deploys?: DeployEngine;
  deployRepo?: DeployRepo;
  tokens: TokenRepo;
  /** The TCP listener when it is on (sentinel.yaml api.listen or --listen). */
  listener: { url: string; tls: boolean } | null;
  /** Asks the daemon to shut down (after the current answer is sent). */
  requestShutdown(opts?: { keepProcesses?: boolean }): void;
  /** Calls another operation by name (one feature reusing another through the same list); parameters are checked as at the door. */
  call<K extends OpName>(op: K, params: OpParamsIn<K>): Promise<OpResult<K>>;
  /** Registers a step to run at shutdown, after the processes are stopped (run in reverse order). */
  onShutdown(step: () => Promise<void> | void): void;
}

export function isStream(v: unknown): v is Stream {
  return typeof v === 'object' && v !== null && 'stream' in v && typeof (v as Stream).stream?.[Symbol.asyncIterator] === 'function';
}
