// The daemon's entry: ordered start-up hooks (lock, state, supervisor, server, resume), shut-down in reverse.
import { discoverySpawner, type ServiceDirectory } from './discovery.js';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { homePaths } from './home.js';
import { createLogger, logRotationFromEnv, type Logger } from './logger.js';
import { acquireDaemonLock } from './lock.js';
import { DamagedDatabaseError, openDb, type Db } from '../store/db.js';
import { ProcessRepo, retentionFromEnv } from '../store/processes.js';
import { GroupRepo, PortRepo } from '../store/groups-ports.js';
import { MetaRepo } from '../store/meta.js';
import { Supervisor } from '../core/supervisor.js';
import { systemClock } from '../core/clock.js';
import { realSpawner } from '../core/spawn.js';
import { installCluster } from '../cluster/runtime.js';
import { startAutoscaler } from '../cluster/autoscale-loop.js';
import { scaleTo } from './ops/cluster.js';
import { identitySpawner } from '../isolation/identity.js';
import { ContainerManager, containerHost, containerSpawner } from '../isolation/container.js';
import { NixCache, nixHost, nixSpawner } from '../isolation/nix.js';
import { CgroupManager } from '../isolation/cgroup.js';
import { cgroupHost, cgroupSpawner } from '../isolation/cgroup-spawner.js';
import { createRealHost } from '../core/real-host.js';
import type { ProcessHost } from '../core/host.js';
import { createLogPort } from './log-port.js';
import { UsageSampler } from './metrics.js';
import { checkHistorySettings, cpuBudgetOf, MetricsHistory, quietMaxMsOf } from './metrics-history.js';
import { ScanCache } from '../metrics/scan-cache.js';
import { loopLagMsOf } from '../metrics/loop-lag.js';
import { TreeScanner } from '../metrics/tree-scan.js';
import { ChangeProbe } from '../metrics/change-probe.js';
import { RunCounts } from '../metrics/run-counts.js';
import { checkExportTarget, startFileExport } from '../metrics/textfile.js';
import { buildOperations, invokeOperation, type OperationTable } from './operations.js';
import { createApiServer } from '../api/server.js';
import { isSentinelError } from '../core/errors.js';
import type { Daemon } from './context.js';
import { createRotation } from './rotation.js';
import { createHealthMonitor, notifyWindowFromEnv } from './health-monitor.js';
import { createPluginHost } from '../plugins/host.js';
import { wrapHook } from '../plugins/wrap.js';
import { watchDisk } from './disk-watch.js';
import { guardDbFiles } from './db-watch.js';
import { redactSecrets, secretSpawner, secretStoreFor } from './secrets-store.js';
import { TokenRepo } from '../store/tokens.js';
import { DeployRepo } from '../store/deploys.js';
import { DeployEngine } from '../cluster/deploy.js';
import type { FaceRegistrar } from '../api/tcp/server.js';
import { createScopeWatcher } from './scopes.js';
import { isAlive } from '../core/proc.js';
import { loadDaemonSettings, settingsFile, type DaemonSettings } from './settings.js';
import { createWatchPort } from './watch-port.js';
import { collectWhenIdle } from './idle-gc.js';
import { trimMalloc } from '../core/native.js';
import { createPeriodic } from './periodic.js';
import { checkEnvTimings, envMs, envMsOrUnset } from '../core/env-ms.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const version = (JSON.parse(readFileSync(path.join(here, '../../package.json'), 'utf8')) as { version: string }).version;

async function main(): Promise<void> {
  const paths = homePaths();
  mkdirSync(paths.home, { recursive: true, mode: 0o700 });
  // every line of the daemon's log passes through the secret redactor
  const log = createLogger(paths.daemonLog, { minLevel: process.env.SENTINEL_LOG_LEVEL === 'debug' ? 'debug' : 'info', redact: redactSecrets });
  let lock;
  try {
    lock = acquireDaemonLock(paths.lock, paths.pidFile);
  } catch (err) {
    const message = isSentinelError(err) ? err.message : String(err);
    log.warn('DAEMON_RUNNING', message);
    process.stderr.write(`sentinel daemon: ${message}\n`);
    process.exit(3);
  }
  writeFileSync(paths.pidFile, `${process.pid}\n`);
  let settings: DaemonSettings;
  try {
    settings = await loadDaemonSettings(paths.home, { listen: argValue('--listen') });
    // a file export that cannot work stops the start (with how to fix it) rather than fail quietly every interval
    checkHistorySettings(settings.metrics, settingsFile(paths.home));
    if (settings.metrics.file) checkExportTarget(settings.metrics.file, settingsFile(paths.home));
    // the SENTINEL_*_MS timings, read later (some only in the middle of a stop): a bad one stops the start here
    checkEnvTimings();
    retentionFromEnv();
    logRotationFromEnv(process.env, true);
    notifyWindowFromEnv();
  } catch (err) {
    fatal(log, isSentinelError(err) ? err.message : String(err), 2);
  }
  const shutdownSteps: Array<() => Promise<void> | void> = [() => lock.release(), () => rmSync(paths.pidFile, { force: true })];

  // the key stays in this process's memory only: nothing the daemon starts or writes inherits it
  const keyEnv = { SENTINEL_SECRET_KEY: process.env.SENTINEL_SECRET_KEY };
  delete process.env.SENTINEL_SECRET_KEY;
  const db = openStateDb(paths.db, log, process.argv.includes('--reset-damaged-db'));
  shutdownSteps.unshift(() => void db.close());
  const processes = new ProcessRepo(db);
  const rotation = createRotation(paths.logsDir, log);
  shutdownSteps.unshift(() => rotation.close());
  const logPort = createLogPort(paths.logsDir, rotation, (err, file) => log.warn('LOG_STAMP_FAILED', `stamped output for ${file}: ${(err as Error).message}`));
  shutdownSteps.unshift(() => logPort.close());
  const containers = new ContainerManager(paths.home, (m) => log.warn('CONTAINER', m));
  // the runtime decorators are innermost: a container's client or a Nix shell is what gets spawned
  const runtimes = (host: ProcessHost) => nixHost(containerHost(host, containers));
  const runtimeSpawner = containerSpawner(nixSpawner(realSpawner, new NixCache(paths.home)), containers);
  const cgroups = new CgroupManager(paths.home, { log: (m) => log.warn('CGROUP', m) });
  // ${service:NAME.port} and the dependencies' NAME_PORT are resolved at each spawn from the supervisor's processes
  let services: ServiceDirectory | undefined;
  const supervisor = new Supervisor({
    repo: processes,
    clock: systemClock,
    // ${secret:NAME} markers stay in the stored spec and are resolved only into the child's environment;
    // (then user, nice and ionice are applied, then the cgroups of hard limits are joined before exec, then a
    // container's client or a Nix shell is what gets spawned); schedule runs use this same host
    // (supervisor.host), so they get every spawner decorator too
    host: runtimes(cgroupHost(createRealHost(discoverySpawner(secretSpawner(identitySpawner(cgroupSpawner(runtimeSpawner, cgroups)), secretStoreFor(db, paths.secretKey, keyEnv)), () => services)), cgroups)),
    logs: logPort,
    adoptPollMs: envMs('SENTINEL_ADOPT_POLL_MS', 1000),
  });
  services = supervisor;
  // after a burst of starts, stops or restarts, the heap the burst filled goes back to the system
  const idleGc = collectWhenIdle({
    gc: (globalThis as { gc?: () => void }).gc, clock: systemClock, trim: trimMalloc,
    onCollect: (ms) => log.debug('IDLE_GC', `heap collected after a burst of state changes in ${ms.toFixed(1)} ms`, { heapTotal: process.memoryUsage().heapTotal }),
  });
  shutdownSteps.unshift(() => idleGc.close());
  supervisor.on('state', (ev: { processName: string; oldState: string; newState: string; reason: string; exitCode: number | null; signal: string | null }) => {
    idleGc.note();
    if (ev.newState === 'exited' || ev.newState === 'failed' || ev.newState === 'backoff') {
      log.info('PROCESS_EXIT', `${ev.processName}: ${ev.oldState} -> ${ev.newState}: ${ev.reason}`, { exitCode: ev.exitCode, signal: ev.signal });
    }
  });

  // the periodic checks under SENTINEL_HOME share one timer: an idle daemon wakes once for both
  const periodic = createPeriodic();
  shutdownSteps.unshift(() => periodic.close());
  const disk = watchDisk({ home: paths.home, supervisor, repo: processes, log, periodic });
  shutdownSteps.unshift(() => disk.close());
  const dbFiles = guardDbFiles({ db, file: paths.db, repo: processes, log, periodic });
  shutdownSteps.unshift(() => dbFiles.close());

  // plugins (daemon.yaml plugins:): each failure is an event and a log line, never the daemon's end
  const plugins = createPluginHost({
    home: paths.home,
    plugins: settings.plugins,
    log: (m) => log.info('PLUGIN_LOG', m),
    onEvent: (ev) => {
      const text = `plugin ${ev.plugin}: ${ev.kind}: ${ev.message}`;
      if (ev.kind === 'started') log.info('PLUGIN_STARTED', text);
      else log.warn(`PLUGIN_${ev.kind.toUpperCase()}`, text);
      processes.addEvent({
        time: Date.now(), processId: null, processName: null, kind: `plugin-${ev.kind}`, oldState: null, newState: null,
        pid: null, exitCode: null, signal: null, reason: text, actor: 'sentinel',
      });
    },
  });
  shutdownSteps.unshift(() => plugins.close());
  void plugins.start();
  // runtime plugins: a process with wrap: is started as its plugin says (the others are not touched)
  supervisor.setSpawnWrap(wrapHook(plugins));

  const health = createHealthMonitor({
    supervisor, db, logsDir: paths.logsDir, log, sampleMs: envMs('SENTINEL_SAMPLE_MS', 3000), plugins,
    // a container's command checks run inside it, where its programs are
    execWhere: (rec, command) => (rec.spec.container ? containers.execInside(rec.spec.container, rec.name, rec.instance, command) : command),
  });
  shutdownSteps.unshift(() => health.close());
  // after the health monitor: the shared socket's readiness wraps its gate
  const cluster = installCluster(supervisor);
  shutdownSteps.unshift(() => cluster.close());

  // the metrics sum the managed trees only: the scanner reads their stats, not every process's
  const scanner = new TreeScanner();
  // and while no member runs, ends or forks, the change probe answers for it (history ticks, scrapes, list)
  const liveRoots = () => supervisor.list().filter((r) => r.pid && supervisor.isLive(r)).map((r) => r.pid!);
  const scans = new ScanCache(() => scanner.scan(liveRoots()), Date.now, { probe: new ChangeProbe(), roots: liveRoots, scanList: () => scanner.lastList });
  // read by the first scrape; a bad value stops the start here rather than failing every scrape
  loopLagMsOf();
  const history = new MetricsHistory({
    scans, stepMs: settings.metrics.step, historyMs: settings.metrics.history, cpuBudget: cpuBudgetOf(), quietMaxMs: quietMaxMsOf(),
    records: () => supervisor.list(), isLive: (rec) => supervisor.isLive(rec),
  });
  shutdownSteps.unshift(() => history.stop());

  const deployRepo = new DeployRepo(db);
  const deploys = new DeployEngine(supervisor, deployRepo, (m) => log.info('DEPLOY', m));
  let shuttingDown = false;
  let ops: OperationTable = new Map();
  const daemon: Daemon = {
    paths, db, supervisor, processes, groups: new GroupRepo(db), ports: new PortRepo(db), log,
    usage: new UsageSampler(scans, (pid) => cgroups.usageOfPid(pid)), metrics: { scans, history, runs: new RunCounts() }, rotation, health, plugins, settings, containers, startedAt: Date.now(), tokens: new TokenRepo(db), listener: null, deploys, deployRepo,
    requestShutdown: (o) => setImmediate(() => void shutdown(o?.keepProcesses ? 'restart requested by a client (processes left running)' : 'requested by a client', o?.keepProcesses ?? false)),
    onShutdown: (step) => void shutdownSteps.unshift(step),
    // the same door as the API: parameters checked against the operation's contract
    call: (op, params) => invokeOperation(ops, op, params, { actor: 'config', signal: new AbortController().signal }) as never,
  };

  const bootId = readBootId();
  const meta = new MetaRepo(db);
  const lastBoot = meta.get('boot_id');
  meta.set('boot_id', bootId);
  const recovered = supervisor.recover(lastBoot !== undefined && lastBoot !== bootId);
  if (recovered.adopted.length) log.info('ADOPTED', `re-adopted ${recovered.adopted.length} processes`, { names: recovered.adopted });
  sweepContainers(supervisor, containers, log);
  // cgroups of runs that are not adopted are what a crashed daemon left: killed and removed
  const swept = cgroups.sweep(supervisor.list().filter((r) => supervisor.isLive(r) && r.pid).map((r) => r.pid!));
  if (swept.removed.length) log.info('CGROUP_SWEEP', `removed ${swept.removed.length} cgroups left by an earlier daemon`, { names: swept.removed });
  if (recovered.lost.length) log.warn('LOST', `${recovered.lost.length} processes ended while the daemon was down`, { names: recovered.lost });

  // after recovery: processes that watch files are known, so the watcher loads only if one does
  const watches = createWatchPort(supervisor, log, paths.home);
  daemon.watches = watches;
  shutdownSteps.unshift(() => watches.close());
  ops = buildOperations(daemon, version);
  const autoscaler = startAutoscaler({
    supervisor,
    usage: new UsageSampler(scans, (pid) => cgroups.usageOfPid(pid)),
    scaleTo: (name, to, reason) => scaleTo(daemon, name, () => to, 'autoscaler', () => reason),
    decide: (plugin, request, timeoutMs) => plugins.decide(plugin, request, timeoutMs),
    warn: (rec, kind, reason) => {
      supervisor.note(rec, kind, reason, 'autoscaler');
      log.warn('SCALE', `${rec.name}: ${reason}`);
    },
  });
  shutdownSteps.unshift(() => autoscaler.close());
  // the TCP face is loaded only when asked for: a daemon without a listen address never loads fastify
  if (settings.api.listen) {
    try {
      const { startTcpServer } = await import('../api/tcp/server.js');
      // ── faces served on the TCP listener register their routes here (metrics, dashboard…): each gets the
      // fastify app and the API's authenticate / requireRole / sendError (see FaceRegistrar in api/tcp/server.ts)
      const { metricsFace } = await import('../api/tcp/metrics-face.js');
      // the web dashboard (its page and assets at /) is one face of the listener
      const { registerDashboard } = await import('../dashboard/register.js');
      const tcpFaces: FaceRegistrar[] = [metricsFace, registerDashboard];
      const tcp = await startTcpServer({ ops, daemon, log, redact: redactSecrets, settings: settings.api }, { listen: settings.api.listen, registerFaces: tcpFaces });
      daemon.listener = { url: tcp.url, tls: tcp.tls };
      shutdownSteps.unshift(() => tcp.close());
      log.info('API_LISTENING', `TCP API listening on ${tcp.url}`);
    } catch (err) {
      fatal(log, isSentinelError(err) ? err.message : String(err), 2);
    }
  }
  const server = createApiServer(ops, log, { actor: 'api', redact: redactSecrets, version });
  rmSync(paths.socket, { force: true }); // we hold the lock: any socket file left is stale
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(paths.socket, () => resolve());
  });
  chmodSync(paths.socket, 0o600);
  shutdownSteps.unshift(() => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }));
  history.start();
  if (settings.metrics.file) {
    const exporter = startFileExport({
      file: settings.metrics.file,
      intervalMs: settings.metrics.interval,
      log,
      render: async () => ((await invokeOperation(ops, 'metrics.exposition', {}, { actor: 'metrics-file', signal: new AbortController().signal })) as { body: string }).body,
    });
    await exporter.writeNow();
    shutdownSteps.unshift(() => exporter.stop());
  }
  log.info('DAEMON_STARTED', `daemon started (pid ${process.pid}, version ${version})`, { home: paths.home });

  const scopes = createScopeWatcher({
    list: () => supervisor.list(),
    remove: async (name, actor) => void (await invokeOperation(ops, 'delete', { ref: name }, { actor, signal: new AbortController().signal })),
    isAlive: (pid, startTime) => isAlive(pid, startTime),
    log,
    pollMs: envMs('SENTINEL_SCOPE_POLL_MS', 500),
    // a daemon started for scopes goes once nothing is left in any scope and it has no schedules
    ...(process.argv.includes('--scoped')
      ? {
          keepsDaemon: async () => (await daemon.call('schedule.list', {})).schedules.length > 0,
          onEmpty: () => daemon.requestShutdown(),
          graceMs: envMs('SENTINEL_SCOPED_IDLE_GRACE_MS', 5000),
        }
      : {}),
  });
  shutdownSteps.unshift(() => scopes.close());
  // the scope poll and the autoscaler's timer run only while something needs them: a created or changed
  // definition that does arms them again
  supervisor.on('state', (ev: { kind: string; processId: number | null }) => {
    // any change brings the history's sampling back to its step (it backs off while nothing changes)
    history.wake();
    if ((ev.kind !== 'created' && ev.kind !== 'updated') || ev.processId === null) return;
    const rec = supervisor.byId(ev.processId);
    if (!rec) return;
    scopes.notice(rec);
    autoscaler.notice(rec);
  });
  // before resuming: a scoped process whose scope ended while the daemon was down (or the machine rebooted) goes, not back up
  await scopes.check();

  for (const rec of recovered.resumed) {
    supervisor.resume(rec).catch((err: Error) => log.warn('RESUME_FAILED', `could not resume ${rec.name}: ${err.message}`));
  }
  // proxies back on their ports, and a deploy the last daemon left unfinished rolled back
  void deploys.recover().then(
    (rolled) => { if (rolled.length) log.warn('DEPLOY_RECOVERED', `${rolled.length} unfinished deploys rolled back`, { ids: rolled.map((r) => r.id) }); },
    (err: Error) => log.error('DEPLOY_RECOVERY_FAILED', err.message),
  );

  async function shutdown(why: string, keepProcesses = false): Promise<void> {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info('DAEMON_STOPPING', `daemon stopping: ${why}`);
    const timeoutMs = envMsOrUnset('SENTINEL_SHUTDOWN_STOP_TIMEOUT');
    // leaving them running is what a daemon SIGKILL does too: their records keep pid and start time, and
    // the next daemon re-adopts them
    await deploys.halt();
    if (keepProcesses) supervisor.detach();
    else await supervisor.shutdown(timeoutMs);
    for (const step of shutdownSteps) {
      try {
        await step();
      } catch {
        /* keep shutting down */
      }
    }
    rmSync(paths.socket, { force: true });
    log.info('DAEMON_STOPPED', 'daemon stopped');
    process.exit(0);
  }

  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGHUP', () => undefined);
  process.on('uncaughtException', (err) => log.error('UNCAUGHT', err.message, { stack: err.stack }));
  process.on('unhandledRejection', (err) => log.error('UNHANDLED_REJECTION', String((err as Error)?.message ?? err), { stack: (err as Error)?.stack }));
}

/** Removes containers an earlier daemon left whose run is not re-adopted (in the background: nothing waits on a runtime). */
function sweepContainers(supervisor: Supervisor, containers: ContainerManager, log: Logger): void {
  const recs = supervisor.list().filter((r) => r.spec.container);
  if (recs.length === 0) return;
  const live = recs.filter((r) => supervisor.isLive(r) && r.pid).map((r) => ({ pid: r.pid!, startTime: r.pidStartTime }));
  void containers.sweep(live, recs.map((r) => r.spec.container!.runtime)).then((removed) => {
    if (removed.length) log.info('CONTAINER_SWEEP', `removed ${removed.length} containers left by an earlier daemon`, { names: removed });
  });
}

/** Ends a daemon that cannot start: the reason goes to daemon.log and stderr (the CLI that started it reads both). */
function fatal(log: Logger | null, message: string, code = 1): never {
  log?.error('DAEMON_START_FAILED', message);
  process.stderr.write(`sentinel daemon: ${message}\n`);
  rmSync(homePaths().pidFile, { force: true });
  process.exit(code);
}

/**
 * Opens state.db after checking it. A damaged one stops the start with a clear reason; only an explicit
 * `daemon start --reset-damaged-db` moves it aside (state.db.damaged-<time>, with its -wal and -shm) and starts empty.
 */
function openStateDb(file: string, log: Logger, resetDamaged: boolean): Db {
  try {
    return openDb(file, { check: true });
  } catch (err) {
    if (!(err instanceof DamagedDatabaseError)) throw err;
    if (!resetDamaged) {
      fatal(log, `${err.message}. Nothing was changed. To move it aside (state.db.damaged-<time>) and start with an empty state, run: sentinel daemon start --reset-damaged-db`, 4);
    }
    const aside = `${file}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    for (const suffix of ['', '-wal', '-shm']) {
      if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix);
    }
    log.warn('DB_RESET', `${err.message}; moved it to ${aside} and started with an empty state (--reset-damaged-db)`);
    return openDb(file, { check: true });
  }
}

/** The value after a flag on the daemon's command line (`--listen ADDR`). */
function argValue(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function readBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

main().catch((err: Error) => fatal(null, `could not start: ${err?.stack ?? String(err)}`));
