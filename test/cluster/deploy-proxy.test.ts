// The deploy proxy over real TCP: weights, drain, and a request moved to another backend when its own
// goes away without answering.
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, TcpProxy } from '../../src/cluster/deploy-proxy.js';

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

function backend(name: string, opts: { status?: number; holdMs?: number } = {}): Promise<{ port: number; server: http.Server }> {
  const server = http.createServer((_req, res) => {
    setTimeout(() => {
      res.writeHead(opts.status ?? 200);
      res.end(name);
    }, opts.holdMs ?? 0);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    closers.push(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
    resolve({ port: (server.address() as net.AddressInfo).port, server });
  }));
}

function get(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

async function proxyOn(): Promise<TcpProxy> {
  const p = new TcpProxy(await freePort());
  await p.listen();
  closers.push(() => p.close());
  return p;
}

describe('deploy proxy', () => {
  it('shares connections by weight and never sends any to weight 0', async () => {
    const [a, b, c] = await Promise.all([backend('a'), backend('b'), backend('c')]);
    const p = await proxyOn();
    p.set(a.port, 3);
    p.set(b.port, 1);
    p.set(c.port, 0);
    const seen: Record<string, number> = {};
    for (let i = 0; i < 400; i++) {
      const r = await get(p.port);
      seen[r.body] = (seen[r.body] ?? 0) + 1;
    }
    expect(seen.c).toBeUndefined();
    // 3:1 with 400 draws: a gets well over half, b well under
    expect(seen.a).toBeGreaterThan(240);
    expect(seen.b).toBeGreaterThan(40);
    expect(p.stats(a.port)!.connections + p.stats(b.port)!.connections).toBe(400);
  });

  it('drain waits for the open connection of a backend, which is answered', async () => {
    const slow = await backend('slow', { holdMs: 600 });
    const p = await proxyOn();
    p.set(slow.port, 1);
    const answer = get(p.port);
    await new Promise((r) => setTimeout(r, 150));
    expect(p.stats(slow.port)!.active).toBe(1);
    let drained = false;
    const drain = p.drain(slow.port, 5000).then(() => { drained = true; });
    await new Promise((r) => setTimeout(r, 100));
    expect(drained).toBe(false);
    expect((await answer).body).toBe('slow');
    await drain;
    expect(drained).toBe(true);
    expect(p.list().find((x) => x.port === slow.port)!.weight).toBe(0);
  });

  it('moves a GET to another backend when its own refuses or dies without answering, and counts the error', async () => {
    const good = await backend('good');
    const gone = await freePort();
    // a backend that accepts and closes at once, like a process that died with the request unanswered
    const dying = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => dying.listen(0, '127.0.0.1', () => r()));
    closers.push(() => new Promise<void>((r) => dying.close(() => r())));
    const dyingPort = (dying.address() as net.AddressInfo).port;
    const p = await proxyOn();
    p.set(gone, 1);
    p.set(dyingPort, 1);
    p.set(good.port, 1);
    for (let i = 0; i < 30; i++) expect((await get(p.port)).body).toBe('good');
    expect(p.stats(gone)!.errors + p.stats(dyingPort)!.errors).toBeGreaterThan(0);
  });

  it('counts 5xx answers of a backend', async () => {
    const bad = await backend('bad', { status: 503 });
    const p = await proxyOn();
    p.set(bad.port, 1);
    expect((await get(p.port)).status).toBe(503);
    expect(p.stats(bad.port)).toMatchObject({ connections: 1, http5xx: 1 });
  });

  it('closes a connection when no backend is in rotation', async () => {
    const p = await proxyOn();
    await expect(get(p.port)).rejects.toThrow(/socket hang up|ECONNRESET/);
  });
});
