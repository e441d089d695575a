// The same `call`/`stream` as the socket client, over the daemon's TCP API (http or https) with a bearer token:
// what a face uses to manage a daemon on another host (`sentinel monit --url https://host:9797 --token T`).
import type http from 'node:http';
// node:http and node:https (with tls) are loaded when a remote call is made: the CLI's start-up pays for neither
import { SentinelError } from '../core/errors.js';
import type { OpItem, OpName, OpParamsIn, OpResult, StreamOpName } from '../contracts/index.js';
import { ndjsonItems, parseAnswer } from './wire.js';
import { createRequire } from 'node:module';

export interface RemoteOptions {
  /** http(s)://HOST:PORT of the daemon's TCP listener (`api.listen`, `sentinel daemon start --listen`). */
  url: string;
  /** A token from `sentinel token create`; sent as `Authorization: Bearer`. */
  token?: string;
  /** How long one call may take (0 = no limit; streams never time out). */
  requestTimeoutMs?: number;
  clientName?: string;
  /** Certificates to trust for an https:// url (a private CA), instead of Node's default list. */
  ca?: Buffer;
}

/** Checks a --url / SENTINEL_URL value; the error says what a good one looks like. */
export function parseRemoteUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SentinelError('INVALID_ARGUMENT', `--url ${JSON.stringify(text)} is not a URL; give the daemon's API address, e.g. http://127.0.0.1:9797 or https://host:9797`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SentinelError('INVALID_ARGUMENT', `--url ${JSON.stringify(text)} must start with http:// or https:// (the daemon's TCP API), e.g. http://127.0.0.1:9797`);
  }
  if (url.username || url.password) {
    throw new SentinelError('INVALID_ARGUMENT', `--url must not carry a user or password; pass a token with --token or SENTINEL_TOKEN`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new SentinelError('INVALID_ARGUMENT', `--url ${JSON.stringify(text)} must be only scheme, host and port (no path or query), e.g. ${url.protocol}//${url.host}`);
  }
  return url;
}

export class RemoteClient {
  readonly url: URL;
  private readonly token: string | undefined;
  private readonly requestTimeoutMs: number;
  private readonly clientName: string;
  private readonly ca: Buffer | undefined;

  constructor(opts: RemoteOptions) {
    this.url = parseRemoteUrl(opts.url);
    if (opts.token !== undefined && !/^[\x21-\x7e]+$/.test(opts.token)) {
      throw new SentinelError('INVALID_ARGUMENT', 'the token has spaces or characters a token never has; paste it exactly as "sentinel token create" printed it');
    }
    this.token = opts.token;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 120_000;
    this.clientName = opts.clientName ?? 'cli';
    this.ca = opts.ca;
  }

  async call<K extends OpName>(op: K, params?: OpParamsIn<K>, opts: { minTimeoutMs?: number } = {}): Promise<OpResult<K>> {
    const res = await this.request(op, params ?? {}, Math.max(this.requestTimeoutMs, opts.minTimeoutMs ?? 0));
    return parseAnswer<OpResult<K>>(res);
  }

  async *stream<K extends StreamOpName>(op: K, params?: OpParamsIn<K>, opts: { signal?: AbortSignal } = {}): AsyncGenerator<OpItem<K>> {
    const res = await this.request(op, params ?? {}, 0);
    yield* ndjsonItems<OpItem<K>>(res, opts.signal);
  }

  private request(op: string, params: object, timeoutMs: number): Promise<http.IncomingMessage> {
    const body = JSON.stringify(params);
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'x-sentinel-client': this.clientName,
    };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const send = (createRequire(import.meta.url)(this.url.protocol === 'https:' ? 'node:https' : 'node:http') as typeof import('node:http')).request;
    return new Promise((resolve, reject) => {
      const req = send(
        {
          protocol: this.url.protocol,
          hostname: this.url.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: this.url.port || (this.url.protocol === 'https:' ? 443 : 80),
          path: `/v1/ops/${encodeURIComponent(op)}`,
          method: 'POST',
          headers,
          agent: false,
          ...(this.ca ? { ca: this.ca } : {}),
        },
        resolve,
      );
      if (timeoutMs > 0) req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      req.on('error', (err) => reject(this.toError(err)));
      req.end(body);
    });
  }

  private toError(err: unknown): SentinelError {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const where = this.url.origin;
    if (code === 'ECONNREFUSED') return new SentinelError('DAEMON_UNAVAILABLE', `nothing answers at ${where}; is the daemon started with --listen (or api.listen in SENTINEL_HOME/daemon.yaml) on that address?`);
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new SentinelError('DAEMON_UNAVAILABLE', `cannot resolve the host of ${where}; check --url`);
    if (code === 'ETIMEDOUT') return new SentinelError('TIMEOUT', `${where} did not answer in time`);
    if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) {
      return new SentinelError('DAEMON_UNAVAILABLE', `the TLS certificate of ${where} is not trusted (${code}); point NODE_EXTRA_CA_CERTS at the CA file that signed it`);
    }
    if (code === 'EPROTO' || code === 'ECONNRESET') return new SentinelError('DAEMON_UNAVAILABLE', `${where} closed the connection (${code}); is it https:// rather than http:// (or the reverse)?`);
    return new SentinelError('DAEMON_UNAVAILABLE', `cannot reach ${where}: ${(err as Error).message}`);
  }
}
