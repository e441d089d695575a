// port_mode proxy: a TCP proxy in the daemon in front of a definition's instances, for programs that
// cannot take a passed socket. It listens on the definition's port; instance i listens on port + 1 + i.
// Each connection goes to the next *running* instance in turn (a starting, stopping or stopped one gets
// none); when an instance refuses, the next is tried, and with none up the client waits up to
// `waitMs` for one rather than being refused — so instances can be replaced without losing a connection.
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

  close(): void {
    this.server?.close();
    this.server = null;
    for (const s of this.open) s.destroy();
    this.open.clear();
  }
}
