// One HTTP/1.1 exchange over a stream socket the caller opened (the daemon's Unix socket, or an SSH channel
// to a remote one): what the CLI's client sends hundreds of times a day. Not node:http: loading it and
// making a first request through it took 11–19 ms of every CLI call on a 2-core machine, against 7–10 ms
// for this over node:net (measured in the same runs). Each request asks the daemon to close the
// connection after its answer. An answer with a Content-Length (every call's JSON) is read off the socket
// itself; a chunked one (a follow stream) is decoded into a stream of its own, where a connection that
// ends before the last chunk is an error, not a quiet end.
import { createRequire } from 'node:module';
import type { Duplex, PassThrough } from 'node:stream';

/** An answer: a readable body with the status and headers (names in lower case). */
export interface SocketAnswer extends Duplex {
  statusCode: number;
  headers: Record<string, string>;
}

/** A head larger than this is not an answer of ours. */
const MAX_HEAD = 64 * 1024;

export interface ExchangeOptions {
  method: string;
  path: string;
  headers: Record<string, string | number>;
  body: string;
  /** Destroys the exchange with ETIMEDOUT after this long without a byte moving; 0: never. */
  timeoutMs: number;
  /** The socket is a net.Socket of our own (the local daemon): a call's answer is read off it directly. */
  direct?: boolean;
}

const codeError = (message: string, code: string) => Object.assign(new Error(message), { code });
const cutShort = () => codeError('the connection to the daemon ended in the middle of an answer', 'ECONNRESET');

function parseHead(head: string): { statusCode: number; headers: Record<string, string> } | null {
  const lines = head.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!status) return null;
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { statusCode: Number(status[1]), headers };
}

/** The text of one call's HTTP request. */
export function requestBytes(o: ExchangeOptions): string {
  const lines = [`${o.method} ${o.path} HTTP/1.1`, 'Host: localhost', 'Connection: close'];
  for (const [name, value] of Object.entries(o.headers)) lines.push(`${name}: ${value}`);
  lines.push(`Content-Length: ${Buffer.byteLength(o.body)}`, '', o.body);
  return lines.join('\r\n');
}

/** A whole answer: status, headers and body text. */
export interface WholeAnswer {
  statusCode: number;
  headers: Record<string, string>;
  text: string;
}

/**
 * Splits the bytes of a whole answer (read until the daemon closed the connection) into its parts. Calls
 * answer with a Content-Length: fewer bytes than it says is a connection cut short.
 */
export function parseWhole(bytes: Buffer): WholeAnswer {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) throw codeError(bytes.length ? 'the answer has no end of its head' : 'the daemon closed the connection before answering', bytes.length ? 'EPROTO' : 'ECONNRESET');
  const parsed = parseHead(bytes.subarray(0, end).toString('latin1'));
  if (!parsed) throw codeError('the answer is not HTTP', 'EPROTO');
  let body = bytes.subarray(end + 4);
  const length = parsed.headers['content-length'];
  if (length !== undefined) {
    if (body.length < Number(length)) throw cutShort();
    body = body.subarray(0, Number(length));
  }
  return { ...parsed, text: body.toString('utf8') };
}

/**
 * The body of `source` (its first bytes in `first`) in a stream of ours: chunked transfer coding decoded,
 * or, with `length`, that many bytes. The source ending before the body does is an error. Destroying the
 * body closes the source. node:stream is loaded here only: a follow stream or an SSH channel.
 */
function relay(source: Duplex, first: Buffer, length: number | null, chunked: boolean): Duplex {
  const { PassThrough: Body } = createRequire(import.meta.url)('node:stream') as { PassThrough: new () => PassThrough };
  const body = new Body();
  let pending: Buffer = Buffer.alloc(0);
  let left = length; // bytes of the body (length) or of the current chunk (chunked) still to come
  let finished = false;
  const finish = () => {
    finished = true;
    body.end();
    source.destroy();
  };
  const fail = (err: Error) => {
    if (finished) return;
    finished = true;
    body.destroy(err);
    source.destroy();
  };
  const take = (chunk: Buffer) => {
    if (finished) return;
    if (!chunked) {
      if (left === null) { body.write(chunk); return; }
      const part = chunk.subarray(0, left);
      if (part.length) body.write(part);
      left -= part.length;
      if (left === 0) finish();
      return;
    }
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    for (;;) {
      if (left === null || left === 0) {
        // a chunk's size line (after the CRLF that ended the previous chunk's data)
        const start = left === 0 ? 2 : 0;
        if (pending.length < start) return;
        const eol = pending.indexOf('\r\n', start);
        if (eol < 0) {
          if (pending.length > 1024) fail(codeError('a chunk size line of the answer is too long', 'EPROTO'));
          return;
        }
        const size = parseInt(pending.subarray(start, eol).toString('latin1').split(';')[0], 16);
        if (!Number.isFinite(size) || size < 0) { fail(codeError('the answer has a bad chunk size', 'EPROTO')); return; }
        pending = pending.subarray(eol + 2);
        if (size === 0) { finish(); return; }
        left = size;
      }
      if (pending.length === 0) return;
      const part = pending.subarray(0, left);
      body.write(part);
      left -= part.length;
      pending = pending.subarray(part.length);
      if (left > 0) return;
    }
  };
  source.on('data', take);
  source.on('error', fail);
  source.on('end', () => (length === null && !chunked ? finish() : fail(cutShort())));
  source.on('close', () => fail(cutShort()));
  body.on('error', () => undefined);
  body.on('close', () => source.destroy());
  if (first.length) take(first);
  return body;
}

/**
 * Sends the request on `socket` and resolves with the answer once its head has arrived; rejects with the
 * socket's error (ENOENT, ECONNREFUSED... with their codes) or ETIMEDOUT before that. Destroying the
 * answer closes the socket.
 */
export function exchange(socket: Duplex, o: ExchangeOptions): Promise<SocketAnswer> {
  return new Promise((resolve, reject) => {
    let head: Buffer = Buffer.alloc(0);
    let done = false;
    const fail = (err: Error) => {
      if (done) return;
      done = true;
      socket.destroy();
      reject(err);
    };
    const setTimer = (socket as Duplex & { setTimeout?(ms: number, cb?: () => void): void }).setTimeout?.bind(socket);
    if (o.timeoutMs > 0 && setTimer) {
      // before the head: the call fails; after it, the body's reader gets the error
      setTimer(o.timeoutMs, () => {
        if (done) socket.destroy(codeError('timeout', 'ETIMEDOUT'));
        else fail(codeError('timeout', 'ETIMEDOUT'));
      });
    }
    const onError = (err: Error) => fail(err);
    const onEnd = () => fail(codeError('the daemon closed the connection before answering', 'ECONNRESET'));
    const onData = (chunk: Buffer) => {
      head = head.length ? Buffer.concat([head, chunk]) : chunk;
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_HEAD) fail(codeError('the answer has no end of its head', 'EPROTO'));
        return;
      }
      const parsed = parseHead(head.subarray(0, end).toString('latin1'));
      if (!parsed) {
        fail(codeError('the answer is not HTTP', 'EPROTO'));
        return;
      }
      done = true;
      socket.removeListener('data', onData);
      socket.removeListener('error', onError);
      socket.removeListener('end', onEnd);
      const rest = head.subarray(end + 4);
      const chunked = /\bchunked\b/i.test(parsed.headers['transfer-encoding'] ?? '');
      const length = parsed.headers['content-length'] !== undefined ? Number(parsed.headers['content-length']) : null;
      if (chunked || !o.direct) {
        resolve(Object.assign(relay(socket, rest, chunked ? null : length, chunked), parsed));
        return;
      }
      // a call's answer on the local socket: read off the socket itself (the daemon closes it after the
      // body). An error before the reader attaches its own listener must not go unheard (an 'error' without
      // a listener ends the process); the reader's listener still gets it.
      socket.on('error', () => undefined);
      socket.pause();
      if (rest.length) socket.unshift(rest);
      resolve(Object.assign(socket, parsed));
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('end', onEnd);
    socket.write(requestBytes(o));
  });
}
