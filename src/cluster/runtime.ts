// The cluster subsystem in the daemon: what each instance's run gets (its PORT, the shared socket as
// fd 3 with LISTEN_FDS, or the proxy in front), the readiness condition of a shared socket (some
// instance listens on it) and of a proxy (it listens), and their release once the definition is stopped
// or deleted.
import { instancePort, parseInstanceRef } from '../core/instances.js';
import { humanDuration } from '../core/duration.js';
import { SentinelError } from '../core/errors.js';
import type { SpawnExtras, Supervisor } from '../core/supervisor.js';
import type { ProcessRecord } from '../store/processes.js';
import { SharedSockets } from './shared-socket.js';
import { InstanceProxy } from './proxy.js';

/** How long a shared-socket instance may take to listen when it has no readiness timeout of its own. */
export const SHARED_LISTEN_TIMEOUT_MS = 30_000;
/** A definition whose instances are all down keeps its socket this long (a restart re-uses it: nothing refused). */
const RELEASE_GRACE_MS = 1000;
const POLL_MS = 50;

/** The address a shared socket binds: the definition's HOST variable, else loopback. */
export function sharedHost(rec: ProcessRecord): string {
  return rec.spec.env.HOST?.trim() || '127.0.0.1';
}

export interface ClusterRuntime {
  sockets: SharedSockets;
  proxies: Map<string, { proxy: InstanceProxy; started: Promise<void> }>;
  close(): void;
}

export function installCluster(sup: Supervisor): ClusterRuntime {
  const sockets = new SharedSockets();
  const timers = new Set<NodeJS.Timeout>();
  const proxies = new Map<string, { proxy: InstanceProxy; started: Promise<void> }>();

  /** The definition's proxy, started on first use (its listen error surfaces in the readiness of the instance). */
  const proxyFor = (rec: ProcessRecord) => {
    const port = rec.spec.port!;
    const known = proxies.get(rec.name);
    if (known && known.proxy.port === port) return known;
    known?.proxy.close();
    const proxy = new InstanceProxy({
      host: sharedHost(rec),
      port,
      backends: () => sup.instancesOf(rec.name).filter((m) => m.state === 'running').map((m) => ({ host: '127.0.0.1', port: instancePort(m)! })),
    });
    const entry = { proxy, started: proxy.start() };
    entry.started.catch(() => proxies.get(rec.name) === entry && proxies.delete(rec.name));
    proxies.set(rec.name, entry);
    return entry;
  };

  const extras: SpawnExtras = (rec) => {
    const mode = rec.spec.portMode;
    const port = instancePort(rec);
    if (mode === null || port === null) return null;
    const env: Record<string, string> = { PORT: String(port) };
    if (mode === 'per-instance') return { env };
    if (mode === 'proxy') {
      proxyFor(rec);
      return { env };
    }
    const listenFd = sockets.acquire(rec.name, sharedHost(rec), port);
    return { env: { ...env, LISTEN_FDS: '1', LISTEN_FDNAMES: rec.name }, listenFd };
  };
  sup.setSpawnExtras(extras);

  // a shared-socket instance is ready once the socket listens (and its own readiness, if any, held)
  const inner = sup.readinessGate;
  sup.setReadinessGate((rec, isAlive, offsets) => {
    const own = inner?.(rec, isAlive, offsets) ?? null;
    if (rec.spec.portMode === 'proxy') {
      // the proxy must listen (its port free) before an instance behind it counts as started
      const started = proxies.get(rec.name)?.started ?? Promise.resolve();
      return own ? Promise.all([own, started]).then(() => undefined) : started;
    }
    if (rec.spec.portMode !== 'shared') return own;
    const timeoutMs = rec.spec.readiness?.timeoutMs ?? SHARED_LISTEN_TIMEOUT_MS;
    const listening = new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const check = () => {
        timers.delete(timer);
        if (!isAlive()) return resolve(); // its exit is reported by the supervisor
        const state = sockets.listening(rec.name);
        if (state !== false) return resolve();
        if (Date.now() - started >= timeoutMs) {
          return reject(new SentinelError(
            'STARTUP_TIMEOUT',
            `"${rec.name}" never listened on the shared socket (fd 3, port ${rec.spec.port}) within ${humanDuration(timeoutMs)}: ` +
            'the program must listen on the socket it inherits (LISTEN_FDS=1, fd 3) instead of binding PORT itself — see examples/shared-socket — or use port_mode per-instance',
          ));
        }
        timer = setTimeout(check, POLL_MS);
        timers.add(timer);
      };
      let timer = setTimeout(check, POLL_MS);
      timers.add(timer);
    });
    return own ? Promise.all([own, listening]).then(() => undefined) : listening;
  });

  // an instance behind the proxy is out of the rotation once `stopping`; what was routed to it may end first
  sup.setStopGate((rec) => {
    const port = instancePort(rec);
    const entry = rec.spec.portMode === 'proxy' && port !== null ? proxies.get(rec.name) : undefined;
    return entry ? entry.proxy.drain(port!, rec.spec.stopTimeoutMs) : null;
  });

  // the socket goes once no instance of its definition is up or wanted
  sup.on('state', (ev: { processName: string | null; kind: string; newState: string | null }) => {
    if (!ev.processName || !(ev.kind === 'deleted' || ev.newState === 'stopped' || ev.newState === 'failed')) return;
    const name = parseInstanceRef(ev.processName).name;
    const held = (n: string) => sockets.has(n) || proxies.has(n);
    const def = held(name) ? name : held(ev.processName) ? ev.processName : null;
    if (def === null) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      const members = sup.instancesOf(def);
      const needed = members.some((m) => m.spec.portMode !== null && (sup.isLive(m) || m.wantRunning || m.state === 'backoff'));
      if (!needed) {
        sockets.release(def);
        proxies.get(def)?.proxy.close();
        proxies.delete(def);
      }
    }, RELEASE_GRACE_MS);
    timers.add(timer);
  });

  return {
    sockets,
    proxies,
    close() {
      for (const t of timers) clearTimeout(t);
      sockets.closeAll();
      for (const { proxy } of proxies.values()) proxy.close();
      proxies.clear();
    },
  };
}
