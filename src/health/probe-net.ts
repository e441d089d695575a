// TCP and HTTP probes: one attempt each, bounded by a timeout and an optional AbortSignal.
import net from 'node:net';
import http from 'node:http';
import https from 'node:https';

export interface ProbeResult {
  ok: boolean;
  detail: string;
  durationMs: number;
}

export interface ProbeOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface TcpProbeTarget {
  host?: string;
  port: number;
  /**
   * Bytes to write after connecting; the probe then needs at least one byte back.
   * A plain connect succeeds even against a SIGSTOP'd server (the kernel completes
   * the handshake from the listen backlog), so a wedged server needs this exchange.
   */
  send?: string;
}

function elapsed(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Runs `attempt`, settling once: when it reports, at the timeout, or when the signal aborts. */
function runBounded(
  opts: ProbeOptions,
  attempt: (finish: (ok: boolean, detail: string) => void) => () => void,
  timeoutDetail: string,
): Promise<ProbeResult> {
  const start = process.hrtime.bigint();
  return new Promise((resolve) => {
    let done = false;
    let cleanup: () => void = () => {};
    const finish = (ok: boolean, detail: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      cleanup();
      resolve({ ok, detail, durationMs: elapsed(start) });
    };
    const onAbort = (): void => finish(false, 'aborted');
    const timer = setTimeout(() => finish(false, timeoutDetail), opts.timeoutMs);
    timer.unref();
    if (opts.signal?.aborted) return finish(false, 'aborted');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    cleanup = attempt(finish);
    if (done) cleanup();
  });
}

function describeNetError(err: NodeJS.ErrnoException): string {
  if (err.code === 'ECONNREFUSED') return 'connection refused';
  if (err.code === 'ECONNRESET') return 'connection reset';
  if (err.code === 'ENOTFOUND') return `host not found (${err.message})`;
  return err.code ? `${err.code}: ${err.message}` : err.message;
}

/** Connects to host:port (and, with `send`, waits for a reply). */
export function probeTcp(target: TcpProbeTarget, opts: ProbeOptions): Promise<ProbeResult> {
  const host = target.host ?? '127.0.0.1';
  const where = `${host}:${target.port}`;
  const waitingFor = target.send === undefined ? 'no connection' : 'no reply';
  return runBounded(
    opts,
    (finish) => {
      const socket = net.connect({ host, port: target.port });
      socket.on('error', (err) => finish(false, `${where}: ${describeNetError(err)}`));
      socket.on('connect', () => {
        if (target.send === undefined) return finish(true, `${where}: connected`);
        socket.write(target.send);
      });
      socket.on('data', () => finish(true, `${where}: replied`));
      socket.on('end', () => finish(false, `${where}: closed without a reply`));
      return () => socket.destroy();
    },
    `${where}: ${waitingFor} within ${opts.timeoutMs}ms`,
  );
}

export interface HttpProbeTarget {
  url: string;
  /** Inclusive [min, max]; default 200-399. */
  expectStatus?: [number, number];
}

function describeRange([min, max]: [number, number]): string {
  return min === max ? String(min) : `${min}-${max}`;
}

/** GETs the URL without connection reuse, so every probe proves the server still accepts and answers. */
export function probeHttp(target: HttpProbeTarget, opts: ProbeOptions): Promise<ProbeResult> {
  const range = target.expectStatus ?? [200, 399];
  const lib = target.url.startsWith('https:') ? https : http;
  return runBounded(
    opts,
    (finish) => {
      let req: http.ClientRequest;
      try {
        req = lib.get(target.url, { agent: false, headers: { 'user-agent': 'sentinel-health' } }, (res) => {
          const status = res.statusCode ?? 0;
          res.resume();
          const ok = status >= range[0] && status <= range[1];
          finish(ok, ok ? `HTTP ${status}` : `HTTP ${status} (expected ${describeRange(range)})`);
        });
      } catch (err) {
        finish(false, (err as Error).message);
        return () => {};
      }
      req.on('error', (err) => finish(false, describeNetError(err)));
      return () => req.destroy();
    },
    `no response within ${opts.timeoutMs}ms`,
  );
}

export { elapsed };
