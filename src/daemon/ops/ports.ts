// Port operations: allocate (checked free on the machine), list, free; hand a port to a process.
import net from 'node:net';
import { SentinelError } from '../../core/errors.js';
import { validateName } from '../../core/names.js';
import type { Daemon, Handlers } from '../context.js';

/** True when nothing listens on the port (checked on all interfaces). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '0.0.0.0', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/**
 * Where `--port auto` looks: SENTINEL_AUTO_PORTS ("LOW-HIGH"), by default 20000–32767, below the kernel's
 * ephemeral range (32768–60999 on Linux). A port the kernel hands out for listen(0) or an outgoing
 * connection could be taken by any program between our check and the child's own bind (seen in a busy test
 * suite: the child failed with EADDRINUSE); these are taken only by programs that ask for them by number.
 */
export function autoPortRange(env: NodeJS.ProcessEnv = process.env): [number, number] {
  const given = env.SENTINEL_AUTO_PORTS;
  if (given === undefined || given === '') return [20000, 32767];
  const m = /^(\d+)-(\d+)$/.exec(given.trim());
  const low = m ? Number(m[1]) : NaN;
  const high = m ? Number(m[2]) : NaN;
  if (!(low >= 1 && high <= 65535 && low <= high)) {
    throw new SentinelError('INVALID_ARGUMENT', `SENTINEL_AUTO_PORTS="${given}" is not a port range; write LOW-HIGH with 1 <= LOW <= HIGH <= 65535 (e.g. 20000-32767)`);
  }
  return [low, high];
}

async function randomFreePort(d: Daemon): Promise<number | null> {
  const [low, high] = autoPortRange();
  const port = low + Math.floor(Math.random() * (high - low + 1));
  return !d.ports.get(port) && (await isPortFree(port)) ? port : null;
}

function checkPortNumber(port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SentinelError('INVALID_ARGUMENT', `port ${port} is out of range; use a whole number from 1 to 65535 (e.g. --port 8000)`);
  }
  return port;
}

export async function allocatePort(d: Daemon, want: number | undefined, name: string): Promise<{ port: number; name: string; allocatedAt: number }> {
  validateName(name, 'port name');
  if (want !== undefined) {
    checkPortNumber(want);
    const owner = d.ports.get(want);
    if (owner) throw new SentinelError('PORT_IN_USE', `port ${want} is already allocated to "${owner.name}"; free it with "sentinel port free ${want}" or pick another`);
    if (!(await isPortFree(want))) throw new SentinelError('PORT_IN_USE', `port ${want} is in use by another program on this machine; pick another port or omit --port for a free one`);
    return d.ports.add(want, name, Date.now());
  }
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await randomFreePort(d);
    if (port !== null) return d.ports.add(port, name, Date.now());
  }
  const [low, high] = autoPortRange();
  throw new SentinelError('PORT_IN_USE', `could not find a free port in ${low}-${high} after 50 attempts; free some ports, or widen the range with SENTINEL_AUTO_PORTS=LOW-HIGH`);
}

/** `run --port NAME|auto|8080`: reuse a port allocated under that name, or allocate one. */
export async function assignPort(d: Daemon, ref: unknown, processName: string): Promise<number> {
  if (typeof ref === 'number' || (typeof ref === 'string' && /^\d+$/.test(ref))) {
    const n = checkPortNumber(Number(ref));
    const existing = d.ports.get(n);
    if (existing) return n;
    return (await allocatePort(d, n, processName)).port;
  }
  if (typeof ref !== 'string' || ref === '') throw new SentinelError('INVALID_ARGUMENT', `--port ${JSON.stringify(ref)}: expected a port number, "auto" or the name of an allocated port`);
  if (ref === 'auto') return (await allocatePort(d, undefined, processName)).port;
  const named = d.ports.byName(ref);
  if (named) return named.port;
  return (await allocatePort(d, undefined, ref)).port;
}

/** The definitions whose processes hold each port. */
function holders(d: Daemon): Map<number, string[]> {
  const byPort = new Map<number, string[]>();
  for (const rec of d.supervisor.list()) {
    if (rec.spec.port === null) continue;
    const names = byPort.get(rec.spec.port) ?? [];
    if (!names.includes(rec.name)) names.push(rec.name);
    byPort.set(rec.spec.port, names);
  }
  return byPort;
}

/**
 * After a `sentinel run` process is deleted: frees the port that was allocated for it (allocated under
 * its name by --port auto or --port N) once no process uses it any more. Named allocations
 * (`port allocate --name`) and a config file's ports (released by `down`) stay.
 */
export function releaseOwnedPorts(d: Daemon, gone: Array<{ name: string; spec: { port: number | null; source: { configFile: string | null } } }>): number[] {
  const stillUsed = holders(d);
  const freed: number[] = [];
  for (const rec of gone) {
    const port = rec.spec.port;
    if (port === null || rec.spec.source.configFile !== null || stillUsed.has(port) || freed.includes(port)) continue;
    const alloc = d.ports.get(port);
    if (!alloc || alloc.name !== rec.name) continue;
    d.ports.remove(port);
    freed.push(port);
  }
  return freed;
}

export function portOps(d: Daemon): Handlers<'port.allocate' | 'port.list' | 'port.free'> {
  return {
    async 'port.allocate'(p) {
      const allocated = await allocatePort(d, p.port, p.name ?? 'default');
      return { port: allocated };
    },
    'port.list'() {
      const held = holders(d);
      return { ports: d.ports.list().map((p) => ({ ...p, owner: held.get(p.port)?.join(', ') ?? null })) };
    },
    'port.free'(p) {
      const port = checkPortNumber(p.port);
      if (!d.ports.get(port)) throw new SentinelError('PORT_NOT_FOUND', `port ${port} is not allocated; "sentinel port list" shows the allocated ports`);
      d.ports.remove(port);
      return { freed: port };
    },
  };
}
