// HTTP over the daemon's Unix socket (TCP is api/tcp/server.ts; both share api/request.ts): routes to operations, maps error codes to statuses,
// streams NDJSON for follow modes. A bad request never takes the daemon down.
import http from 'node:http';
import { SentinelError, toSentinelError } from '../core/errors.js';
import { isStream, type OpContext } from '../daemon/context.js';
import { CHECK_RESULTS, invokeOperation, unknownOperation, type OperationTable } from '../daemon/operations.js';
import { checkResult } from '../contracts/validate.js';
import type { Logger } from '../daemon/logger.js';
import { matchRoute } from './routes.js';
import { METRICS_PATH, renderMetrics } from './metrics-route.js';
import { assembleParams, clientErrorAnswer, envMs, fromSystemError, parseBody, rawAnswer, readBody, splitTarget, writeItem } from './request.js';
import { checkTimeoutsWhileConnected } from './timeout-checks.js';

/**
 * Encoded once: Buffer.byteLength of a string built by concatenation (a scrape's 110 KB with 100 processes)
 * flattens it, and writing the string encodes it again; a Buffer is measured and written as it is.
 */
function sendText(res: http.ServerResponse, status: number, contentType: string, text: string, head = false): void {
  const bytes = Buffer.from(text);
  res.writeHead(status, { 'content-type': contentType, 'content-length': bytes.length });
  res.end(head ? undefined : bytes);
}

/**
 * `x-sentinel-indent: 2` on a request: a successful answer is indented as the CLI prints --json, which then
 * writes it as it comes (src/client/client.ts, callPrinted); the answer names the header back.
 */
const INDENT_HEADER = 'x-sentinel-indent';

function sendJson(res: http.ServerResponse, status: number, body: unknown, redact: (text: string) => string, indent = false): void {
  if (indent) res.setHeader(INDENT_HEADER, '2');
  sendText(res, status, 'application/json', redact(indent ? JSON.stringify(body, null, 2) : JSON.stringify(body)));
}

/** The header every answer of the socket API carries: the client warns when it runs another version. */
export const VERSION_HEADER = 'x-sentinel-version';

export function createApiServer(ops: OperationTable, log: Logger, opts: { actor: string; redact?: (text: string) => string; version?: string }): http.Server {
  // every answer passes through this: secret values never leave the daemon
  const redact = opts.redact ?? ((t: string) => t);
  // the timeouts are checked every second, not Node's default 30 s, and only while a connection is open
  const server = http.createServer({ connectionsCheckingInterval: 1000 }, async (req, res) => {
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    if (opts.version) res.setHeader(VERSION_HEADER, opts.version);
    try {
      const { pathname, search } = splitTarget(req.url ?? '/');
      if (pathname === METRICS_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
        const m = await renderMetrics(ops, { actor: opts.actor, signal: abort.signal });
        sendText(res, 200, m.contentType, m.body, req.method === 'HEAD');
        return;
      }
      const route = matchRoute(req.method ?? 'GET', pathname);
      if (!route) throw new SentinelError('ROUTE_NOT_FOUND', `no route ${req.method} ${pathname.slice(0, 200)}; see the API section of the README`);
      const op = ops.get(route.op);
      if (!op) throw unknownOperation(route.op);
      const body = parseBody(req.method === 'GET' || req.method === 'HEAD' ? '' : await readBody(req));
      // text from the query and the path becomes numbers or booleans where the operation's schema wants them
      const params = assembleParams(op, route.params, search, body);
      const actor = typeof req.headers['x-sentinel-client'] === 'string' ? req.headers['x-sentinel-client'] : opts.actor;
      const ctx: OpContext = { actor, signal: abort.signal };
      const result = await invokeOperation(ops, route.op, params, ctx);
      if (isStream(result)) {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.flushHeaders();
        for await (const item of result.stream) {
          if (abort.signal.aborted) break;
          if (CHECK_RESULTS && op.contract.item) checkResult(op.contract, item, op.contract.item);
          await writeItem(res, redact(JSON.stringify(item)) + '\n', abort.signal);
        }
        res.end();
        return;
      }
      sendJson(res, 200, result ?? {}, redact, req.headers[INDENT_HEADER] === '2');
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
    if (socket.writable && err.code !== 'ECONNRESET') socket.end(clientErrorAnswer(err));
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
  checkTimeoutsWhileConnected(server, 1000);
  return server;
}
