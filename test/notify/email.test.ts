import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { formatEmail, sendEmail } from '../../src/notify/email.js';
import type { NotifyPayload } from '../../src/notify/types.js';
import { startSmtp, type SmtpSink } from './smtp.js';

const payload: NotifyPayload = { event: 'failed', process: 'worker', exitCode: 2, signal: null, reason: 'restarts exhausted (5 in 60s)', time: '2026-11-21T10:00:00.000Z', host: 'box' };
const sinks: SmtpSink[] = [];
const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.close()));
  for (const s of servers.splice(0)) s.close();
});

describe('sendEmail', () => {
  it('delivers to a real SMTP server with auth', async () => {
    const smtp = await startSmtp({ user: 'alerts', pass: 'pw' });
    sinks.push(smtp);
    const result = await sendEmail(
      { host: '127.0.0.1', port: smtp.port, auth: { user: 'alerts', pass: 'pw' }, from: 'sentinel@box.test', to: ['ops@example.test', 'dev@example.test'], timeoutMs: 5000 },
      payload,
    );
    expect(result).toMatchObject({ channel: 'email', ok: true, attempts: 1, target: 'ops@example.test, dev@example.test', event: 'failed', process: 'worker' });
    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0];
    expect(mail.user).toBe('alerts');
    expect(mail.from).toBe('sentinel@box.test');
    expect(mail.to).toEqual(['ops@example.test', 'dev@example.test']);
    expect(mail.raw).toContain('Subject: [sentinel] worker failed (restarts exhausted) on box');
    expect(mail.raw).toContain('Exit code: 2');
    expect(mail.raw).toContain('Reason:    restarts exhausted (5 in 60s)');
  });

  it('reports a refused login', async () => {
    const smtp = await startSmtp({ user: 'alerts', pass: 'pw' });
    sinks.push(smtp);
    const result = await sendEmail({ host: '127.0.0.1', port: smtp.port, auth: { user: 'alerts', pass: 'wrong' }, from: 'a@b.test', to: 'c@d.test', timeoutMs: 5000 }, payload);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/Invalid username or password/);
    expect(smtp.mails).toHaveLength(0);
  });

  it('reports a server that is down', async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise((r) => srv.close(r));
    const result = await sendEmail({ host: '127.0.0.1', port, from: 'a@b.test', to: 'c@d.test', timeoutMs: 5000 }, payload);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/ECONNREFUSED/);
  });

  it('gives up on a server that never greets, within the timeout', async () => {
    const silent = net.createServer(() => {}); // accepts, says nothing
    servers.push(silent);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    const t0 = Date.now();
    const result = await sendEmail({ host: '127.0.0.1', port, from: 'a@b.test', to: 'c@d.test', timeoutMs: 400 }, payload);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/Greeting never received|longer than 400ms/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('formats a test message', () => {
    expect(formatEmail({ ...payload, event: 'test', exitCode: null, reason: '' })).toEqual({
      subject: '[sentinel] test notification from box',
      text: 'Process:   worker\nEvent:     test\nHost:      box\nTime:      2026-11-21T10:00:00.000Z\n',
    });
  });
});
