// One listening socket shared by every instance of a definition, in any language.
//
// The daemon creates the socket *bound but not listening* and hands it to each instance as fd 3, with
// systemd's socket-activation variables (LISTEN_FDS=1, LISTEN_PID = the child's own pid, set by the
// spawner). Each instance listens on it: they share one accept queue, and since the daemon keeps its copy
// open, an instance can be replaced without a connection being refused — pending connections wait in the
// queue for the next one. A parent that listened itself would take a share of the connections it never
// serves; binding without listening is what Node's own cluster module does (net._createServerHandle).
// That call is internal: sharedSocketSupport() says whether it exists, and the mode is refused if not.
//
// The passed socket is non-blocking (libuv sets O_NONBLOCK on the shared file description). A program
// that expects a blocking socket (Python's socketserver) sets it blocking itself.
import net from 'node:net';
import { readFileSync, readlinkSync } from 'node:fs';
import { getSystemErrorName } from 'node:util';
import { SentinelError } from '../core/errors.js';

interface ServerHandle {
  fd: number;
  close(cb?: () => void): void;
}
type CreateServerHandle = (address: string, port: number, addressType: number, fd?: number, flags?: number) => ServerHandle | number;

function createServerHandle(): CreateServerHandle | null {
  const fn = (net as unknown as { _createServerHandle?: CreateServerHandle })._createServerHandle;
  return typeof fn === 'function' ? fn : null;
}

/** Null when this Node can create a bound, not listening socket; else why not. */
export function sharedSocketSupport(): string | null {
  return createServerHandle() ? null : `this Node (${process.version}) lacks the call that creates a shared socket; use port_mode proxy (or per-instance)`;
}

interface Entry {
  handle: ServerHandle;
  host: string;
  port: number;
  inode: string | null;
}

function inodeOf(fd: number): string | null {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`).match(/^socket:\[(\d+)\]$/)?.[1] ?? null;
  } catch {
    return null;
  }
}

/** True when the socket with this inode is in the LISTEN state (some instance called listen on it). */
export function socketListening(inode: string): boolean {
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[9] === inode) return f[3] === '0A';
    }
  }
  return false;
}

export class SharedSockets {
  private readonly sockets = new Map<string, Entry>();

  /** The fd of the definition's socket, created on first use; throws when the port cannot be bound. */
  acquire(name: string, host: string, port: number): number {
    const known = this.sockets.get(name);
    if (known && known.host === host && known.port === port) return known.handle.fd;
    if (known) this.release(name);
    const create = createServerHandle();
    if (!create) throw new SentinelError('INVALID_ARGUMENT', sharedSocketSupport()!);
    const family = net.isIPv6(host) ? 6 : 4;
    const handle = create(host, port, family);
    if (typeof handle === 'number') {
      const code = getSystemErrorName(handle);
      if (code === 'EADDRINUSE') {
        throw new SentinelError('PORT_IN_USE', `cannot share port ${port} on ${host}: it is in use (EADDRINUSE) — by another program, or by instances an earlier daemon left running; stop every instance ("sentinel stop ${name}") and start them again, or pick another port`);
      }
      throw new SentinelError('PORT_IN_USE', `cannot create the shared socket on ${host}:${port}: ${code}; pick another port or host (HOST)`);
    }
    this.sockets.set(name, { handle, host, port, inode: inodeOf(handle.fd) });
    return handle.fd;
  }

  has(name: string): boolean {
    return this.sockets.has(name);
  }

  /** Whether an instance has started listening on the definition's socket (null: not known here). */
  listening(name: string): boolean | null {
    const e = this.sockets.get(name);
    if (!e?.inode) return null;
    return socketListening(e.inode);
  }

  release(name: string): void {
    const e = this.sockets.get(name);
    if (!e) return;
    this.sockets.delete(name);
    e.handle.close();
  }

  names(): string[] {
    return [...this.sockets.keys()];
  }

  closeAll(): void {
    for (const name of this.names()) this.release(name);
  }
}
