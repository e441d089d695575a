// TCP and HTTP probes: one attempt each, bounded by a timeout and an optional AbortSignal.
// node:https (and with it node:tls) is imported only when an https:// check runs: most daemons never
// make one, and the module costs start-up time and memory in every daemon otherwise.
import net from 'node:net';
import type http from 'node:http';
import { bareConnect, bareConnectFamily, statusCode } from './bare-connect.js';

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

/** A start time for elapsed() (monotonic ms; a number, not a bigint: no allocation per probe). */
function now(): number {
  return performance.now();
}

function elapsed(start: number): number {
  return performance.now() - start;
}

/** Runs `attempt`, settling once: when it reports, at the timeout, or when the signal aborts. */
function runBounded(
  opts: ProbeOptions,
  attempt: (finish: (ok: boolean, detail: string) => void) => () => void,
  timeoutDetail: string,
): Promise<ProbeResult> {
  const start = now();
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

function describeNetError(err: { code?: string; message: string }): string {
  if (err.code === 'ECONNREFUSED') return 'connection refused';
  if (err.code === 'ECONNRESET') return 'connection reset';
  if (err.code === 'ENOTFOUND') return `host not found (${err.message})`;
  return err.code ? `${err.code}: ${err.message}` : err.message;
}

/** Reports one attempt: ok, what happened, how long it took (ms). */
export type CheckDone = (ok: boolean, detail: string, durationMs: number) => void;

/** A connect-only TCP check on one address, made once and run at every interval. */
export interface ConnectCheck {
  /**
   * Starts one attempt: connect, then close at once without sending anything. `done` runs once,
   * unless the returned function (abandon) runs first. `timeoutMs` may be Infinity when the caller bounds it.
   */
  run(timeoutMs: number, done: CheckDone): () => void;
  timeoutDetail(timeoutMs: number): string;
}

/**
 * The liveness checker's TCP check: callback style (no promise, no AbortSignal listener per attempt),
 * its texts built once, and on an IP address the bare TCP handle instead of a net.Socket.
 */
export function createConnectCheck(host: string, port: number, options: { bareHandle?: boolean } = {}): ConnectCheck {
  const where = `${host}:${port}`;
  const connected = `${where}: connected`;
  // bareHandle: false takes the net.Socket path (what runs when the bare handle is unavailable)
  const family = options.bareHandle === false ? 0 : bareConnectFamily(host);
  let timeoutFor = -1;
  let timeoutText = '';
  const timeoutDetail = (ms: number): string => {
    if (ms !== timeoutFor) {
      timeoutFor = ms;
      timeoutText = `${where}: no connection within ${ms}ms`;
    }
    return timeoutText;
  };
  return {
    timeoutDetail,
    run(timeoutMs, done) {
      const start = now();
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      let abandon: () => void = () => {};
      const settle = (ok: boolean, detail: string): void => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        abandon();
        done(ok, detail, elapsed(start));
      };
      if (family !== 0) {
        abandon = bareConnect(host, family, port, (status) => {
          if (status === 0) return settle(true, connected);
          const code = statusCode(status);
          settle(false, `${where}: ${describeNetError({ code, message: `connect ${code} ${where}` })}`);
        });
      } else {
        const socket = net.connect({ host, port });
        socket.on('error', (err) => settle(false, `${where}: ${describeNetError(err)}`));
        socket.on('connect', () => settle(true, connected));
        abandon = () => socket.destroy();
      }
      if (timeoutMs !== Infinity) {
        timer = setTimeout(() => settle(false, timeoutDetail(timeoutMs)), timeoutMs);
        timer.unref();
      }
      return () => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        abandon();
      };
    },
  };
}

/** Connects to host:port (and, with `send`, waits for a reply). */
export function probeTcp(target: TcpProbeTarget, opts: ProbeOptions): Promise<ProbeResult> {
  const host = target.host ?? '127.0.0.1';
  if (target.send === undefined) {
    const check = createConnectCheck(host, target.port);
    return runBounded(opts, (finish) => check.run(Infinity, (ok, detail) => finish(ok, detail)), check.timeoutDetail(opts.timeoutMs));
  }
  const where = `${host}:${target.port}`;
  const send = target.send;
  return runBounded(
    opts,
    (finish) => {
      const socket = net.connect({ host, port: target.port });
      socket.on('error', (err) => finish(false, `${where}: ${describeNetError(err)}`));
      socket.on('connect', () => socket.write(send));
      socket.on('data', () => finish(true, `${where}: replied`));
      socket.on('end', () => finish(false, `${where}: closed without a reply`));
      return () => socket.destroy();
    },
    `${where}: no reply within ${opts.timeoutMs}ms`,
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

function statusDetail(status: number, range: [number, number]): { ok: boolean; detail: string } {
  const ok = status >= range[0] && status <= range[1];
  return { ok, detail: ok ? `HTTP ${status}` : `HTTP ${status} (expected ${describeRange(range)})` };
}

/**
 * Plain http:// GET on a bare socket, reading only the status line. Measured here it costs
 * about two thirds of node:http's client per probe, which matters at 100 checks a second.
 */
function probePlainHttp(url: URL, range: [number, number], opts: ProbeOptions): Promise<ProbeResult> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const auth = url.username ? `Authorization: Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}\r\n` : '';
  const request = `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUser-Agent: sentinel-health\r\nAccept: */*\r\n${auth}Connection: close\r\n\r\n`;
  return runBounded(
    opts,
    (finish) => {
      let head = '';
      const socket = net.connect({ host, port: Number(url.port || 80) });
      socket.setEncoding('latin1');
      socket.on('error', (err) => finish(false, describeNetError(err)));
      socket.on('connect', () => socket.write(request));
      socket.on('data', (chunk: string) => {
        head += chunk;
        const eol = head.indexOf('\r\n');
        if (eol < 0 && head.length < 1024) return;
        const m = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(head);
        if (!m) return finish(false, `not an HTTP response: ${JSON.stringify(head.slice(0, 40))}`);
        const r = statusDetail(Number(m[1]), range);
        finish(r.ok, r.detail);
      });
      socket.on('end', () => finish(false, 'connection closed before a response'));
      return () => socket.destroy();
    },
    `no response within ${opts.timeoutMs}ms`,
  );
}

/** GETs the URL without connection reuse, so every probe proves the server still accepts and answers. */
export function probeHttp(target: HttpProbeTarget, opts: ProbeOptions): Promise<ProbeResult> {
  const range = target.expectStatus ?? [200, 399];
  let url: URL;
  try {
    url = new URL(target.url);
  } catch {
    return Promise.resolve({ ok: false, detail: `invalid URL ${JSON.stringify(target.url)}`, durationMs: 0 });
  }
  if (url.protocol === 'http:') return probePlainHttp(url, range, opts);
  return import('node:https').then(({ default: https }) => probeHttps(https, url, range, opts));
}

function probeHttps(https: typeof import('node:https'), url: URL, range: [number, number], opts: ProbeOptions): Promise<ProbeResult> {
  return runBounded(
    opts,
    (finish) => {
      let req: http.ClientRequest;
      try {
        req = https.get(url, { agent: false, headers: { 'user-agent': 'sentinel-health' } }, (res) => {
          res.resume();
          const r = statusDetail(res.statusCode ?? 0, range);
          finish(r.ok, r.detail);
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

export { elapsed, now };
