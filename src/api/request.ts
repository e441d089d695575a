// What both HTTP faces (the Unix socket and TCP) share between reading a request and calling an
// operation: the target split by hand, the JSON body checked before parsing, parameters assembled from
// path, query and body, NUL bytes refused, system errors that are the request's fault.
import type http from 'node:http';
import { SentinelError } from '../core/errors.js';
import { coerceText } from '../contracts/validate.js';
import type { BoundOperation } from '../daemon/operations.js';
import { queryParams } from './routes.js';

export const MAX_BODY = 4 * 1024 * 1024;
/** Deeper JSON than this is refused before anything walks it (no parameter nests more than a few levels). */
const MAX_DEPTH = 64;

// the request timeouts (SENTINEL_HEADERS_TIMEOUT, SENTINEL_BODY_TIMEOUT) are checked with the daemon's other timings
export { envMs } from '../core/env-ms.js';

/** A body past MAX_BODY is read and dropped up to this much, so the client can read its 413; past it the socket is closed. */
const MAX_DRAIN = 64 * 1024 * 1024;

/** The body as text; one past MAX_BODY is PAYLOAD_TOO_LARGE (read and dropped, so the client reads its 413). */
export function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
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

export function tooLarge(): SentinelError {
  return new SentinelError('PAYLOAD_TOO_LARGE', `request body is over ${MAX_BODY} bytes; send less (e.g. fewer environment variables)`);
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

export function parseBody(raw: string): object {
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
export function checkNoNul(value: unknown, at: string): void {
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
export function splitTarget(target: string): { pathname: string; search: URLSearchParams } {
  if (!target.startsWith('/')) throw new SentinelError('BAD_REQUEST', `request target ${JSON.stringify(target.slice(0, 200))} must be a path starting with "/"`);
  const q = target.indexOf('?');
  const pathname = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q + 1);
  // URLSearchParams leaves a malformed escape as written; check them so "%" never becomes a silent value
  if (/%(?![0-9a-fA-F]{2})/.test(query)) throw new SentinelError('BAD_REQUEST', 'the query string has a malformed %-escape; escape "%" as %25');
  return { pathname, search: new URLSearchParams(query) };
}

/** An operation's parameters: text from the query and the path becomes numbers or booleans where its schema wants them. */
export function assembleParams(op: BoundOperation, pathParams: Record<string, string>, search: URLSearchParams, body: object): Record<string, unknown> {
  const params = { ...coerceText(op.contract, queryParams(search)), ...body, ...coerceText(op.contract, pathParams) };
  checkNoNul(params, '');
  return params;
}

/** Errors of the system that are the request's fault, not the daemon's. */
export function fromSystemError(err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'E2BIG') {
    return new SentinelError('INVALID_ARGUMENT', 'the environment and arguments are too large for the system to start a process (E2BIG): pass fewer or shorter environment variables (--env, --env-file, .env; or start from --clean-env) or arguments');
  }
  if (err instanceof RangeError && /call stack/.test(err.message)) {
    return new SentinelError('BAD_REQUEST', 'the request nests too deeply to be read; send flatter parameters');
  }
  return err;
}

/** A complete answer written on a raw socket (for requests the HTTP parser or router never handed over). */
export function rawAnswer(status: number, reason: string, code: string, message: string): string {
  const body = JSON.stringify({ error: { code, message } });
  return `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
}

export const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'the request was not received in time (SENTINEL_HEADERS_TIMEOUT / SENTINEL_BODY_TIMEOUT)'],
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'the request headers are too large'],
};

/** The raw answer to a request the HTTP parser refused (malformed, too slow, headers too large). */
export function clientErrorAnswer(err: NodeJS.ErrnoException): string {
  const [status, reason, message] = CLIENT_ERRORS[err.code ?? ''] ?? [400, 'Bad Request', 'malformed HTTP request'];
  return rawAnswer(status, reason, status === 408 ? 'TIMEOUT' : status === 413 || status === 431 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST', message);
}

/**
 * Writes one NDJSON item and, when the client reads slower than the stream produces, waits until it has
 * caught up (or gone): a follow of a chatty process then holds its place in the log file instead of
 * piling the file up in the daemon's memory.
 */
export async function writeItem(res: import('node:http').ServerResponse, text: string, signal: AbortSignal): Promise<void> {
  if (res.write(text) || signal.aborted) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.on('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
