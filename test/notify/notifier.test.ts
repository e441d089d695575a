import { afterEach, describe, expect, it } from 'vitest';
import { createNotifier, validateEmail, validateWebhook, type DeliveryResult } from '../../src/notify/index.js';
import { SentinelError } from '../../src/core/errors.js';
import { deadUrl, startReceiver, type Receiver } from './receiver.js';
import { startSmtp, type SmtpSink } from './smtp.js';

const closers: (Receiver | SmtpSink)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c.close()));
});
async function rx(): Promise<Receiver> {
  const r = await startReceiver();
  closers.push(r);
  return r;
}

describe('notifier', () => {
  it('routes events to global and per-process channels by their event lists', async () => {
    const all = await rx();
    const crashesOnly = await rx();
    const apiOwn = await rx();
    const isolated = await rx();
    const seen: DeliveryResult[] = [];
    const notifier = createNotifier(
      {
        global: { webhooks: [{ url: all.url }, { url: crashesOnly.url, events: ['crash'] }] },
        processes: { api: { webhooks: [{ url: apiOwn.url, events: ['unhealthy', 'recovered'] }] }, batch: { inheritGlobal: false, webhooks: [{ url: isolated.url }] } },
      },
      { hostname: 'box', now: () => Date.parse('2026-11-21T10:00:00Z'), onResult: (r) => seen.push(r) },
    );
    const r1 = await notifier.notify({ event: 'crash', process: 'api', exitCode: 1, reason: 'exit code 1' });
    expect(r1.map((r) => [r.target, r.ok])).toEqual([[all.url, true], [crashesOnly.url, true]]);
    const r2 = await notifier.notify({ event: 'unhealthy', process: 'api', reason: '3 failed checks' });
    expect(r2.map((r) => r.target)).toEqual([all.url, apiOwn.url]);
    const r3 = await notifier.notify({ event: 'failed', process: 'batch', signal: 'SIGKILL' });
    expect(r3.map((r) => r.target)).toEqual([isolated.url]);
    expect(JSON.parse(all.received[0].body)).toEqual({
      event: 'crash', process: 'api', exitCode: 1, signal: null, reason: 'exit code 1', time: '2026-11-21T10:00:00.000Z', host: 'box',
    });
    expect(JSON.parse(isolated.received[0].body)).toMatchObject({ event: 'failed', process: 'batch', exitCode: null, signal: 'SIGKILL' });
    expect(seen).toHaveLength(5);
    expect(notifier.recent()).toEqual(seen);
  });

  it('a test event goes to every channel, email included (real SMTP)', async () => {
    const hook = await rx();
    const smtp = await startSmtp();
    closers.push(smtp);
    const notifier = createNotifier({
      global: {
        webhooks: [{ url: hook.url, events: ['crash'] }],
        emails: [{ host: '127.0.0.1', port: smtp.port, from: 'sentinel@box.test', to: 'ops@example.test', events: ['failed'], timeoutMs: 5000 }],
      },
    }, { hostname: 'box' });
    const results = await notifier.notify({ event: 'test', process: '*' });
    expect(results.map((r) => [r.channel, r.ok])).toEqual([['webhook', true], ['email', true]]);
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0].raw).toContain('Subject: [sentinel] test notification from box');
  });

  it('never throws: a dead receiver and a throwing channel come back as failed results', async () => {
    const url = await deadUrl();
    const notifier = createNotifier(
      { global: { webhooks: [{ url, retries: 1, backoffMs: 10 }], emails: [{ host: 'x', from: 'a@b.test', to: 'c@d.test' }] } },
      { sendEmail: async () => { throw new Error('boom'); }, onResult: () => { throw new Error('observer broke'); } },
    );
    const results = await notifier.notify({ event: 'crash', process: 'api' });
    expect(results).toMatchObject([
      { channel: 'webhook', ok: false, attempts: 2, error: 'connection refused' },
      { channel: 'email', ok: false, error: 'boom', target: 'c@d.test' },
    ]);
  });

  it('setConfig replaces the channels', async () => {
    const hook = await rx();
    const notifier = createNotifier({});
    expect(await notifier.notify({ event: 'crash', process: 'api' })).toEqual([]);
    notifier.setConfig({ global: { webhooks: [{ url: hook.url }] } });
    expect(await notifier.notify({ event: 'crash', process: 'api' })).toHaveLength(1);
  });
});

describe('notification settings', () => {
  it('accept valid settings', () => {
    expect(validateWebhook({ url: 'https://hooks.example.test/x', secret: 'k', timeout: '3s', retries: '5', backoff: '1s', events: 'crash,failed' })).toEqual({
      url: 'https://hooks.example.test/x', secret: 'k', timeoutMs: 3000, retries: 5, backoffMs: 1000, events: ['crash', 'failed'],
    });
    expect(validateEmail({ host: 'smtp.example.test', port: '465', secure: true, user: 'u', pass: 'p', from: 'Sentinel <s@example.test>', to: 'a@example.test, b@example.test' })).toEqual({
      host: 'smtp.example.test', port: 465, secure: true, auth: { user: 'u', pass: 'p' }, from: 'Sentinel <s@example.test>', to: ['a@example.test', 'b@example.test'],
    });
  });

  it.each([
    [() => validateWebhook({ url: 'hooks.example.test' }), 'webhook url: expected an http:// or https:// URL like "http://127.0.0.1:8080/health", got "hooks.example.test"'],
    [() => validateWebhook({ url: 'http://x/', events: 'crash,boom' }), 'webhook events: expected a list of crash, failed, unhealthy, recovered, test, like "crash,failed", got "crash,boom"'],
    [() => validateWebhook({ url: 'http://x/', retries: '-1' }), 'webhook retries: expected a whole number from 0 to 20, like 3, got "-1"'],
    [() => validateEmail({ host: '', from: 'a@b.test', to: 'c@d.test' }), 'smtp host: expected a host name like "smtp.example.com", got ""'],
    [() => validateEmail({ host: 'h', from: 'nobody', to: 'c@d.test' }), 'email from: expected an address like "ops@example.com", got "nobody"'],
    [() => validateEmail({ host: 'h', from: 'a@b.test', to: 'c@d.test', port: '99999' }), 'smtp port: expected a port number from 1 to 65535, like 8080, got "99999"'],
  ])('rejects bad input %#', (fn, message) => {
    expect(fn).toThrow(SentinelError);
    expect(fn).toThrow(message);
  });
});
