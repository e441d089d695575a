// A TCP proxy in front of a definition's instances, for any language: it owns the public port, each
// instance listens on a port of its own (PORT). Why a deploy through it loses no request:
//   - a new instance gets traffic only once it is ready (the engine adds it then);
//   - an old one is first taken out of the rotation, then stopped once its open connections are done
//     (drain), so no request is cut by its stop signal;
//   - a connection whose backend refuses it (it died between the choice and the connect) is retried on
//     another backend before a byte is sent to the client.
// Weights give a canary its share of new connections. The first bytes of each answer are read for an
// HTTP status line, so a canary answering 5xx shows up in its error rate (other protocols: connect errors only).
import net from 'node:net';

export interface BackendStats {
  connections: number;
  active: number;
  errors: number;
  http5xx: number;
}

interface Backend {
  port: number;
  weight: number;
  stats: BackendStats;
}

export class TcpProxy {
  private server: net.Server | null = null;
  private readonly backends = new Map<number, Backend>();
  private readonly idle = new Map<number, Array<() => void>>();

  constructor(readonly port: number, private readonly host = '127.0.0.1') {}

  /** Binds the public port; rejects (EADDRINUSE...) when it cannot. */
  listen(): Promise<void> {
    const server = net.createServer((client) => this.accept(client));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
        server.off('error', reject);
        this.server = server;
        resolve();
      });
    });
  }

  close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return Promise.resolve();
    return new Promise((r) => server.close(() => r()));
  }

  /** Adds a backend (or changes its weight); weight 0 keeps it out of the rotation. */
  set(port: number, weight: number): void {
    const b = this.backends.get(port);
    if (b) b.weight = weight;
    else this.backends.set(port, { port, weight, stats: { connections: 0, active: 0, errors: 0, http5xx: 0 } });
  }

  /** Takes a backend out of the rotation and resolves once its open connections ended (or after `ms`). */
  async drain(port: number, ms: number): Promise<void> {
    const b = this.backends.get(port);
    if (!b) return;
    b.weight = 0;
    if (b.stats.active > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        const list = this.idle.get(port) ?? [];
        list.push(() => { clearTimeout(timer); resolve(); });
        this.idle.set(port, list);
      });
    }
  }

  remove(port: number): void {
    this.backends.delete(port);
  }

  stats(port: number): BackendStats | undefined {
    const s = this.backends.get(port)?.stats;
    return s ? { ...s } : undefined;
  }

  list(): Array<{ port: number; weight: number } & BackendStats> {
    return [...this.backends.values()].map((b) => ({ port: b.port, weight: b.weight, ...b.stats }));
  }

  /** A backend chosen by weight, never one of `tried`. */
  private pick(tried: Set<number>): Backend | undefined {
    const open = [...this.backends.values()].filter((b) => b.weight > 0 && !tried.has(b.port));
    const total = open.reduce((s, b) => s + b.weight, 0);
    let r = Math.random() * total;
    for (const b of open) {
      r -= b.weight;
      if (r < 0) return b;
    }
    return open[open.length - 1];
  }

  private accept(client: net.Socket): void {
    const conn: Conn = { client, sent: [], sentBytes: 0, replayable: true, ended: false, upstream: null };
    client.on('error', () => undefined);
    client.on('data', (chunk: Buffer) => {
      conn.sentBytes += chunk.length;
      if (conn.sentBytes > REPLAY_LIMIT) conn.replayable = false;
      // kept while a retry may need it, and always before the first backend is connected
      if (conn.replayable || !conn.upstream) conn.sent.push(chunk);
      conn.upstream?.write(chunk);
    });
    client.on('end', () => {
      conn.ended = true;
      conn.upstream?.end();
    });
    client.on('close', () => conn.upstream?.destroy());
    this.connect(conn, new Set());
  }

  /**
   * One attempt on one backend. Until the first byte of the answer, the request's bytes are kept: if the
   * backend goes away before answering (refused, or it died with the request unanswered), the connection
   * moves to another backend — for an idempotent HTTP request (GET, HEAD, OPTIONS) or when nothing was sent yet.
   */
  private connect(conn: Conn, tried: Set<number>): void {
    const { client } = conn;
    const b = this.pick(tried);
    if (!b || client.destroyed) {
      client.destroy();
      return;
    }
    tried.add(b.port);
    b.stats.active += 1;
    const upstream = net.connect({ port: b.port, host: '127.0.0.1' });
    let connected = false;
    let answered = false;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      b.stats.active -= 1;
      if (b.stats.active === 0) {
        for (const wake of this.idle.get(b.port) ?? []) wake();
        this.idle.delete(b.port);
      }
    };
    upstream.once('connect', () => {
      connected = true;
      b.stats.connections += 1;
      if (client.destroyed) return void upstream.destroy();
      conn.upstream = upstream;
      for (const chunk of conn.sent) upstream.write(chunk);
      if (!conn.replayable) conn.sent = [];
      if (conn.ended) upstream.end();
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!answered) {
        answered = true;
        conn.replayable = false;
        conn.sent = [];
        if (/^HTTP\/\d(\.\d)? 5\d\d/.test(chunk.subarray(0, 16).toString('latin1'))) b.stats.http5xx += 1;
      }
      if (!client.write(chunk)) {
        upstream.pause();
        client.once('drain', () => upstream.resume());
      }
    });
    upstream.on('end', () => {
      if (answered) client.end();
    });
    upstream.on('error', () => undefined);
    upstream.on('close', () => {
      finish();
      if (answered || client.destroyed) {
        if (!client.destroyed) client.end();
        return;
      }
      // the backend went before answering: count it, and retry elsewhere when that is safe
      b.stats.errors += 1;
      if (conn.upstream === upstream) conn.upstream = null;
      if (!connected || (conn.replayable && (conn.sentBytes === 0 || isIdempotent(conn.sent)))) this.connect(conn, tried);
      else client.destroy();
    });
  }
}

const REPLAY_LIMIT = 64 * 1024;

interface Conn {
  client: net.Socket;
  /** The request's bytes, kept until the answer starts (for a retry on another backend). */
  sent: Buffer[];
  sentBytes: number;
  replayable: boolean;
  ended: boolean;
  upstream: net.Socket | null;
}

function isIdempotent(sent: Buffer[]): boolean {
  const head = Buffer.concat(sent).subarray(0, 8).toString('latin1');
  return /^(GET|HEAD|OPTIONS) /.test(head);
}

/** A free port on loopback, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
