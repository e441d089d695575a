// The headers/body timeout checks run only while a connection is open, and still answer a slow client 408.
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { checkTimeoutsWhileConnected } from '../../src/api/timeout-checks.js';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** The timer Node keeps the checks on (undefined when none runs). */
function checkTimer(server: http.Server): NodeJS.Timeout | undefined {
  const key = Object.getOwnPropertySymbols(server).find((s) => s.description === 'http.server.connectionsCheckingInterval');
  expect(key).toBeDefined();
  return (server as unknown as Record<symbol, NodeJS.Timeout | undefined>)[key!];
}

async function listen(): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer({ connectionsCheckingInterval: 50 }, (_req, res) => res.end('ok'));
  server.headersTimeout = 200;
  server.requestTimeout = 200;
  checkTimeoutsWhileConnected(server, 50);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as net.AddressInfo).port };
}

describe('checkTimeoutsWhileConnected', () => {
  it('runs no timer while no connection is open, one while a connection is', async () => {
    const { server, port } = await listen();
    expect(checkTimer(server)).toBeUndefined();
    const socket = net.connect(port, '127.0.0.1');
    const [accepted] = (await once(server, 'connection')) as [net.Socket];
    expect(checkTimer(server)).toBeDefined();
    socket.destroy();
    await once(accepted, 'close');
    expect(checkTimer(server)).toBeUndefined();
  });

  it('still answers 408 to a client that sends its headers too slowly', async () => {
    const { port } = await listen();
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => (answer += d));
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    // one header byte at a time, never finishing: the check must close it
    const drip = setInterval(() => socket.writable && socket.write('X'), 20);
    await once(socket, 'close');
    clearInterval(drip);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('serves requests as before, and the server closes with a connection open', async () => {
    const { server, port } = await listen();
    const agent = new http.Agent({ keepAlive: true });
    const body = await new Promise<string>((resolve, reject) => {
      http.get({ port, host: '127.0.0.1', agent }, (res) => {
        let s = '';
        res.on('data', (d) => (s += d));
        res.on('end', () => resolve(s));
      }).on('error', reject);
    });
    expect(body).toBe('ok');
    expect(checkTimer(server)).toBeDefined();
    agent.destroy();
  });
});
