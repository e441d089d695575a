import { afterEach, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import { sendWebhook, signBody } from '../../src/notify/webhook.js';
import type { NotifyPayload } from '../../src/notify/types.js';
import { deadUrl, startReceiver, type Receiver } from './receiver.js';

const payload: NotifyPayload = { event: 'crash', process: 'api', exitCode: 1, signal: null, reason: 'exit code 1', time: '2026-11-21T10:00:00.000Z', host: 'box' };
const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
async function receiver(answer?: (n: number) => number | null): Promise<Receiver> {
  const r = await startReceiver(answer);
  receivers.push(r);
  return r;
}

describe('sendWebhook', () => {
  it('POSTs the JSON payload with an HMAC-SHA256 signature over the raw body', async () => {
    const rx = await receiver();
    const result = await sendWebhook({ url: rx.url, secret: 's3cret' }, payload);
    expect(result).toMatchObject({ channel: 'webhook', target: rx.url, ok: true, attempts: 1, status: 200, event: 'crash', process: 'api' });
    expect(rx.received).toHaveLength(1);
    const req = rx.received[0];
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['x-sentinel-event']).toBe('crash');
    expect(JSON.parse(req.body)).toEqual(payload);
    const expected = 'sha256=' + crypto.createHmac('sha256', 's3cret').update(req.body).digest('hex');
    expect(req.headers['x-sentinel-signature']).toBe(expected);
    expect(signBody(req.body, 's3cret')).toBe(expected);
  });

  it('sends no signature without a secret', async () => {
    const rx = await receiver();
    await sendWebhook({ url: rx.url }, payload);
    expect(rx.received[0].headers['x-sentinel-signature']).toBeUndefined();
  });

  it('retries a receiver that fails twice, then succeeds', async () => {
    const rx = await receiver((n) => (n <= 2 ? 503 : 200));
    const result = await sendWebhook({ url: rx.url, retries: 3, backoffMs: 20 }, payload);
    expect(result).toMatchObject({ ok: true, attempts: 3, status: 200 });
    expect(rx.received.map((r) => r.body)).toEqual([JSON.stringify(payload), JSON.stringify(payload), JSON.stringify(payload)]);
  });

  it('reports failure for a receiver that is down, after its retries, in bounded time', async () => {
    const url = await deadUrl();
    const t0 = Date.now();
    const result = await sendWebhook({ url, retries: 2, backoffMs: 50 }, payload);
    expect(result).toMatchObject({ ok: false, attempts: 3, error: 'connection refused', target: url });
    expect(result.durationMs).toBeGreaterThanOrEqual(140); // waited 50 + 100 ms between attempts
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('times out an attempt that gets no answer', async () => {
    const rx = await receiver(() => null);
    const result = await sendWebhook({ url: rx.url, timeoutMs: 200, retries: 1, backoffMs: 10 }, payload);
    expect(result).toMatchObject({ ok: false, attempts: 2, error: 'no response within 200ms' });
    expect(rx.received).toHaveLength(2);
  });

  it('does not retry a client error', async () => {
    const rx = await receiver(() => 401);
    const result = await sendWebhook({ url: rx.url, retries: 3, backoffMs: 10 }, payload);
    expect(result).toMatchObject({ ok: false, attempts: 1, status: 401, error: 'HTTP 401: nope 401' });
  });
});
