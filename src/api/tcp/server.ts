// The API over TCP (and TLS): the same routes as the Unix socket, generated from the contracts, behind
// bearer tokens. Loaded only when a listen address is configured: a daemon without one never loads fastify.
// Order of checks for an operation: the caller's address is not locked out (429), the token is good (401),
// its role suffices (403), the body and parameters are good (4xx), the process is within the token's
// pattern (404 / 403), then the operation runs; the answer is cut down to the token's processes and
// passes the secret redactor.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createSecureContext as tlsContext } from 'node:tls';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { SentinelError, toSentinelError } from '../../core/errors.js';
import { isStream, type Daemon, type OpContext } from '../../daemon/context.js';
import { CHECK_RESULTS, invokeOperation, unknownOperation, type OperationTable } from '../../daemon/operations.js';
import { checkResult } from '../../contracts/validate.js';
import type { Logger } from '../../daemon/logger.js';
import type { DaemonSettings } from '../../daemon/settings.js';
import type { Principal, Role } from '../../contracts/roles.js';
import { loadedFaces } from '../../daemon/loaded-faces.js';
import { verifyToken } from '../../auth/tokens.js';
import { ROUTES } from '../routes.js';
import { assembleParams, clientErrorAnswer, envMs, fromSystemError, MAX_BODY, parseBody, readBody, splitTarget, writeItem } from '../request.js';
import { checkTokenScope, filterAnswer, scopeItem, requireRole as requireOpRole } from '../token-scope.js';
import { checkTimeoutsWhileConnected } from '../timeout-checks.js';
import { LoginLimiter } from './login-limiter.js';
import { renderDocsPage } from './docs-page.js';

loadedFaces.add('tcp');

export interface TcpDeps {
  ops: OperationTable;
  daemon: Daemon;
  log: Logger;
  /** Every answer passes through it: secret values never leave the daemon. */
  redact: (text: string) => string;
  settings: DaemonSettings['api'];
}

/** What a face registering its own routes gets: the app, and the checks the API's routes use. */
export interface TcpFace {
  deps: TcpDeps;
  /** The caller's principal from its bearer token; throws UNAUTHORIZED (401) or TOO_MANY_REQUESTS (429). */
  authenticate(request: FastifyRequest): Principal;
  /** Throws FORBIDDEN (403) naming the role needed when the principal's role is below it. */
  requireRole(principal: Principal, role: Role, what: string): void;
  /** Answers an error as the API does ({error: {code, message}} with its status). */
  sendError(reply: FastifyReply, err: unknown): void;
}

/**
 * A face (metrics, dashboard...) adding routes to the TCP listener; daemon main passes the list.
 * Routes are registered before the API's catch-all 404: a face serving a page for every other path
 * registers `GET /*` (specific routes, the API's included, still win). A protected route:
 *
 *   app.get('/metrics', async (request, reply) => {
 *     face.requireRole(face.authenticate(request), 'viewer', 'GET /metrics');
 *     reply.type('text/plain; version=0.0.4').send(await render());
 *   });
 *
 * Errors thrown in a face's handlers are answered like the API's ({error: {code, message}}).
 */
export type FaceRegistrar = (app: FastifyInstance, face: TcpFace) => Promise<void> | void;

export interface TcpServer {
  url: string;
  tls: boolean;
  close(): Promise<void>;
}

/** "127.0.0.1:9797" or "[::1]:9797" → host and port. */
export function splitListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  const host = listen.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(listen.slice(i + 1)) };
}

function readTls(files: { cert: string; key: string }): { cert: Buffer; key: Buffer } {
  const read = (what: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new SentinelError('INVALID_CONFIG', `api.tls.${what}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); give the path of a PEM file the daemon can read`);
    }
  };
  const pair = { cert: read('cert', files.cert), key: read('key', files.key) };
  try {
    tlsContext(pair);
  } catch (err) {
    throw new SentinelError('INVALID_CONFIG', `api.tls: the certificate and key do not form a usable pair (${(err as Error).message}); give a PEM certificate and its private key`);
  }
  return pair;
}

function errorBody(e: SentinelError, redact: (t: string) => string): string {
  return redact(JSON.stringify({ error: e.toJSON() }));
}

/** Fastify's own errors (body too large, bad content) as the API's error codes. */
function fromFastifyError(err: unknown): unknown {
  const f = err as { statusCode?: number; code?: string; message?: string };
  if (typeof f?.code !== 'string' || !f.code.startsWith('FST_')) return err;
  if (f.statusCode === 413) return new SentinelError('PAYLOAD_TOO_LARGE', `request body is over ${MAX_BODY} bytes; send less`);
  if (f.statusCode && f.statusCode >= 400 && f.statusCode < 500) return new SentinelError('BAD_REQUEST', `${f.message ?? 'bad request'}; send a JSON object as the body`);
  return err;
}

export async function startTcpServer(deps: TcpDeps, opts: { listen: string; registerFaces?: readonly FaceRegistrar[] }): Promise<TcpServer> {
  const { ops, daemon: d, log, redact, settings } = deps;
  const tls = settings.tls ? readTls(settings.tls) : null;
  const limiter = new LoginLimiter(settings.authFailures.max, settings.authFailures.window);

  const app = Fastify({
    logger: false,
    // the body is read by readBody (as on the socket): past MAX_BODY it is drained and answered 413
    bodyLimit: MAX_BODY,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    serverFactory: (handler) => {
      // the timeouts are checked every second, not Node's default 30 s, and only while a connection is open
      const server = tls
        ? https.createServer({ ...tls, connectionsCheckingInterval: 1000 }, handler)
        : http.createServer({ connectionsCheckingInterval: 1000 }, handler);
      server.keepAliveTimeout = 5000;
      // a slow client (a byte a second) is answered 408 and closed; a follow stream is not affected (its request is complete)
      server.headersTimeout = envMs('SENTINEL_HEADERS_TIMEOUT', 10_000);
      server.requestTimeout = Math.max(server.headersTimeout, envMs('SENTINEL_BODY_TIMEOUT', 30_000));
      checkTimeoutsWhileConnected(server, 1000);
      return server;
    },
  });

  // the body stays text: the same checks as on the socket (depth, JSON object, NUL) run on it
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (request, _payload, done) => {
    readBody(request.raw).then((text) => done(null, text), (err: Error) => done(err, undefined));
  });

  const sendError = (reply: FastifyReply, err: unknown): void => {
    const e = toSentinelError(fromSystemError(fromFastifyError(err)));
    if (e.code === 'INTERNAL') log.error('INTERNAL', e.message, { url: reply.request.url, stack: (err as Error)?.stack });
    const retry = e.details?.retryAfterSeconds;
    if (typeof retry === 'number') void reply.header('retry-after', String(retry));
    if (e.status === 401) void reply.header('www-authenticate', 'Bearer realm="sentinel"');
    void reply.code(e.status).header('content-type', 'application/json').header('cache-control', 'no-store').send(errorBody(e, redact));
  };

  const authenticate = (request: FastifyRequest): Principal => {
    const address = request.ip ?? 'unknown';
    const wait = limiter.blockedFor(address);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      throw new SentinelError('TOO_MANY_REQUESTS', `too many failed logins from ${address}; try again in ${seconds} s with a valid token`, { retryAfterSeconds: seconds });
    }
    const header = request.headers.authorization;
    if (typeof header !== 'string' || header.trim() === '') {
      throw new SentinelError('UNAUTHORIZED', 'this API needs a token: send "Authorization: Bearer TOKEN" (an admin creates one with: sentinel token create NAME --role viewer)');
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    try {
      if (!m) throw new SentinelError('UNAUTHORIZED', 'the Authorization header must be "Bearer TOKEN"');
      return verifyToken(d.tokens, m[1], Date.now());
    } catch (err) {
      limiter.fail(address);
      throw err;
    }
  };

  const face: TcpFace = { deps, authenticate, requireRole: requireOpRole, sendError };

  const nameOf = (ref: string): string | undefined => {
    try {
      return d.supervisor.resolve(ref).name;
    } catch {
      return undefined;
    }
  };

  /** Writes through a token go into the event log, with the token as the actor. */
  const recordWrite = (opName: string, params: Record<string, unknown>, actor: string): void => {
    const target = typeof params.ref === 'string' ? nameOf(params.ref) ?? params.ref : typeof params.name === 'string' ? params.name : null;
    const isProcess = typeof params.ref === 'string' || opName === 'run';
    try {
      d.processes.addEvent({
        time: Date.now(), processId: null, processName: isProcess ? target : null, kind: 'api', oldState: null, newState: null,
        pid: null, exitCode: null, signal: null, reason: `${opName}${target ? ` ${target}` : ''} over the TCP API`, actor,
      });
    } catch (err) {
      // the write itself is done (and its state changes carry the actor): its answer is not lost for this
      log.warn('AUDIT_FAILED', `could not record ${opName} by ${actor} in the event log: ${(err as Error).message}`);
    }
  };

  const handleOperation = async (request: FastifyRequest, reply: FastifyReply, opName: string): Promise<void> => {
    const principal = authenticate(request);
    const op = ops.get(opName);
    if (!op) throw unknownOperation(opName);
    requireOpRole(principal, op.contract.permission, `"${op.contract.name}"`);
    const { search } = splitTarget(request.url);
    const pathParams = { ...(request.params as Record<string, string>) };
    delete pathParams.op;
    const body = parseBody(typeof request.body === 'string' ? request.body : '');
    const params = assembleParams(op, pathParams, search, body);
    const abort = new AbortController();
    reply.raw.on('close', () => abort.abort());
    const actor = `token:${principal.name}`;
    const ctx: OpContext = { actor, signal: abort.signal, principal };
    const result = await invokeOperation(ops, op.contract.name, params, ctx, (c, checked) => checkTokenScope(principal, c, checked, nameOf));
    if (op.contract.kind === 'write') recordWrite(op.contract.name, params, actor);
    if (isStream(result)) {
      // a follow stream ends when its token expires, even when nothing is written meanwhile
      const left = principal.expiresAt === null ? Infinity : principal.expiresAt - Date.now();
      const expiry = left < 2 ** 31 - 1 ? setTimeout(() => abort.abort(), Math.max(0, left)) : undefined;
      reply.raw.on('close', () => clearTimeout(expiry));
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { ...(reply.getHeaders() as http.OutgoingHttpHeaders), 'content-type': 'application/x-ndjson', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      res.flushHeaders();
      try {
        for await (const item of result.stream) {
          if (abort.signal.aborted) break;
          if (CHECK_RESULTS && op.contract.item) checkResult(op.contract, item, op.contract.item);
          const shown = scopeItem(principal, op.contract, item);
          if (shown !== undefined) await writeItem(res, redact(JSON.stringify(shown)) + '\n', abort.signal);
        }
      } catch (err) {
        res.write(errorBody(toSentinelError(err), redact) + '\n');
      }
      clearTimeout(expiry);
      res.end();
      return;
    }
    const text = redact(JSON.stringify(filterAnswer(principal, op.contract, result ?? {})));
    void reply.header('content-type', 'application/json').header('cache-control', 'no-store').send(text);
  };

  app.setErrorHandler((err, _request, reply) => sendError(reply, err));
  app.addHook('onSend', async (_req, reply, payload) => {
    void reply.header('x-content-type-options', 'nosniff');
    return payload;
  });

  // browsers may call the API from the listed origins only; with none listed, no CORS header is ever sent
  if (settings.cors.length > 0) {
    const { default: cors } = await import('@fastify/cors');
    await app.register(cors, {
      origin: settings.cors,
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type'],
      maxAge: 600,
    });
  }

  for (const r of ROUTES) {
    app.route({
      method: r.method,
      url: r.pattern,
      handler: (request, reply) => handleOperation(request, reply, r.op === ':op' ? (request.params as { op: string }).op : r.op),
    });
  }

  // the reference page: public (it describes the API, nothing of this daemon's state)
  let docsPage: string | undefined;
  app.get('/docs', async (_request, reply) => {
    docsPage ??= renderDocsPage((await invokeOperation(ops, 'api.schema', {}, { actor: 'docs', signal: new AbortController().signal })) as Record<string, unknown>);
    void reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      .send(docsPage);
  });

  for (const register of opts.registerFaces ?? []) await register(app, face);

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0].slice(0, 200);
    sendError(reply, new SentinelError('ROUTE_NOT_FOUND', `no route ${request.method} ${path}; GET /docs lists the routes`));
  });

  app.server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    log.debug('BAD_REQUEST', `malformed request from a TCP client: ${err.message}`);
    if (socket.writable && err.code !== 'ECONNRESET') socket.end(clientErrorAnswer(err));
    else socket.destroy();
  });

  const { host, port } = splitListen(opts.listen);
  try {
    await app.listen({ host, port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'the address is in use (another program listens there); choose another port'
      : code === 'EADDRNOTAVAIL' ? 'no network interface of this machine has that address'
        : code === 'EACCES' ? 'ports below 1024 need privileges; choose a port of 1024 or more' : (err as Error).message;
    throw new SentinelError('INVALID_CONFIG', `cannot listen on ${opts.listen} (api.listen / --listen): ${why}`);
  }
  const addr = app.server.address() as import('node:net').AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `${tls ? 'https' : 'http'}://${shownHost}:${addr.port}`;
  return {
    url,
    tls: tls !== null,
    close: async () => {
      app.server.closeAllConnections();
      await app.close();
    },
  };
}
