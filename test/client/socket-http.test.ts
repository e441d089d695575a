// The CLI's HTTP exchange over a socket (src/client/socket-http.ts) against real servers on a Unix socket:
// node:http's own answers (JSON with a length, NDJSON streams chunked), and hand-written bytes for what a
// server must never be trusted to do (an answer cut short, a head that is not HTTP, silence).
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Duplex } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exchange } from '../../src/client/socket-http.js';
import { ndjsonItems, readAll } from '../../src/client/wire.js';

let dir = '';
let sock = '';
let server: net.Server | null = null;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'sentinel-sockhttp-'));
  sock = path.join(dir, 's.sock');
});
const conns = new Set<net.Socket>();
afterEach(async () => {
  for (const c of conns) c.destroy();
  conns.clear();
  await new Promise((r) => (server ? server.close(r) : r(null)));
  server = null;
  rmSync(dir, { recursive: true, force: true });
});

const listen = (s: net.Server) => new Promise<void>((r) => {
  server = s;
  s.on('connection', (c: net.Socket) => { conns.add(c); c.on('close', () => conns.delete(c)); });
  s.listen(sock, r);
});
const ask = (opts: Partial<Parameters<typeof exchange>[1]> = {}, socket: Duplex = net.createConnection(sock)) =>
  exchange(socket, { method: 'POST', path: '/v1/ops/x', headers: { 'content-type': 'application/json' }, body: '{"a":1}', timeoutMs: 5000, ...opts });

/** A server that answers every connection with `bytes`, written in pieces of `piece` bytes. */
function raw(bytes: string, opts: { piece?: number; end?: boolean } = {}): net.Server {
  return net.createServer((c) => {
    c.once('data', async () => {
      const piece = opts.piece ?? bytes.length;
      for (let i = 0; i < bytes.length; i += piece) {
        c.write(bytes.slice(i, i + piece));
        await new Promise((r) => setTimeout(r, 2));
      }
      if (opts.end !== false) c.end();
    });
  });
}

describe('an HTTP exchange over a socket', () => {
  it('sends the request node:http understands and reads its JSON answer and headers', async () => {
    let seen: { method?: string; url?: string; body: string; type?: string } = { body: '' };
    await listen(http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen = { method: req.method, url: req.url, body, type: req.headers['content-type'] };
        res.setHeader('x-sentinel-version', '1.2.3');
        res.writeHead(201, { 'content-type': 'application/json', 'content-length': 11 });
        res.end('{"ok":true}');
      });
    }));
    const res = await ask();
    expect(res.statusCode).toBe(201);
    expect(res.headers['x-sentinel-version']).toBe('1.2.3');
    expect(await readAll(res)).toBe('{"ok":true}');
    expect(seen).toEqual({ method: 'POST', url: '/v1/ops/x', body: '{"a":1}', type: 'application/json' });
  });

  it('decodes a chunked stream as it comes, and ends with its last chunk', async () => {
    await listen(http.createServer(async (req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.flushHeaders();
      for (let i = 0; i < 5; i++) {
        res.write(`{"n":${i}}\n`);
        await new Promise((r) => setTimeout(r, 10));
      }
      res.end();
    }));
    const items: unknown[] = [];
    for await (const item of ndjsonItems(await ask())) items.push(item);
    expect(items).toEqual([0, 1, 2, 3, 4].map((n) => ({ n })));
  });

  it('decodes chunks split anywhere, extensions included', async () => {
    const body = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n';
    await listen(raw(body, { piece: 3 }));
    expect(await readAll(await ask())).toBe('hello, world');
  });

  it('fails a chunked answer cut before its last chunk, instead of ending it quietly', async () => {
    await listen(raw('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n'));
    await expect(readAll(await ask())).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('fails an answer shorter than its length when it comes through another kind of stream', async () => {
    await listen(raw('HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n{"short":'));
    // a Duplex that is not a net.Socket, as an SSH channel is
    const inner = net.createConnection(sock);
    const channel = new Duplex({
      read() {},
      write(chunk, _enc, cb) { inner.write(chunk, cb); },
    });
    inner.on('data', (c) => channel.push(c));
    inner.on('end', () => channel.push(null));
    await expect(readAll(await ask({}, channel))).rejects.toMatchObject({ code: 'ECONNRESET' });
    inner.destroy();
  });

  it('says what is wrong with an answer that is not HTTP, and with no daemon there', async () => {
    await listen(raw('SSH-2.0-OpenSSH\r\n\r\n'));
    await expect(ask()).rejects.toMatchObject({ code: 'EPROTO' });
    await expect(ask({}, net.createConnection(path.join(dir, 'missing.sock')))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('gives up on a silent daemon after its timeout', async () => {
    await listen(net.createServer(() => undefined));
    await expect(ask({ timeoutMs: 200 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('closes the connection when the reader destroys the answer', async () => {
    let closed = false;
    await listen(net.createServer((c) => {
      c.on('close', () => (closed = true));
      c.once('data', () => c.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n'));
    }));
    const res = await ask();
    res.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect(closed).toBe(true);
  });
});
