// Webhook delivery: a JSON POST with a timeout per attempt, retries with exponential
// backoff on network errors, timeouts, 408/429 and 5xx, and an HMAC-SHA256 signature.
import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { DeliveryResult, NotifyEventKind, NotifyPayload } from './types.js';

export interface WebhookConfig {
  url: string;
  /** When set, `X-Sentinel-Signature: sha256=<hex HMAC-SHA256 of the raw body>`. */
  secret?: string;
  /** Per attempt; default 5 s. */
  timeoutMs?: number;
  /** Further attempts after the first; default 3. */
  retries?: number;
  /** First retry delay, doubled each time; default 500 ms. */
  backoffMs?: number;
  backoffMaxMs?: number;
  headers?: Record<string, string>;
  /** Events this hook receives; default all (a `test` always goes through). */
  events?: NotifyEventKind[];
}

export const WEBHOOK_DEFAULTS = { timeoutMs: 5000, retries: 3, backoffMs: 500, backoffMaxMs: 30_000 };

export function signBody(body: string, secret: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`;
}

interface Attempt {
  status?: number;
  error?: string;
  retryable: boolean;
}

function postOnce(cfg: WebhookConfig, body: string, event: string, timeoutMs: number): Promise<Attempt> {
  const url = new URL(cfg.url);
  const lib = url.protocol === 'https:' ? https : http;
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'user-agent': 'sentinel-notify',
    'x-sentinel-event': event,
    ...cfg.headers,
  };
  if (cfg.secret) headers['x-sentinel-signature'] = signBody(body, cfg.secret);
  return new Promise((resolve) => {
    let done = false;
    const finish = (a: Attempt): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve(a);
    };
    const req = lib.request(url, { method: 'POST', headers, agent: false }, (res) => {
      const status = res.statusCode ?? 0;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        if (text.length < 300) text += c;
      });
      res.on('end', () => {
        if (status >= 200 && status < 300) return finish({ status, retryable: false });
        const detail = text.trim().slice(0, 200);
        finish({ status, error: `HTTP ${status}${detail ? `: ${detail}` : ''}`, retryable: status >= 500 || status === 408 || status === 429 });
      });
      res.on('error', (err) => finish({ status, error: err.message, retryable: true }));
    });
    const timer = setTimeout(() => finish({ error: `no response within ${timeoutMs}ms`, retryable: true }), timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => finish({ error: err.code === 'ECONNREFUSED' ? 'connection refused' : err.message, retryable: true }));
    req.end(body);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Delivers one payload; never throws. */
export async function sendWebhook(cfg: WebhookConfig, payload: NotifyPayload): Promise<DeliveryResult> {
  const start = Date.now();
  const body = JSON.stringify(payload);
  const retries = cfg.retries ?? WEBHOOK_DEFAULTS.retries;
  const timeoutMs = cfg.timeoutMs ?? WEBHOOK_DEFAULTS.timeoutMs;
  const base = cfg.backoffMs ?? WEBHOOK_DEFAULTS.backoffMs;
  const max = cfg.backoffMaxMs ?? WEBHOOK_DEFAULTS.backoffMaxMs;
  let attempts = 0;
  let last: Attempt = { retryable: true };
  for (;;) {
    attempts++;
    try {
      last = await postOnce(cfg, body, payload.event, timeoutMs);
    } catch (err) {
      last = { error: (err as Error).message, retryable: false };
    }
    if (!last.error || !last.retryable || attempts > retries) break;
    await sleep(Math.min(max, base * 2 ** (attempts - 1)));
  }
  return {
    channel: 'webhook',
    target: cfg.url,
    event: payload.event,
    process: payload.process,
    ok: !last.error,
    attempts,
    ...(last.status !== undefined ? { status: last.status } : {}),
    ...(last.error ? { error: last.error } : {}),
    durationMs: Date.now() - start,
  };
}
