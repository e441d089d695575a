// A real local webhook receiver on 127.0.0.1:0 that records requests and answers as scripted.
import http from 'node:http';
import net from 'node:net';

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  method: string;
}

export interface Receiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/** `answer(n)` gives the status for the n-th request (1-based), or null to never answer. */
export async function startReceiver(answer: (n: number) => number | null = () => 200): Promise<Receiver> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body, method: req.method ?? '' });
      const status = answer(received.length);
      if (status === null) return;
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status >= 400 ? `nope ${status}` : 'ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** A URL on which nothing listens. */
export async function deadUrl(): Promise<string> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return `http://127.0.0.1:${port}/hook`;
}
