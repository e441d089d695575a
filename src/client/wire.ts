// What both transports (the Unix socket and the TCP API) share: reading an answer, turning an error body into a
// SentinelError, and splitting an NDJSON stream into items. One place, so a remote face behaves like a local one.
import type { Readable } from 'node:stream';
import { SentinelError, type ErrorCode } from '../core/errors.js';

/** An answer's body with its status: an Answer (TCP API) or a socket-http answer (the socket). */
export type Answer = Readable & { statusCode?: number };

export function readAll(res: Answer): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
    // a socket answer comes paused (its head was read off it): let the body flow
    res.resume();
  });
}

interface ErrorBody { error?: { code: ErrorCode; message: string; details?: Record<string, unknown> } }

/** The JSON answer of one call, or the daemon's error as a SentinelError (never an error shaped like success). */
export async function parseAnswer<T>(res: Answer): Promise<T> {
  return answerOf<T>(await readAll(res), res.statusCode);
}

/** The same, from an answer's whole body text and its status. */
export function answerOf<T>(text: string, statusCode: number | undefined): T {
  let body: ErrorBody;
  try {
    body = JSON.parse(text);
  } catch {
    throw new SentinelError('INTERNAL', `the daemon sent an answer that is not JSON (HTTP ${statusCode})`);
  }
  if (body?.error || (statusCode ?? 500) >= 400) {
    throw new SentinelError(body?.error?.code ?? 'INTERNAL', body?.error?.message ?? `HTTP ${statusCode}`, body?.error?.details);
  }
  return body as T;
}

/** Each NDJSON item of a stream answer until it ends (or `signal` aborts, which ends it quietly). */
export async function* ndjsonItems<T>(res: Answer, signal?: AbortSignal): AsyncGenerator<T> {
  const onAbort = () => res.destroy();
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) return;
  if ((res.statusCode ?? 500) >= 400) {
    await parseAnswer(res);
    return;
  }
  let buf = '';
  try {
    for await (const chunk of res) {
      buf += chunk.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line) continue;
        const item = JSON.parse(line);
        if (item && typeof item === 'object' && 'error' in item && Object.keys(item).length === 1) {
          throw new SentinelError(item.error.code, item.error.message);
        }
        yield item as T;
      }
    }
  } catch (err) {
    if (!signal?.aborted) throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
