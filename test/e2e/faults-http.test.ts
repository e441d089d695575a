// Malformed requests on the real socket (raw node:net writes): each gets a 4xx JSON error, nothing is
// created or started, the daemon's memory comes back near its baseline, and a slow client is cut off.
import net from 'node:net';
import path from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, cli, cliJson, readPid, tempHome, waitFor } from '../helpers.js';

let home: string;
let sock: string;
let daemonPid: number;
const TIMEOUTS = { SENTINEL_HEADERS_TIMEOUT: '1500', SENTINEL_BODY_TIMEOUT: '3000' };

beforeAll(async () => {
  home = tempHome('snfh-');
  sock = path.join(home, 'sentinel.sock');
  const r = await cli(home, ['daemon', 'start'], { env: TIMEOUTS });
  expect(r.code).toBe(0);
  daemonPid = readPid(path.join(home, 'daemon.pid'))!;
});
afterAll(async () => { await cleanupHome(home); });

interface Answer { status: number; body: string; raw: string }

/** Writes `payload` (one write or several chunks) and reads until the daemon closes or answers in full. */
function send(payload: string | Buffer | Array<string | Buffer>, opts: { gapMs?: number } = {}): Promise<Answer> {
  return new Promise((resolve) => {
    const s = net.createConnection(sock);
    const chunks: Buffer[] = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      s.destroy();
      const raw = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
      resolve({ status, body: raw.slice(raw.indexOf('\r\n\r\n') + 4), raw });
    };
    s.on('data', (d) => {
      chunks.push(d);
      // an answer with content-length is complete once that many body bytes are here
      const text = Buffer.concat(chunks).toString('utf8');
      const head = text.indexOf('\r\n\r\n');
      const len = /content-length: (\d+)/i.exec(text.slice(0, head))?.[1];
      if (head >= 0 && len !== undefined && Buffer.byteLength(text.slice(head + 4)) >= Number(len)) finish();
    });
    s.on('close', finish);
    s.on('error', () => undefined);
    const parts = Array.isArray(payload) ? payload : [payload];
    let i = 0;
    const next = () => {
      if (done || i >= parts.length) return;
      s.write(parts[i++]);
      setTimeout(next, opts.gapMs ?? 0);
    };
    next();
  });
}

function request(method: string, target: string, body?: string, headers: Record<string, string> = {}): string {
  const h = { host: 'sentinel', connection: 'close', ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}), ...headers };
  return `${method} ${target} HTTP/1.1\r\n${Object.entries(h).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body ?? ''}`;
}

function expect4xxJson(a: Answer, what: string): void {
  expect(a.status, `${what}: ${a.raw.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(a.status, `${what}: ${a.raw.slice(0, 300)}`).toBeLessThan(500);
  const parsed = JSON.parse(a.body) as { error: { code: string; message: string } };
  expect(typeof parsed.error.code, what).toBe('string');
  expect(parsed.error.message.length, what).toBeGreaterThan(0);
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

const nested = (open: string, close: string, depth: number, leaf = '1') => open.repeat(depth) + leaf + close.repeat(depth);

const BAD_PATHS = [
  '/v1/processes/%E0%A4%A', '/v1/processes/%/logs', '////', '//', '/v1//processes', '/v1/processes/%', '/v1/processes/%zz',
  '/v1/processes/%E0%A4%A/start', '/v1/ops/%E0', '/v1/ops/%', '/v1/ops/constructor', '/v1/ops/__proto__', '/v1/nope', '/v2/processes',
  '/v1/processes/a%00b', '/v1/events?limit=%', '/v1/events?limit=-5', '/v1/events?limit=abc', '/v1/events?limit=1.5', '/v1/events?limit=1e3',
  '/v1/events?limit=', '/v1/events?follow=maybe', '/v1/events?bogus=1', '/v1/processes/x/logs?lines=-1', '/v1/processes/x/logs?lines=3x',
  '/v1/processes/x/logs?stream=nope', '/v1/daemon/logs?lines=0', '/v1/processes?' + 'a=1&'.repeat(500), '/' + 'x'.repeat(4000), '/v1/processes/' + '%41'.repeat(300),
  '*', 'http://sentinel/v1/processes', 'sentinel', '/v1/processes/..%2F..%2Fetc', '/v1/processes/%C0%AF', '/v1/ports/abc', '/v1/notifications/-1',
];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

const BAD_RUN_BODIES: Array<[string, string]> = [
  ['env key with =', JSON.stringify({ command: 'sleep 300', name: 'f-eq', env: { 'A=B': 'c' } })],
  ['env key empty', JSON.stringify({ command: 'sleep 300', name: 'f-empty', env: { '': 'c' } })],
  ['env key with space', JSON.stringify({ command: 'sleep 300', name: 'f-sp', env: { 'A B': 'c' } })],
  ['env key starting with a digit', JSON.stringify({ command: 'sleep 300', name: 'f-dig', env: { '1A': 'c' } })],
  ['env key with NUL', JSON.stringify({ command: 'sleep 300', name: 'f-nulk', env: { 'A\u0000B': 'c' } })],
  ['env value with NUL', JSON.stringify({ command: 'sleep 300', name: 'f-nulv', env: { A: 'b\u0000c' } })],
  ['env value not a string', JSON.stringify({ command: 'sleep 300', name: 'f-num', env: { A: 1 } })],
  ['env a list', JSON.stringify({ command: 'sleep 300', name: 'f-list', env: ['A=B'] })],
  ['env var over 128 KiB', JSON.stringify({ command: 'sleep 300', name: 'f-long', env: { A: 'x'.repeat(140_000) } })],
  ['environment over ARG_MAX', JSON.stringify({ command: 'sleep 300', name: 'f-e2big', envVars: Array.from({ length: 30 }, (_, i) => `V${i}=${'x'.repeat(100_000)}`) })],
  ['command with NUL', JSON.stringify({ command: 'sleep\u0000 300', name: 'f-nulc' })],
  ['args with NUL', JSON.stringify({ command: 'sleep', args: ['3\u00000'], name: 'f-nula' })],
  ['cwd empty', JSON.stringify({ command: 'sleep 300', name: 'f-cwd', cwd: '' })],
  ['stopSignal empty', JSON.stringify({ command: 'sleep 300', name: 'f-sig', stopSignal: '' })],
  ['logKeep null', JSON.stringify({ command: 'sleep 300', name: 'f-keep', logKeep: null })],
  ['logKeep text', JSON.stringify({ command: 'sleep 300', name: 'f-keep2', logKeep: 'abc' })],
  ['logKeep fraction', JSON.stringify({ command: 'sleep 300', name: 'f-keep3', logKeep: 1.5 })],
  ['port empty', JSON.stringify({ command: 'sleep 300', name: 'f-port', port: '' })],
  ['instances empty', JSON.stringify({ command: 'sleep 300', name: 'f-inst', instances: '' })],
  ['SENTINEL_ in envVars', JSON.stringify({ command: 'sleep 300', name: 'f-own', envVars: ['SENTINEL_SECRET_KEY=x'] })],
  ['10,000-deep env', `{"command":"sleep 300","name":"f-deep","env":${nested('{"a":', '}', 10_000)}}`],
  ['10,000-deep args', `{"command":"sleep 300","name":"f-deep2","args":${nested('[', ']', 10_000)}}`],
  ['100,000-deep env', `{"command":"sleep 300","name":"f-deep3","env":${nested('[', ']', 100_000)}}`],
  ['unknown key', JSON.stringify({ command: 'sleep 300', name: 'f-unk', bogus: true })],
  ['not JSON', '{"command": "sleep 300",'],
  ['a JSON list', '[{"command": "sleep 300"}]'],
  ['a JSON string', '"sleep 300"'],
  ['null', 'null'],
  ['invalid UTF-8', '{"command":"sleep 300","name":"f-\xff\xfe"}'],
  ['lone surrogate', '{"command":"sleep 300","name":"f-\\ud800"}'],
];

const RAW_GARBAGE = [
  '\x00\x01\x02 this is not HTTP\r\n\r\n',
  'GET\r\n\r\n',
  'GET / HTTP/9.9\r\n\r\n',
  'GET /v1/processes HTTP/1.1\r\nhost: x\r\ncontent-length: -1\r\n\r\n',
  'POST /v1/processes HTTP/1.1\r\nhost: x\r\ncontent-length: abc\r\n\r\n',
  'POST /v1/processes HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello',
  'POST /v1/processes HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n',
  'GET /v1/processes HTTP/1.1\r\nbad header line\r\n\r\n',
  `GET /v1/processes HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(100_000)}\r\n\r\n`,
  'CONNECT sentinel:80 HTTP/1.1\r\nhost: sentinel:80\r\n\r\n',
  'GET /v1/processes HTTP/1.1\r\nhost: x\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n',
  'GET /v1/proc\u00e9sses HTTP/1.1\r\nhost: x\r\n\r\n',
];

describe('malformed requests on the socket', () => {
  it('each of a few hundred gets a 4xx JSON error, and nothing is created or started', async () => {
    const cases: Array<[string, string | Buffer]> = [];
    for (const p of BAD_PATHS) for (const m of METHODS) cases.push([`${m} ${p.slice(0, 60)}`, request(m, p, m === 'GET' || m === 'OPTIONS' ? undefined : '{}')]);
    for (const [what, body] of BAD_RUN_BODIES) {
      cases.push([`POST /v1/processes: ${what}`, Buffer.from(request('POST', '/v1/processes', body), what === 'invalid UTF-8' ? 'latin1' : 'utf8')]);
      cases.push([`POST /v1/ops/run: ${what}`, Buffer.from(request('POST', '/v1/ops/run', body), what === 'invalid UTF-8' ? 'latin1' : 'utf8')]);
    }
    for (const op of ['up', 'schedule.add', 'group.create', 'port.allocate', 'secret.set', 'notify.add-webhook']) {
      cases.push([`${op}: env key with =`, request('POST', `/v1/ops/${op}`, JSON.stringify({ env: { 'A=B': 'c' } }))]);
      cases.push([`${op}: deep`, request('POST', `/v1/ops/${op}`, `{"x":${nested('[', ']', 10_000)}}`)]);
    }
    for (const raw of RAW_GARBAGE) cases.push([`raw ${JSON.stringify(raw.slice(0, 40))}`, raw]);
    expect(cases.length).toBeGreaterThan(250);

    const baseline = rssBytes(daemonPid);
    // a few at a time: a shared slow machine
    for (let i = 0; i < cases.length; i += 8) {
      const batch = cases.slice(i, i + 8);
      const answers = await Promise.all(batch.map(([, payload]) => send(payload)));
      answers.forEach((a, j) => expect4xxJson(a, batch[j][0]));
    }

    const list = await cliJson<{ processes: unknown[] }>(home, ['list']);
    expect(list.processes).toEqual([]);
    expect((await cliJson<{ ports: unknown[] }>(home, ['port', 'list'])).ports).toEqual([]);
    expect((await cliJson<{ groups: unknown[] }>(home, ['group', 'list'])).groups).toEqual([]);
    expect((await cliJson<{ schedules: unknown[] }>(home, ['schedule', 'list'])).schedules).toEqual([]);
    // the daemon's memory returns near where it was
    expect(await waitFor(() => rssBytes(daemonPid) < baseline + 64 * 1024 * 1024, 30_000, 250)).toBe(true);
  }, 300_000);

  it('a 20 MB body is answered 413 (not a reset socket), and memory returns near its baseline', async () => {
    const baseline = rssBytes(daemonPid);
    const body = '{"command":"sleep 300","name":"huge","env":{"A":"' + 'x'.repeat(20 * 1024 * 1024) + '"}}';
    const a = await send(request('POST', '/v1/processes', body));
    expect4xxJson(a, '20 MB body');
    expect(a.status).toBe(413);
    expect(JSON.parse(a.body).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect((await cliJson<{ processes: unknown[] }>(home, ['list'])).processes).toEqual([]);
    expect(await waitFor(() => rssBytes(daemonPid) < baseline + 64 * 1024 * 1024, 30_000, 250)).toBe(true);
  }, 120_000);

  it('CONNECT is answered, not dropped', async () => {
    const a = await send('CONNECT example.com:443 HTTP/1.1\r\nhost: example.com:443\r\n\r\n');
    expect(a.status).toBe(405);
    expect(JSON.parse(a.body).error.message).toBe('CONNECT not supported; send GET, POST, PUT or DELETE to a /v1 route');
  });

  it('GET /v1/events?limit=-5, abc, 1.5 are 422', async () => {
    for (const v of ['-5', 'abc', '1.5']) {
      const a = await send(request('GET', `/v1/events?limit=${v}`));
      expect(a.status).toBe(422);
      expect(JSON.parse(a.body).error.message).toBe(`parameter "limit": expected a whole number from 0 to 100000, e.g. 50, got ${v === '-5' ? '-5' : JSON.stringify(v)}`);
    }
  });

  it('an env key that is not a name is refused at the door', async () => {
    const a = await send(request('POST', '/v1/processes', JSON.stringify({ command: 'sleep 300', name: 'eqkey', env: { 'A=B': 'c' } })));
    expect(a.status).toBe(422);
    expect(JSON.parse(a.body).error.message).toBe('parameter "env.A=B": expected a variable name made of letters, digits and "_", not starting with a digit (e.g. NODE_ENV), got "A=B"');
    expect((await cliJson<{ processes: unknown[] }>(home, ['list'])).processes).toEqual([]);
  });

  it('a slow client is cut off with 408: headers one byte at a time', async () => {
    const text = request('GET', '/v1/processes');
    const bytes = [...text];
    const a = await send(bytes, { gapMs: 500 });
    expect(a.status).toBe(408);
    expect(JSON.parse(a.body).error.code).toBe('TIMEOUT');
  }, 120_000);

  it('a slow client is cut off with 408: a body one byte at a time', async () => {
    const body = JSON.stringify({ command: 'sleep 300', name: 'slowpoke' });
    const head = request('POST', '/v1/processes', body).slice(0, -body.length);
    const a = await send([head, ...body], { gapMs: 500 });
    expect(a.status).toBe(408);
    expect(JSON.parse(a.body).error.code).toBe('TIMEOUT');
    expect((await cliJson<{ processes: unknown[] }>(home, ['list'])).processes).toEqual([]);
  }, 120_000);
});

describe('timeouts leave follow streams alone', () => {
  it('a logs follow stream still delivers after the body timeout has passed', async () => {
    // prints "go" once a file appears, so the line is written only after the wait below
    const flag = path.join(home, 'go');
    const r = await cli(home, ['run', '--name', 'late', '--', 'sh', '-c', `while [ ! -e ${flag} ]; do sleep 0.2; done; echo go-late; sleep 300`]);
    expect(r.code).toBe(0);
    const s = net.createConnection(sock);
    let text = '';
    s.on('data', (d) => (text += d));
    s.on('error', () => undefined);
    s.write(request('GET', '/v1/processes/late/logs?follow=true&lines=0', undefined, { connection: 'keep-alive' }));
    expect(await waitFor(() => text.startsWith('HTTP/1.1 200'), 10_000)).toBe(true);
    // well past SENTINEL_BODY_TIMEOUT (3 s) and the 1 s check interval
    await new Promise((res) => setTimeout(res, 6000));
    expect(s.destroyed).toBe(false);
    writeFileSync(flag, '');
    expect(await waitFor(() => text.includes('go-late'), 15_000), text.slice(0, 2000)).toBe(true);
    s.destroy();
  }, 60_000);
});
