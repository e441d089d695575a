// What a managed process is: everything needed to start it again, as stored and as configured.

export type RestartMode = 'never' | 'on-failure' | 'always';

export interface RestartPolicy {
  mode: RestartMode;
  /** Restart only when the exit code is one of these (empty: any). */
  exitCodes: number[];
  /** Never restart when the exit code is one of these. */
  noRestartExitCodes: number[];
  /** Restarts allowed within `windowMs` before the process is `failed`; 0 = unlimited. */
  maxRestarts: number;
  /** 0: restarts count since the last run that stayed up `minUptimeMs`. */
  windowMs: number;
  delayMs: number;
  backoff: 'fixed' | 'exponential';
  backoffMaxMs: number;
  /** Fraction (0..1) of the delay added or removed at random. */
  jitter: number;
  /** A run that lasted this long resets the restart counter. */
  minUptimeMs: number;
}

/** Readiness: the process is `starting` until every condition held once. Durations in ms. */
export interface ReadinessSection {
  /** A TCP port, or true for the process's own port. */
  waitPort?: number | true;
  waitHttp?: { url: string; expectStatus?: number | [number, number] };
  /** RegExp source matched against each new line of stdout and stderr. */
  waitLog?: string;
  waitExec?: string;
  timeoutMs?: number;
}

/** Liveness: one probe repeated while running. `target` may hold ${PORT}. Durations in ms. */
export interface LivenessSection {
  kind: 'http' | 'tcp' | 'exec' | 'plugin';
  /** http: URL; tcp: "port" or "host:port"; exec: shell command; plugin: the plugin's name in daemon.yaml. */
  target: string;
  /** plugin only: passed with each check. */
  options?: Record<string, unknown>;
  expectStatus?: number | [number, number];
  send?: string;
  intervalMs?: number;
  timeoutMs?: number;
  failureThreshold?: number;
  successThreshold?: number;
  initialDelayMs?: number;
  action?: 'restart' | 'notify';
}

/**
 * Resource limits. `maxMemoryBytes` and `maxCpu` are thresholds Sentinel watches and answers with a
 * restart; `memoryMaxBytes`, `cpuMax` and `pidsMax` are hard limits the kernel enforces on the whole
 * tree through its cgroup (src/isolation/cgroup.ts).
 */
export interface LimitsSection {
  maxMemoryBytes: number | null;
  maxCpu: { percent: number; forMs?: number } | null;
  /** Hard memory limit of the tree; past it the kernel's OOM killer ends a process of the tree. */
  memoryMaxBytes: number | null;
  /** CPU quota of the tree in cores (0.5 = half of one core, 1.5 = one and a half). */
  cpuMax: number | null;
  /** Most processes (and threads) the tree may hold at once; forks past it fail. */
  pidsMax: number | null;
  /** The hard limits of its group, shared by all the group's members (from the config file's `groups:`). */
  group: GroupLimits | null;
}

export interface GroupLimits {
  name: string;
  memoryMaxBytes: number | null;
  cpuMax: number | null;
  pidsMax: number | null;
}

/** Who the process runs as, and at which CPU and I/O priority. */
export interface IdentitySection {
  /** A user name or uid; null: the daemon's own user. */
  user: string | null;
  /** A group name or gid replacing the user's primary group; null: the user's own. */
  group: string | null;
  nice: number | null;
  /** "realtime", "best-effort" or "idle", with a level 0-7 for the first two ("best-effort:4"). */
  ionice: string | null;
}

export interface NotifySection {
  /** false: this process sends no notifications at all. */
  enabled: boolean;
  /** Extra webhooks for this process only. */
  webhooks: string[];
  /** Notifier plugins (daemon.yaml plugins:) for this process only; absent in specs stored before plugins. */
  plugins?: string[];
}

/**
 * A process that runs in a container: the supervisor's child is the runtime's foreground client
 * (`podman run --rm ...`, output attached), while stop, kill and clean-up go through the runtime by the
 * container's name (src/isolation/container.ts). `command`/`args` are the container's command; an empty
 * command runs the image's own.
 */
export interface ContainerSection {
  runtime: 'podman' | 'docker';
  image: string;
  /** Published ports as the runtime writes them: "[IP:]HOST:CONTAINER[/tcp|/udp]". */
  ports: string[];
  /** Mounts "SOURCE:TARGET[:OPTIONS]"; a host path is absolute, a bare name is a named volume. */
  volumes: string[];
  /** The user (name or uid[:gid]) inside the container; null: the image's. */
  user: string | null;
}

/**
 * A process that runs inside a Nix environment: the packages (`nix-shell -p`) or an expression file
 * (`nix-shell FILE`). The environment is evaluated once and cached under SENTINEL_HOME (src/isolation/nix.ts).
 */
export interface NixSection {
  packages: string[];
  /** Absolute path of a shell.nix / default.nix; null with packages. */
  file: string | null;
}

/**
 * Restart on file changes: the trees under `paths` are watched (src/watch/); a burst of changes ends in
 * one restart, `delayMs` after the last change. `node_modules`, `.git` and the `.gitignore` patterns at
 * each watched root are ignored on top of `ignore`.
 */
export interface WatchSection {
  /** Absolute paths (directories or single files). */
  paths: string[];
  /** Globs, gitignore-style: "*.log" matches at any depth, "logs/**" from a watched root, "!keep.log" re-includes. */
  ignore: string[];
  delayMs: number;
}

export const DEFAULT_WATCH_DELAY_MS = 500;

/** Where a spec came from, for `up`/`down`/`reload` and secret rotation. */
export interface SourceSection {
  /** The config file that created the process; null for `sentinel run`. */
  configFile: string | null;
  /** Dependencies, groups expanded to their members. */
  dependsOn: Record<string, 'started' | 'ready' | 'healthy' | 'completed_successfully'>;
  /** false: `up` leaves it stopped unless named. */
  autostart: boolean;
  /** The `ports:` entry the port came from. */
  portName: string | null;
  /** The port is allocated by Sentinel ("auto"). */
  portAuto: boolean;
  /** Absolute paths of the env files read into env. */
  envFiles: string[];
  /** Names of the secrets the env refers to, and the versions the process was started with. */
  secrets: string[];
  secretVersions: Record<string, number>;
}

/** The process a scoped process belongs to (a shell, a CI job): when it exits, the process is stopped and deleted. */
export interface ScopeSection {
  pid: number;
  /** Its start time (clock ticks after boot), so a recycled pid is not mistaken for it. */
  startTime: number;
}

/**
 * How the instances of a definition get their port (src/cluster/):
 *   shared        the daemon binds PORT once; every instance inherits the socket as fd 3 (systemd's
 *                 LISTEN_FDS/LISTEN_PID) and listens on it, so all share one accept queue
 *   per-instance  instance i gets PORT = port + i (also in its readiness and liveness targets)
 *   proxy         a TCP proxy in the daemon listens on the port; instance i gets PORT = port + 1 + i
 * null: every instance gets the same PORT and binds it itself.
 */
export type PortMode = 'shared' | 'per-instance' | 'proxy';

/**
 * A custom scaling policy: a command, or a JS module run by Node, that reads the metrics (JSON) and answers a
 * count; or a scaling plugin (daemon.yaml plugins:) asked through the daemon's plugin host. Exactly one is set.
 */
export interface ScalePolicy {
  command: string | null;
  /** Absolute path of a module whose default export takes the metrics and returns (or resolves to) a count. */
  module: string | null;
  /** A scaling plugin and the options passed with each `decide` (absent in specs stored before plugin policies). */
  plugin?: { name: string; options: Record<string, unknown> } | null;
  timeoutMs: number;
}

/** A runtime plugin (daemon.yaml plugins:) asked before each spawn for the argv, env and cwd to run instead. */
export interface WrapSection {
  plugin: string;
  /** Passed with each `wrap`, over the plugin's own options. */
  options: Record<string, unknown>;
}

/**
 * Scaling on load (src/cluster/autoscaler.ts): out when the average tree-wide CPU or memory per instance
 * stays above its target for `upAfterMs`, in when both stay below for `downAfterMs`; none within
 * `cooldownMs` of the last change. A policy replaces the targets.
 */
export interface ScaleSection {
  min: number;
  max: number;
  /** Per-instance CPU target in percent of one core. */
  cpuPercent: number | null;
  memoryBytes: number | null;
  upAfterMs: number;
  downAfterMs: number;
  cooldownMs: number;
  policy: ScalePolicy | null;
}

export const SCALE_DEFAULTS = { cpuPercent: 70, upAfterMs: 30_000, downAfterMs: 300_000, cooldownMs: 60_000, policyTimeoutMs: 5_000 };

export interface ProcessSpec {
  name: string;
  /** Shell string (run through /bin/sh -c) when `shell` is true, else argv[0] + args. */
  command: string;
  args: string[];
  shell: boolean;
  cwd: string;
  /** The environment the child gets, complete (captured from the client, merged with env files). */
  env: Record<string, string>;
  group: string | null;
  /** How many copies of this definition run (each an instance with its own pid and logs). */
  instances: number;
  restart: RestartPolicy;
  /** Restart on this cron schedule as well. */
  restartCron: { cron: string; tz: string | null } | null;
  stopSignal: NodeJS.Signals;
  stopTimeoutMs: number;
  /** How long `run` waits to see whether the process crashed immediately. */
  startWaitMs: number;
  port: number | null;
  /** How instances share or split the port; null: each gets PORT as it is. */
  portMode: PortMode | null;
  /** Scaling on load; null: the count changes only when asked (`sentinel scale`). */
  scale: ScaleSection | null;
  logMaxBytes: number;
  logKeep: number;
  /** gzip rotated log files. */
  logCompress: boolean;
  /**
   * Exact per-line times: output goes through a pipe the daemon reads and stamps, instead of straight
   * to the file (whose times come from the rotator's 1 s samples).
   */
  logTimestamps: boolean;
  readiness: ReadinessSection | null;
  liveness: LivenessSection | null;
  limits: LimitsSection;
  identity: IdentitySection;
  notify: NotifySection;
  source: SourceSection;
  /** Tied to another process's life (`run --scope`); null: lives until deleted. */
  scope: ScopeSection | null;
  /** null: a plain process on this machine. */
  container: ContainerSection | null;
  /** null: no Nix environment. */
  nix: NixSection | null;
  /** null: file changes do not restart it. */
  watch: WatchSection | null;
  /** null (or absent, in specs stored before runtime plugins): started as it is. */
  wrap?: WrapSection | null;
}

/**
 * Safe defaults: a crash loop backs off exponentially (100 ms doubling to 30 s, ±20% jitter, back to
 * 100 ms after a run of min-uptime) and ends `failed` after 15 restarts in a row that did not stay up
 * min-uptime (PM2's 15 unstable restarts; window 0 = since the last stable run).
 */
export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  mode: 'never',
  exitCodes: [],
  noRestartExitCodes: [],
  maxRestarts: 15,
  windowMs: 0,
  delayMs: 100,
  backoff: 'exponential',
  backoffMaxMs: 30_000,
  jitter: 0.2,
  minUptimeMs: 1000,
};

export const NO_LIMITS: LimitsSection = { maxMemoryBytes: null, maxCpu: null, memoryMaxBytes: null, cpuMax: null, pidsMax: null, group: null };
export const NO_IDENTITY: IdentitySection = { user: null, group: null, nice: null, ionice: null };
export const DEFAULT_NOTIFY: NotifySection = { enabled: true, webhooks: [] };

export function defaultSource(): SourceSection {
  return { configFile: null, dependsOn: {}, autostart: true, portName: null, portAuto: false, envFiles: [], secrets: [], secretVersions: {} };
}

/** The optional sections of a spec with nothing set: one instance, no checks, no limits, no identity. */
export function emptySections(): Pick<ProcessSpec, 'instances' | 'restartCron' | 'logCompress' | 'logTimestamps' | 'readiness' | 'liveness' | 'limits' | 'identity' | 'notify' | 'source' | 'scope' | 'container' | 'nix' | 'watch' | 'portMode' | 'scale'> {
  return {
    instances: 1, portMode: null, scale: null, restartCron: null, logCompress: false, logTimestamps: false, readiness: null, liveness: null,
    limits: { ...NO_LIMITS }, identity: { ...NO_IDENTITY }, notify: { ...DEFAULT_NOTIFY, webhooks: [] }, source: defaultSource(), scope: null,
    container: null, nix: null, watch: null,
  };
}

export const DEFAULTS = {
  stopSignal: 'SIGTERM' as NodeJS.Signals,
  stopTimeoutMs: 10_000,
  startWaitMs: 300,
  logMaxBytes: 10 * 1024 * 1024,
  logKeep: 5,
};

/** The one ending of a run (execa's result shape). */
export interface ExitRecord {
  pid: number;
  exitCode: number | null;
  signal: string | null;
  startedAt: number;
  endedAt: number;
  durationMs: number;
  /** Sentinel asked it to stop. */
  stoppedByUs: boolean;
  /** It ignored the stop signal and was killed with SIGKILL after the timeout. */
  forceKilled: boolean;
  timedOut: boolean;
  /** Why it ended when the kernel says more than the exit status (a cgroup's memory limit reached). */
  cause?: string;
}
