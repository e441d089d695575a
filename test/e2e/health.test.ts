// Readiness, liveness, thresholds and notifications through the daemon, against real servers.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, cli, cliJson, FIXTURES, tempHome, waitFor } from '../helpers.js';
import { startSmtp, type SmtpSink } from '../notify/smtp.js';

interface View { pid: number | null; status: string; health: string | null; restarts: number }
let home: string;
beforeAll(() => { home = tempHome(); });
afterAll(async () => { await cleanupHome(home); });

const status = async (n: string) => (await cliJson<{ process: View }>(home, ['status', n])).process;
const SERVER = path.join(FIXTURES, 'server.js');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

interface Received { body: string; signature: string | undefined }
function receiver(): Promise<{ port: number; got: Received[]; close(): void }> {
  const got: Received[] = [];
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      got.push({ body, signature: req.headers['x-sentinel-signature'] as string | undefined });
      res.writeHead(200).end('ok');
    });
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve({ port: (srv.address() as net.AddressInfo).port, got, close: () => srv.close() })));
}

describe('readiness', () => {
  it('waits for a port, an HTTP answer, a log line and a command', async () => {
    const port = await freePort();
    const r1 = await cli(home, ['run', '--name', 'r-port', '--wait-port', String(port), '--', process.execPath, SERVER, String(port)]);
    expect(r1.stdout).toMatch(/^Started r-port \(id: \d+, pid: \d+\), ready\n$/);
    const r2 = await cli(home, ['run', '--name', 'r-http', '--port', 'auto', '--wait-http', 'http://127.0.0.1:${PORT}/', '--', process.execPath, SERVER]);
    expect(r2.stdout).toContain(', ready');
    const r3 = await cli(home, ['run', 'sleep 0.3; echo "server listening on 9999"; sleep 300', '--name', 'r-log', '--wait-log', 'listening on \\d+']);
    expect(r3.stdout).toContain(', ready');
    const r4 = await cli(home, ['run', 'touch ready.flag; sleep 300', '--name', 'r-exec', '--cwd', home, '--wait-exec', 'test -f ready.flag']);
    expect(r4.stdout).toContain(', ready');
    for (const n of ['r-port', 'r-http', 'r-log', 'r-exec']) expect((await status(n)).status).toBe('running');
    const evs = await cliJson<{ events: Array<{ oldState: string; newState: string; reason: string }> }>(home, ['events', 'r-log']);
    expect(evs.events.find((e) => e.newState === 'running')?.reason).toBe('ready');
  });

  it('a timeout says what did not happen and shows the last log lines; the process is stopped', async () => {
    const r = await cli(home, ['run', 'echo booting; echo "db unreachable" >&2; sleep 300', '--name', 'r-late', '--wait-port', '1', '--startup-timeout', '1s']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe('Error: process "r-late" is not ready: nothing listened on port 1 within 1s\nlast log lines:\n  [out] booting\n  [err] db unreachable\n');
    expect((await status('r-late')).status).toBe('stopped');
  });

  it('a process that dies while waiting is reported as crashed', async () => {
    const r = await cli(home, ['run', 'sleep 0.3; echo "bad config" >&2; exit 4', '--name', 'r-dies', '--wait-port', '1', '--startup-timeout', '10s']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('crashed immediately (exit code 4');
    expect(r.stderr).toContain('bad config');
  });

  it('rejects bad readiness values before anything starts', async () => {
    const cases: Array<[string[], string]> = [
      [['--wait-port', '99999'], '--wait-port'],
      [['--wait-http', 'ftp://x'], 'Error: --wait-http: expected an http:// or https:// URL like "http://127.0.0.1:8080/health", got "ftp://x"\n'],
      [['--wait-log', '(unclosed'], 'Error: --wait-log: expected a valid regular expression'],
      [['--startup-timeout', 'soon', '--wait-port', '80'], 'Error: parameter "startupTimeout": expected a duration like "5s", got "soon"\n'],
      [['--health-http', 'http://x', '--health-tcp', '80'], 'expected exactly one of --health-http URL, --health-tcp PORT or --health-exec CMD'],
      [['--max-memory', 'lots'], 'Error: parameter "maxMemory": expected a size like "500M", got "lots"\n'],
      [['--max-cpu', '250%x'], '--max-cpu'],
      [['--for', '10s'], 'Error: --for: only applies with --max-cpu, as in --max-cpu 90% --for 60s\n'],
    ];
    for (const [flags, message] of cases) {
      const r = await cli(home, ['run', 'sleep 300', '--name', 'never-started', ...flags]);
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.stderr, flags.join(' ')).toContain(message);
    }
    expect((await cli(home, ['status', 'never-started'])).code).toBe(1);
  });
});

describe('liveness and thresholds', () => {
  it('detects a SIGSTOPped server and restarts it', async () => {
    await cli(home, ['run', '--name', 'wedge', '--port', 'auto', '--wait-http', 'http://127.0.0.1:${PORT}/', '--health-http', 'http://127.0.0.1:${PORT}/',
      '--health-interval', '300ms', '--health-timeout', '200ms', '--health-retries', '2', '--', process.execPath, SERVER]);
    expect(await waitFor(async () => (await status('wedge')).health === 'healthy', 10_000, 100)).toBe(true);
    const pid = (await status('wedge')).pid!;
    process.kill(pid, 'SIGSTOP');
    expect(await waitFor(async () => { const s = await status('wedge'); return s.pid !== pid && s.health === 'healthy'; }, 20_000, 200)).toBe(true);
    const evs = (await cliJson<{ events: Array<{ kind: string; reason: string; actor: string }> }>(home, ['events', 'wedge', '--limit', '100'])).events;
    expect(evs.some((e) => e.kind === 'unhealthy' && e.reason.includes('stopped'))).toBe(true);
    expect(evs.some((e) => e.actor === 'health')).toBe(true);
  });

  it('restarts a process whose tree grows past --max-memory, recording why', async () => {
    await cli(home, ['run', '--name', 'hog', '--max-memory', '120M', '--', process.execPath, path.join(FIXTURES, 'health/alloc.mjs'), '8', '100', '1500', '--in-child']);
    const first = (await status('hog')).pid;
    expect(await waitFor(async () => (await status('hog')).pid !== first, 30_000, 250)).toBe(true);
    const evs = (await cliJson<{ events: Array<{ kind: string; reason: string }> }>(home, ['events', 'hog', '--limit', '100'])).events;
    const why = evs.find((e) => e.kind === 'threshold');
    expect(why?.reason).toMatch(/^memory \d+ MB > 120 MB$/);
    await cli(home, ['stop', 'hog']);
  });
});

describe('notifications', () => {
  let smtp: SmtpSink;
  beforeAll(async () => { smtp = await startSmtp(); });
  afterAll(async () => { await smtp.close(); });

  it('posts signed webhooks and sends email on a crash; reports a receiver that is down', async () => {
    const hook = await receiver();
    try {
      expect((await cli(home, ['notify', 'add-webhook', `http://127.0.0.1:${hook.port}/hook`, '--secret', 's3cret'])).code).toBe(0);
      await cli(home, ['notify', 'add-email', '--host', '127.0.0.1', '--port', String(smtp.port), '--from', 'sentinel@example.test', '--to', 'ops@example.test']);
      const list = await cli(home, ['notify', 'list']);
      expect(list.stdout).toContain(`1  webhook  http://127.0.0.1:${hook.port}/hook  (signed)`);
      expect(list.stdout).not.toContain('s3cret');
      await cli(home, ['run', 'sleep 0.5; exit 9', '--name', 'doomed', '--wait', '0']);
      expect(await waitFor(() => hook.got.length >= 1 && smtp.mails.length >= 1, 15_000, 100)).toBe(true);
      const body = JSON.parse(hook.got[0].body);
      expect(body).toMatchObject({ event: 'crash', process: 'doomed', exitCode: 9 });
      expect(hook.got[0].signature).toBe(`sha256=${createHmac('sha256', 's3cret').update(hook.got[0].body).digest('hex')}`);
      expect(smtp.mails[0].raw).toContain('doomed');
      const test = await cli(home, ['notify', 'test']);
      expect(test.stdout).toContain(`Delivered  webhook http://127.0.0.1:${hook.port}/hook`);
    } finally {
      hook.close();
    }
    // the receiver is gone now: the test message fails after its retries, clearly, without hanging
    await cli(home, ['notify', 'remove', '2']);
    const down = await cli(home, ['notify', 'test']);
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/FAILED {2}webhook http:\/\/127\.0\.0\.1:\d+\/hook after 4 attempts/);
  });
});
