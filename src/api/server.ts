// HTTP over the daemon's Unix socket (and later TCP): routes to operations, maps error codes to statuses,
// streams NDJSON for follow modes. A bad request never takes the daemon down.
import http from 'node:http';
import { SentinelError, toSentinelError } from '../core/errors.js';
import { isStream, type OpContext } from '../daemon/context.js';
import { CHECK_RESULTS, invokeOperation, unknownOperation, type OperationTable } from '../daemon/operations.js';
import { checkResult, coerceText } from '../contracts/validate.js';
import type { Logger } from '../daemon/logger.js';
import { matchRoute, queryParams } from './routes.js';

const MAX_BODY = 4 * 1024 * 1024;

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new SentinelError('PAYLOAD_TOO_LARGE', `request body is over ${MAX_BODY} bytes; send less (e.g. fewer environment variables)`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, redact: (text: string) => string): void {
  const text = redact(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function createApiServer(ops: OperationTable, log: Logger, opts: { actor: string; redact?: (text: string) => string }): http.Server {
  // every answer passes through this: secret values never leave the daemon
  const redact = opts.redact ?? ((t: string) => t);
  const server = http.createServer(async (req, res) => {
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    try {
      const url = new URL(req.url ?? '/', 'http://sentinel');
      const route = matchRoute(req.method ?? 'GET', url.pathname);
      if (!route) throw new SentinelError('ROUTE_NOT_FOUND', `no route ${req.method} ${url.pathname}; see the API section of the README`);
      const op = ops.get(route.op);
      if (!op) throw unknownOperation(route.op);
      const raw = req.method === 'GET' || req.method === 'HEAD' ? '' : await readBody(req);
      let body: unknown = {};
      if (raw.trim() !== '') {
        try {
          body = JSON.parse(raw);
        } catch (err) {
          throw new SentinelError('BAD_REQUEST', `request body is not valid JSON (${(err as Error).message}); send a JSON object`);
        }
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new SentinelError('BAD_REQUEST', 'request body must be a JSON object, e.g. {"command": "sleep 10"}');
      }
      // text from the query and the path becomes numbers or booleans where the operation's schema wants them
      const params = { ...coerceText(op.contract, queryParams(url.searchParams)), ...(body as object), ...coerceText(op.contract, route.params) };
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
      const e = toSentinelError(err);
      if (e.code === 'INTERNAL') log.error('INTERNAL', e.message, { url: req.url, stack: (err as Error)?.stack });
      else log.debug(e.code, e.message, { url: req.url });
      if (res.headersSent) {
        res.end(redact(JSON.stringify({ error: e.toJSON() })) + '\n');
      } else {
        sendJson(res, e.status, { error: e.toJSON() }, redact);
      }
    }
  });
  server.on('clientError', (err, socket) => {
    log.warn('BAD_REQUEST', `malformed request from a client: ${err.message}`);
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{"error":{"code":"BAD_REQUEST","message":"malformed HTTP request"}}');
    else socket.destroy();
  });
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 0; // follow streams stay open; each operation has its own timeouts
  return server;
}
