// HTTP over the daemon's Unix socket (and later TCP): routes to operations, maps error codes to statuses,
// streams NDJSON for follow modes. A bad request never takes the daemon down.
import http from 'node:http';
import { SentinelError, toSentinelError } from '../core/errors.js';
import { isStream, type OpContext } from '../daemon/context.js';
import { CHECK_RESULTS, invokeOperation, unknownOperation, type OperationTable } from '../daemon/operations.js';
import { checkResult, coerceText } from '../contracts/validate.js';
import type { Logger } from '../daemon/logger.js';
import { matchRoute, queryParams } from './routes.js';
import { METRICS_PATH, renderMetrics } from './metrics-route.js';

const MAX_BODY = 4 * 1024 * 1024;
/** A body past MAX_BODY is read and dropped up to this much, so the client can read its 413; past it the socket is closed. */
const MAX_DRAIN = 64 * 1024 * 1024;
/** Deeper JSON than this is refused before anything walks it (no parameter nests more than a few levels). */
const MAX_DEPTH = 64;

function envMs(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    const tooLarge = () => new SentinelError('PAYLOAD_TOO_LARGE', `request body is over ${MAX_BODY} bytes; send less (e.g. fewer environment variables)`);
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > MAX_DRAIN) {
      reject(tooLarge());
      return;
    }
    req.on('data', (c: Buffer) => {
      size += c.length;
      // the rest is read and dropped: closing now would reset the socket before the client reads the 413
      if (size > MAX_DRAIN) req.destroy();
      else if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => (size > MAX_BODY ? reject(tooLarge()) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
    req.on('close', () => reject(new SentinelError('BAD_REQUEST', 'the client closed the connection before the body was complete')));
  });
}

/** How deeply the JSON text nests (strings skipped), without parsing or recursing. */
function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92) i++; // backslash: skip the escaped character
      else if (ch === 34) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 123 || ch === 91) max = Math.max(max, ++depth);
    else if (ch === 125 || ch === 93) depth--;
  }
  return max;
}

function parseBody(raw: string): object {
  if (raw.trim() === '') return {};
  const depth = jsonDepth(raw);
  if (depth > MAX_DEPTH) throw new SentinelError('BAD_REQUEST', `request body nests ${depth} levels deep; the limit is ${MAX_DEPTH}`);
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch (err) {
    throw new SentinelError('BAD_REQUEST', `request body is not valid JSON (${(err as Error).message}); send a JSON object`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SentinelError('BAD_REQUEST', 'request body must be a JSON object, e.g. {"command": "sleep 10"}');
  }
  return body;
}

/** A NUL byte cannot pass into a command, an argument, a path or an environment variable: refuse it at the door. */
function checkNoNul(value: unknown, at: string): void {
  if (typeof value === 'string') {
    if (value.includes('\0')) throw new SentinelError('BAD_REQUEST', `parameter "${at}" contains a NUL character; remove it`);
  } else if (Array.isArray(value)) value.forEach((v, i) => checkNoNul(v, `${at}[${i}]`));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const key = at ? `${at}.${k}` : k;
      if (k.includes('\0')) throw new SentinelError('BAD_REQUEST', `parameter "${key.replace(/\0/g, '\\0')}" has a NUL character in its name; remove it`);
      checkNoNul(v, key);
    }
  }
}

/** The request target split by hand: `new URL` throws on targets like "////" or "http://x". */
function splitTarget(target: string): { pathname: string; search: URLSearchParams } {
  if (!target.startsWith('/')) throw new SentinelError('BAD_REQUEST', `request target ${JSON.stringify(target.slice(0, 200))} must be a path starting with "/"`);
  const q = target.indexOf('?');
  const pathname = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q + 1);
  // URLSearchParams leaves a malformed escape as written; check them so "%" never becomes a silent value
  if (/%(?![0-9a-fA-F]{2})/.test(query)) throw new SentinelError('BAD_REQUEST', 'the query string has a malformed %-escape; escape "%" as %25');
  return { pathname, search: new URLSearchParams(query) };
}

/** Errors of the system that are the request's fault, not the daemon's. */
function fromSystemError(err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'E2BIG') {
    return new SentinelError('INVALID_ARGUMENT', 'the environment and arguments are too large for the system to start a process (E2BIG): pass fewer or shorter environment variables (--env, --env-file, .env; or start from --clean-env) or arguments');
  }
  if (err instanceof RangeError && /call stack/.test(err.message)) {
    return new SentinelError('BAD_REQUEST', 'the request nests too deeply to be read; send flatter parameters');
  }
  return err;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, redact: (text: string) => string): void {
  const text = redact(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function createApiServer(ops: OperationTable, log: Logger, opts: { actor: string; redact?: (text: string) => string }): http.Server {
  // every answer passes through this: secret values never leave the daemon
  const redact = opts.redact ?? ((t: string) => t);
  // the timeouts are checked every second, not Node's default 30 s
  const server = http.createServer({ connectionsCheckingInterval: 1000 }, async (req, res) => {
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    try {
      const { pathname, search } = splitTarget(req.url ?? '/');
      if (pathname === METRICS_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
        const m = await renderMetrics(ops, { actor: opts.actor, signal: abort.signal });
        res.writeHead(200, { 'content-type': m.contentType, 'content-length': Buffer.byteLength(m.body) });
        res.end(req.method === 'HEAD' ? undefined : m.body);
        return;
      }
      const route = matchRoute(req.method ?? 'GET', pathname);
      if (!route) throw new SentinelError('ROUTE_NOT_FOUND', `no route ${req.method} ${pathname.slice(0, 200)}; see the API section of the README`);
      const op = ops.get(route.op);
      if (!op) throw unknownOperation(route.op);
      const body = parseBody(req.method === 'GET' || req.method === 'HEAD' ? '' : await readBody(req));
      // text from the query and the path becomes numbers or booleans where the operation's schema wants them
      const params = { ...coerceText(op.contract, queryParams(search)), ...body, ...coerceText(op.contract, route.params) };
      checkNoNul(params, '');
      const actor = typeof req.headers['x-sentinel-client'] === 'string' ? req.headers['x-sentinel-client'] : opts.actor;
      const ctx: OpContext = { actor, signal: abort.signal };
      const result = await invokeOperation(ops, route.op, params, ctx);
      if (isStream(result)) {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.flushHeaders();
        for await (const item of result.stream) {
          if (abort.signal.aborted) break;
          if (CHECK_RESULTS && op.contract.item) checkResult(op.contract, item, op.contract.item);
          res.write(redact(JSON.stringify(item)) + '\n');
        }
        res.end();
        return;
      }
      sendJson(res, 200, result ?? {}, redact);
    } catch (err) {
      const e = toSentinelError(fromSystemError(err));
      if (e.code === 'INTERNAL') log.error('INTERNAL', e.message, { url: req.url, stack: (err as Error)?.stack });
      else log.debug(e.code, e.message, { url: req.url });
      if (res.headersSent) {
        res.end(redact(JSON.stringify({ error: e.toJSON() })) + '\n');
      } else {
        sendJson(res, e.status, { error: e.toJSON() }, redact);
      }
    }
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    log.warn('BAD_REQUEST', `malformed request from a client: ${err.message}`);
    const [status, reason, message] = CLIENT_ERRORS[err.code ?? ''] ?? [400, 'Bad Request', 'malformed HTTP request'];
    if (socket.writable && err.code !== 'ECONNRESET') socket.end(rawAnswer(status, reason, status === 408 ? 'TIMEOUT' : status === 413 || status === 431 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST', message));
    else socket.destroy();
  });
  // CONNECT and upgrades are not served: answer instead of dropping the connection
  const refuse = (req: http.IncomingMessage, socket: import('node:stream').Duplex) => {
    log.debug('BAD_REQUEST', `refused ${req.method} ${req.url}`);
    socket.on('error', () => undefined);
    socket.end(rawAnswer(405, 'Method Not Allowed', 'BAD_REQUEST', `${req.method === 'CONNECT' ? 'CONNECT' : 'protocol upgrades'} not supported; send GET, POST, PUT or DELETE to a /v1 route`));
  };
  server.on('connect', refuse);
  server.on('upgrade', refuse);
  server.keepAliveTimeout = 5000;
  // a slow client (a byte a second) is answered 408 and closed; a follow stream is not affected (its request is complete)
  server.headersTimeout = envMs('SENTINEL_HEADERS_TIMEOUT', 10_000);
  server.requestTimeout = Math.max(server.headersTimeout, envMs('SENTINEL_BODY_TIMEOUT', 30_000));
  return server;
}

const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'the request was not received in time (SENTINEL_HEADERS_TIMEOUT / SENTINEL_BODY_TIMEOUT)'],
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'the request headers are too large'],
};

function rawAnswer(status: number, reason: string, code: string, message: string): string {
  const body = JSON.stringify({ error: { code, message } });
  return `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
}
