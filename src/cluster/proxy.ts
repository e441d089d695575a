// port_mode proxy: a TCP proxy in the daemon in front of a definition's instances, for programs that
// cannot take a passed socket. It listens on the definition's port; instance i listens on port + 1 + i.
// Each connection goes to the next *running* instance in turn (a starting, stopping or stopped one gets
// none); when an instance refuses, the next is tried, and with none up the client waits up to
// `waitMs` for one rather than being refused — so instances can be replaced without losing a connection.
// An instance being stopped is drained first: the connections already routed to it (connecting included)
// get up to its stop timeout to end before its stop signal (runtime.ts sets the supervisor's stop gate).
import net from 'node:net';
import { SentinelError } from '../core/errors.js';

export interface Backend {
  host: string;
  port: number;
}

export interface ProxyOptions {
  host: string;
  port: number;
  /** The instances that may take a connection now, in order. */
  backends: () => Backend[];
  /** How long a connection waits for an instance to take it (default 10 s). */
  waitMs?: number;
}

const RETRY_MS = 50;

export class InstanceProxy {
  private server: net.Server | null = null;
  private next = 0;
  private readonly open = new Set<net.Socket>();
  /** Connections routed to each backend port (from the connect attempt on), and who waits for them to end. */
  private readonly active = new Map<number, number>();
  private readonly drained = new Map<number, Array<() => void>>();

  constructor(private readonly o: ProxyOptions) {}

  get port(): number {
    return this.o.port;
  }

  async start(): Promise<void> {
    const server = net.createServer((client) => this.forward(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(new SentinelError('PORT_IN_USE', `cannot listen on ${this.o.host}:${this.o.port} for the proxy: ${err.code ?? err.message}; pick another port or free this one`));
      });
      server.listen(this.o.port, this.o.host, () => resolve());
    });
    this.server = server;
  }

  private forward(client: net.Socket): void {
    this.open.add(client);
    client.pause();
    client.on('error', () => undefined);
    client.on('close', () => this.open.delete(client));
    const deadline = Date.now() + (this.o.waitMs ?? 10_000);
    let tried = 0;
    const attempt = () => {
      if (client.destroyed) return;
      const list = this.o.backends();
      if (list.length === 0 || tried >= list.length) {
        if (Date.now() >= deadline) return void client.destroy();
        tried = 0;
        return void setTimeout(attempt, RETRY_MS);
      }
      const b = list[this.next++ % list.length];
      tried++;
      const up = net.connect(b.port, b.host);
      this.active.set(b.port, (this.active.get(b.port) ?? 0) + 1);
      up.once('close', () => this.ended(b.port));
      const fail = () => attempt();
      up.once('error', fail);
      up.once('connect', () => {
        up.off('error', fail);
        up.on('error', () => client.destroy());
        client.on('error', () => up.destroy());
        this.open.add(up);
        up.on('close', () => {
          this.open.delete(up);
          client.end();
        });
        client.on('close', () => up.destroy());
        client.pipe(up);
        up.pipe(client);
        client.resume();
      });
    };
    attempt();
  }

  private ended(port: number): void {
    const left = (this.active.get(port) ?? 1) - 1;
    if (left > 0) return void this.active.set(port, left);
    this.active.delete(port);
    for (const done of this.drained.get(port) ?? []) done();
    this.drained.delete(port);
  }

  /** Resolves once no connection is routed to `port` any more, or after `ms`; the caller has taken it out of the rotation. */
  drain(port: number, ms: number): Promise<void> {
    if (!this.active.get(port)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      const list = this.drained.get(port) ?? [];
      list.push(() => {
        clearTimeout(timer);
        resolve();
      });
      this.drained.set(port, list);
    });
  }

  close(): void {
    this.server?.close();
    this.server = null;
    for (const s of this.open) s.destroy();
    this.open.clear();
    for (const list of this.drained.values()) for (const done of list) done();
    this.drained.clear();
  }
}
