// A TCP connect that closes at once, made on Node's own libuv TCP handle (the one under net.Socket)
// rather than through a net.Socket. A liveness check needs only "did the handshake complete", and at
// 100 checks a second the stream machinery around the handle (Duplex state, nextTicks, destroy and
// its events) cost about twice the kernel's share of the work; measured here, a connect-and-close
// on the bare handle takes a third of the CPU of the same through net.connect.
//
// The handle comes from process.binding('tcp_wrap'), which Node 20 still offers (it is on its list
// of bindings kept for compatibility). When it is missing, shaped differently, or would print a
// deprecation warning (--pending-deprecation), bareConnectAvailable() is false and callers use
// net.connect; SENTINEL_BARE_TCP=0 turns it off to compare or to rule it out.
import { isIPv4, isIPv6 } from 'node:net';
import { getSystemErrorName } from 'node:util';

interface TcpHandle {
  connect(req: ConnectReq, address: string, port: number): number;
  connect6(req: ConnectReq, address: string, port: number): number;
  close(): void;
}

interface ConnectReq {
  oncomplete: (status: number) => void;
}

interface TcpBinding {
  TCP: new (type: number) => TcpHandle;
  TCPConnectWrap: new () => ConnectReq;
  constants: { SOCKET: number };
}

let binding: TcpBinding | null | undefined;

function pendingDeprecation(): boolean {
  return process.execArgv.includes('--pending-deprecation') || /--pending-deprecation/.test(process.env.NODE_OPTIONS ?? '');
}

function loadBinding(): TcpBinding | null {
  if (binding !== undefined) return binding;
  binding = null;
  if (process.env.SENTINEL_BARE_TCP === '0' || pendingDeprecation()) return null;
  try {
    const b = (process as unknown as { binding(name: string): Partial<TcpBinding> }).binding('tcp_wrap');
    if (typeof b.TCP === 'function' && typeof b.TCPConnectWrap === 'function' && typeof b.constants?.SOCKET === 'number') {
      binding = b as TcpBinding;
    }
  } catch {
    binding = null;
  }
  return binding;
}

/** 4 or 6 when `host` is an IP address (no name lookup needed) and the bare handle is there, else 0. */
export function bareConnectFamily(host: string): 0 | 4 | 6 {
  const family = isIPv4(host) ? 4 : isIPv6(host) ? 6 : 0;
  return family !== 0 && loadBinding() !== null ? family : 0;
}

/** The error code of a libuv status (negative errno), e.g. -111 → "ECONNREFUSED". */
export function statusCode(status: number): string {
  try {
    return getSystemErrorName(status);
  } catch {
    return `error ${status}`;
  }
}

/**
 * Connects to an IP address and closes the connection as soon as it is made, without sending
 * anything. `done` runs once with 0 (connected) or a negative errno; the returned function
 * abandons the attempt (closing the handle) and `done` then never runs.
 * Only call with the family bareConnectFamily(host) gave.
 */
export function bareConnect(host: string, family: 4 | 6, port: number, done: (status: number) => void): () => void {
  const b = binding!;
  const handle = new b.TCP(b.constants.SOCKET);
  const req = new b.TCPConnectWrap();
  let open = true;
  let waiting = true;
  const close = (): void => {
    if (!open) return;
    open = false;
    handle.close();
  };
  req.oncomplete = (status) => {
    close();
    if (!waiting) return;
    waiting = false;
    done(status);
  };
  const err = family === 4 ? handle.connect(req, host, port) : handle.connect6(req, host, port);
  if (err) {
    // refused before any packet (e.g. EADDRNOTAVAIL): report after this turn, like a callback should
    close();
    process.nextTick(() => {
      if (!waiting) return;
      waiting = false;
      done(err);
    });
  }
  return () => {
    waiting = false;
    close();
  };
}
