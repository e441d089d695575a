// The typed client every face uses: calls daemon operations over HTTP on the Unix socket and starts
// the daemon on first use. Errors arrive as SentinelErrors with the daemon's code and message.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SentinelError } from '../core/errors.js';
import { envMs } from '../core/env-ms.js';
import { answerOf, ndjsonItems, readAll } from './wire.js';
import { exchange, parseWhole, requestBytes, type ExchangeOptions, type SocketAnswer, type WholeAnswer } from './socket-http.js';
import { nativeAddon } from '../core/native.js';
/** The answer header naming the daemon's version (src/api/server.ts). */
const VERSION_HEADER = 'x-sentinel-version';
/** Asks the daemon to indent a successful answer's JSON by 2 spaces; the answer carries it back when it did (src/api/server.ts). */
const INDENT_HEADER = 'x-sentinel-indent';
// types only: the CLI bundle must not load zod or the contracts at start-up
import type { OpItem, OpName, OpParamsIn, OpResult, StreamOpName } from '../contracts/index.js';
import { daemonEntryIn, daemonNodeFlags, ensureHome, homePaths, type HomePaths } from '../daemon/home.js';
import type { SshTunnel } from './ssh.js';

/** What every face needs of a client, whichever transport carries it (this socket client, or remote.ts over TCP). */
export type OpCaller = Pick<Client, 'call' | 'stream'>;

export interface ClientOptions {
  paths?: HomePaths;
  /** Start the daemon if it is not running (default true). */
  autostart?: boolean;
  /** How long to wait for a daemon to come up. */
  startTimeoutMs?: number;
  /** How long one call may take (0 = no limit, for follow streams). */
  requestTimeoutMs?: number;
  clientName?: string;
  /**
   * Called once, on the first call, when the daemon answering runs another version of Sentinel than this
   * client (a daemon started from a different install). The CLI warns on stderr.
   */
  onVersionMismatch?: (daemonVersion: string, clientVersion: string) => void;
  /** Reach a daemon on another host through this SSH tunnel instead of the local socket (src/client/ssh.ts). */
  tunnel?: SshTunnel;
  /**
   * Make each call a blocking request through the native addon when it can (see blockingExchange): for a CLI,
   * which has nothing else to do while it waits. Never in a process that serves anything itself.
   */
  blocking?: boolean;
}

let ownVersion: string | null | undefined;

/** This install's version (package.json two levels up from dist/client and dist/cli alike), read once. */
export function clientVersion(): string | null {
  if (ownVersion !== undefined) return ownVersion;
  try {
    ownVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    ownVersion = null;
  }
  return ownVersion;
}

/** node:net, loaded only when a call goes over it (a stream, or no native addon): see blockingExchange. */
const net = () => createRequire(import.meta.url)('node:net') as typeof import('node:net');

/**
 * One call over the local socket through the native addon: a blocking connect, write and read until the answer's
 * Content-Length is in, with the same idle timeout. A CLI call has nothing else to do meanwhile, and it spares
 * loading node:net and the event loop's round trips: 24 M fewer instructions for `sentinel list` (of 67 M
 * beyond `node -e 0`), about 4 ms on a 2-core machine. Errors carry their errno's code
 * (ENOENT, ECONNREFUSED, ETIMEDOUT...) like net's. Null without the addon (SENTINEL_NATIVE=0, or not built).
 */
function blockingExchange(): ((socketPath: string, o: ExchangeOptions) => WholeAnswer) | null {
  const request = nativeAddon()?.request;
  if (!request) return null;
  return (socketPath, o) => {
    let bytes: Buffer;
    try {
      bytes = request(socketPath, Buffer.from(requestBytes(o)), o.timeoutMs);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (typeof e.errno === 'number' && e.code === undefined) e.code = errnoName(e.errno);
      throw e;
    }
    return parseWhole(bytes);
  };
}

/** The name of an errno (2 → ENOENT), from the table Node keeps. */
function errnoName(errno: number): string {
  const table = (createRequire(import.meta.url)('node:os') as typeof import('node:os')).constants.errno as Record<string, number>;
  for (const [name, value] of Object.entries(table)) if (value === errno) return name;
  return `E${errno}`;
}

const daemonEntry = daemonEntryIn(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'));

/**
 * The caller's environment as `run`, `up` and schedules send it: Sentinel's own variables (SENTINEL_HOME,
 * SENTINEL_SECRET_KEY...) stay out of it, and so do names a process cannot receive (BASH_FUNC_x%%).
 */
export function captureEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && !k.startsWith('SENTINEL_') && !v.includes('\0')) out[k] = v;
  }
  return out;
}

export class Client {
  readonly paths: HomePaths;
  private readonly autostart: boolean;
  /** Start the daemon on first use with --scoped: it exits once nothing is left in any scope. */
  autostartScoped = false;
  private readonly startTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly clientName: string;
  /** Set when this client started the daemon. */
  startedDaemon = false;
  private readonly onVersionMismatch: ClientOptions['onVersionMismatch'];
  private versionChecked = false;
  private readonly blocking: boolean;
  /** Follow streams in flight: while one is, calls go over node:net too, so the stream keeps flowing. */
  private openStreams = 0;
  readonly tunnel: SshTunnel | undefined;

  constructor(opts: ClientOptions = {}) {
    this.paths = opts.paths ?? homePaths();
    this.autostart = opts.autostart ?? true;
    this.startTimeoutMs = opts.startTimeoutMs ?? envMs('SENTINEL_DAEMON_START_TIMEOUT', 10_000);
    this.requestTimeoutMs = opts.requestTimeoutMs ?? envMs('SENTINEL_REQUEST_TIMEOUT', 120_000);
    this.clientName = opts.clientName ?? 'cli';
    this.onVersionMismatch = opts.onVersionMismatch;
    this.tunnel = opts.tunnel;
    this.blocking = opts.blocking ?? false;
  }

  /** Where the daemon is, for messages: its home, on which host. */
  get where(): string {
    return this.tunnel ? `${this.tunnel.label}` : this.paths.home;
  }

  /** An error of a request over a tunnel whose SSH connection dropped says so, not "socket hang up". */
  private explain(err: unknown): unknown {
    return this.tunnel?.lost ?? err;
  }

  /**
   * Compares the daemon's version with this client's, once, from the header of the first answer (every
   * answer carries it: no request of its own). A daemon without the header is older than the header:
   * it is asked with daemon.status. Never fails the call.
   */
  private async checkVersion(res: { headers: Record<string, string> }): Promise<void> {
    const report = this.onVersionMismatch;
    if (this.versionChecked || !report) return;
    this.versionChecked = true;
    const own = clientVersion();
    if (own === null) return;
    let theirs: unknown = res.headers[VERSION_HEADER];
    if (theirs === undefined) {
      theirs = await this.rawRequest('daemon.status', {}, 2000)
        .then(readAll)
        .then((text) => (JSON.parse(text) as { version?: unknown }).version)
        .catch(() => undefined);
    }
    if (typeof theirs === 'string' && theirs !== own) report(theirs, own);
  }

  /** Calls one operation and returns its JSON answer, typed by its contract; `minTimeoutMs` extends the wait for long operations. */
  async call<K extends OpName>(op: K, params?: OpParamsIn<K>, opts: { minTimeoutMs?: number } = {}): Promise<OpResult<K>> {
    try {
      const res = await this.whole(op, params ?? {}, Math.max(this.requestTimeoutMs, opts.minTimeoutMs ?? 0));
      await this.checkVersion(res);
      return answerOf<OpResult<K>>(res.text, res.statusCode);
    } catch (err) {
      throw this.explain(err);
    }
  }

  /**
   * An operation's answer as printJson prints it (`JSON.stringify(result, null, 2)`), indented by the daemon:
   * `sentinel list --json` of 1000 processes spent ~40 ms of CPU parsing and printing again what the daemon
   * had just printed. A daemon that does not indent (an older one) is answered as before.
   */
  async callPrinted<K extends OpName>(op: K, params?: OpParamsIn<K>): Promise<string> {
    try {
      const res = await this.whole(op, params ?? {}, this.requestTimeoutMs, { [INDENT_HEADER]: '2' });
      await this.checkVersion(res);
      // in 2-space JSON a top-level key starts a line with exactly two spaces (a string holds no raw newline)
      if (res.statusCode < 400 && res.headers[INDENT_HEADER] === '2' && res.text.startsWith('{') && !res.text.includes('\n  "error": ')) return res.text;
      return JSON.stringify(answerOf<OpResult<K>>(res.text, res.statusCode), null, 2);
    } catch (err) {
      throw this.explain(err);
    }
  }

  /** Calls a streaming operation (follow modes): yields each NDJSON item until the stream ends. */
  async *stream<K extends StreamOpName>(op: K, params?: OpParamsIn<K>, opts: { signal?: AbortSignal } = {}): AsyncGenerator<OpItem<K>> {
    this.openStreams++;
    try {
      const res = await this.request(op, params ?? {}, 0);
      yield* ndjsonItems<OpItem<K>>(res, opts.signal);
    } catch (err) {
      throw this.explain(err);
    } finally {
      this.openStreams--;
    }
  }

  /** One call's whole answer: blocking through the native addon when it can (see blockingExchange), else streamed. */
  private async whole(op: string, params: object, timeoutMs: number, headers: Record<string, string> = {}): Promise<WholeAnswer> {
    const blocking = this.blocking && !this.tunnel && this.openStreams === 0 ? blockingExchange() : null;
    if (blocking) return this.withDaemon(() => blocking(this.paths.socket, this.requestOptions(op, params, timeoutMs, headers)));
    const res = await this.request(op, params, timeoutMs, headers);
    return { statusCode: res.statusCode, headers: res.headers, text: await readAll(res) };
  }

  /** Whether a daemon answers on the socket (never starts one). */
  async ping(): Promise<boolean> {
    try {
      (await this.rawRequest('daemon.status', {}, 2000)).destroy();
      return true;
    } catch (err) {
      // a host that cannot be reached (or whose key is refused) is not "no daemon": say why
      if (this.tunnel && err instanceof SentinelError) throw err;
      return false;
    }
  }

  private request(op: string, params: object, timeoutMs: number, headers: Record<string, string> = {}): Promise<SocketAnswer> {
    return this.withDaemon(() => this.rawRequest(op, params, timeoutMs, headers));
  }

  /** Runs `attempt`; when no daemon listens, starts one (if this client may) and runs it once more. */
  private async withDaemon<T>(attempt: () => T | Promise<T>): Promise<T> {
    try {
      return await attempt();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // a home that is a file (or under one) shows up as ENOTDIR: say what is wrong with it
      if (code === 'ENOTDIR' && !this.tunnel) ensureHome(this.paths.home);
      if (!this.autostart || (code !== 'ENOENT' && code !== 'ECONNREFUSED')) throw toClientError(err, this.paths, this.tunnel);
      await this.startDaemon({ scoped: this.autostartScoped });
      try {
        return await attempt();
      } catch (e) {
        throw toClientError(e, this.paths, this.tunnel);
      }
    }
  }

  private requestOptions(op: string, params: object, timeoutMs: number, headers: Record<string, string> = {}): ExchangeOptions {
    return {
      method: 'POST',
      path: `/v1/ops/${encodeURIComponent(op)}`,
      headers: { 'content-type': 'application/json', 'x-sentinel-client': this.clientName, ...headers },
      body: JSON.stringify(params),
      timeoutMs,
    };
  }

  private async rawRequest(op: string, params: object, timeoutMs: number, headers: Record<string, string> = {}): Promise<SocketAnswer> {
    // over SSH each request gets its own channel to the remote socket; locally, a connection of its own
    const socket = this.tunnel ? await this.tunnel.openSocket() : net().createConnection(this.paths.socket);
    return exchange(socket, { ...this.requestOptions(op, params, timeoutMs, headers), direct: !this.tunnel });
  }

  /**
   * Starts a daemon in the background and waits until it answers. Two racing clients are fine: the lock picks one.
   * A daemon that dies at start is reported at once, with its reason (its stderr goes to daemon.err).
   */
  async startDaemon(opts: { resetDamagedDb?: boolean; listen?: string; scoped?: boolean } = {}): Promise<number | null> {
    if (this.tunnel) return this.startRemoteDaemon(this.tunnel, opts);
    ensureHome(this.paths.home);
    if (!existsSync(daemonEntry)) throw new SentinelError('DAEMON_UNAVAILABLE', `daemon entry ${daemonEntry} is missing; run "npm run build"`);
    const errFile = path.join(this.paths.home, 'daemon.err');
    const errFd = openSync(errFile, 'w', 0o600);
    let exited: { code: number | null; signal: string | null } | null = null;
    let child;
    try {
      child = spawn(process.execPath, [...daemonNodeFlags(), daemonEntry, ...(opts.resetDamagedDb ? ['--reset-damaged-db'] : []), ...(opts.listen ? ['--listen', opts.listen] : []), ...(opts.scoped ? ['--scoped'] : [])], {
        detached: true,
        stdio: ['ignore', 'ignore', errFd],
        env: { ...process.env, SENTINEL_HOME: this.paths.home },
        cwd: this.paths.home,
      });
    } finally {
      closeSync(errFd);
    }
    child.on('exit', (code, signal) => (exited = { code, signal }));
    child.unref();
    this.startedDaemon = true;
    const deadline = Date.now() + this.startTimeoutMs;
    while (Date.now() < deadline) {
      if (await this.ping()) return child.pid ?? null;
      // exit code 3: another daemon holds the lock (a racing client started it): keep waiting for that one
      const ended = exited as { code: number | null; signal: string | null } | null;
      if (ended && ended.code !== 3) {
        throw new SentinelError('DAEMON_UNAVAILABLE', `the daemon exited at start (${ended.signal ?? `code ${ended.code}`}): ${startFailure(errFile, this.paths.daemonLog)}`);
      }
      await new Promise((r) => setTimeout(r, 15));
    }
    throw new SentinelError(
      'DAEMON_UNAVAILABLE',
      `the daemon did not answer within ${this.startTimeoutMs} ms; see ${this.paths.daemonLog} or raise SENTINEL_DAEMON_START_TIMEOUT`,
    );
  }

  /** The remote daemon: started by the remote sentinel over an exec channel, then waited for through the tunnel. */
  private async startRemoteDaemon(tunnel: SshTunnel, opts: { resetDamagedDb?: boolean; listen?: string }): Promise<number | null> {
    await tunnel.startDaemon(opts);
    this.startedDaemon = true;
    const deadline = Date.now() + this.startTimeoutMs;
    while (Date.now() < deadline) {
      if (await this.ping()) return null;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new SentinelError('DAEMON_UNAVAILABLE', `the daemon on ${tunnel.label} did not answer within ${this.startTimeoutMs} ms; see "sentinel --host ${tunnel.target.spec} daemon logs"`);
  }
}

/** Why a daemon died at start: the last lines of its stderr, else the last error in daemon.log. */
function startFailure(errFile: string, daemonLog: string): string {
  const read = (f: string) => {
    try {
      return readFileSync(f, 'utf8');
    } catch {
      return '';
    }
  };
  const stderr = read(errFile).trim().split('\n').filter(Boolean);
  const ours = stderr.filter((l) => l.startsWith('sentinel daemon: '));
  if (ours.length > 0) return ours[ours.length - 1].slice('sentinel daemon: '.length);
  if (stderr.length > 0) return stderr.slice(-5).join(' | ');
  const errors = read(daemonLog).trim().split('\n').filter((l) => l.includes('"error"'));
  return errors.length > 0 ? errors[errors.length - 1] : `no reason was given; see ${daemonLog}`;
}

function toClientError(err: unknown, paths: HomePaths, tunnel?: SshTunnel): SentinelError {
  if (err instanceof SentinelError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (tunnel) {
    if (code === 'ENOENT' || code === 'ECONNREFUSED') {
      return new SentinelError('DAEMON_UNAVAILABLE', `no daemon is running on ${tunnel.label}; start one with "sentinel --host ${tunnel.target.spec} daemon start"`);
    }
    if (code === 'ETIMEDOUT') return new SentinelError('TIMEOUT', `the daemon on ${tunnel.label} did not answer in time; raise SENTINEL_REQUEST_TIMEOUT`);
    return tunnel.lost ?? new SentinelError('DAEMON_UNAVAILABLE', `cannot reach the daemon on ${tunnel.label}: ${(err as Error).message}`);
  }
  if (code === 'ENOENT' || code === 'ECONNREFUSED') {
    return new SentinelError('DAEMON_UNAVAILABLE', `no daemon is running for ${paths.home}; start one with "sentinel daemon start"`);
  }
  if (code === 'ETIMEDOUT') {
    return new SentinelError('TIMEOUT', 'the daemon did not answer in time; raise SENTINEL_REQUEST_TIMEOUT or see "sentinel daemon logs"');
  }
  return new SentinelError('DAEMON_UNAVAILABLE', `cannot reach the daemon: ${(err as Error).message}`);
}
