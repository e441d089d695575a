// The API over TCP against a real daemon started with --listen: tokens (missing, wrong, expired to the
// second, revoked), tokens limited to 'web*', the event log's actor, streams read with fetch, secrets,
// bad paths and bodies, CORS closed by default, a failed-login limit, slow clients, 1000 random requests,
// and a daemon without --listen that opens no port and never loads fastify.
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/api/routes.js';
import { cleanupHome, cli, cliJson, readPid, tempHome, waitFor } from '../helpers.js';
import { listeningPorts, makeToken, request, rssOf, startListening, type Target } from './tcp-helpers.js';

const SECRET = 'sn-tcp-secret-7d2e1';
let home: string;
let target: Target;
let viewer: string;
let operator: string;
let admin: string;
let scoped: string;

interface View { name: string; pid: number | null; status: string }

beforeAll(async () => {
  home = tempHome('sn-tcp-');
  // the random requests below send many bad tokens: this daemon does not lock anyone out
  target = { url: await startListening(home, 'api:\n  authFailures: {max: 1000000, window: 1s}\n') };
  for (const name of ['web-1', 'web-2', 'db']) expect((await cli(home, ['run', 'sleep 300', '--name', name])).code).toBe(0);
  viewer = await makeToken(home, 'viewer', 'viewer');
  operator = await makeToken(home, 'operator', 'operator');
  admin = await makeToken(home, 'admin', 'admin');
  scoped = await makeToken(home, 'web-ops', 'operator', ['--processes', 'web*']);
});
afterAll(async () => { await cleanupHome(home); });

const status = async (ref: string) => (await cliJson<{ process: View }>(home, ['status', ref])).process;

describe('tokens', () => {
  it('answers 401 with what to do for no token, a malformed header and a wrong token', async () => {
    const none = await request(target, 'GET', '/v1/processes');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(none.json.error).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringContaining('Authorization: Bearer TOKEN') });
    const basic = await request(target, 'GET', '/v1/processes', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(basic.status).toBe(401);
    expect((basic.json.error as { message: string }).message).toContain('must be "Bearer TOKEN"');
    const wrong = await request(target, 'GET', '/v1/processes', { token: viewer.slice(0, -2) + 'xx' });
    expect(wrong.status).toBe(401);
    expect((wrong.json.error as { message: string }).message).toContain('sentinel token create');
    const ok = await request(target, 'GET', '/v1/processes', { token: viewer });
    expect(ok.status).toBe(200);
  });

  it('stops a token at its expiry, to the second', async () => {
    const made = await cliJson<{ value: string; token: { expiresAt: number; createdAt: number } }>(home, ['token', 'create', 'short', '--role', 'viewer', '--expires', '2s']);
    expect(made.token.expiresAt - made.token.createdAt).toBe(2000);
    expect((await request(target, 'GET', '/v1/auth/whoami', { token: made.value })).status).toBe(200);
    await waitFor(() => Date.now() >= made.token.expiresAt + 20, 5000);
    const late = await request(target, 'GET', '/v1/auth/whoami', { token: made.value });
    expect(late.status).toBe(401);
    expect((late.json.error as { message: string }).message).toMatch(/token "short" expired at .*create a new one|ask an admin for a new one/);
  });

  it('ends a follow stream when its token expires', async () => {
    const made = await cliJson<{ value: string; token: { expiresAt: number } }>(home, ['token', 'create', 'short-stream', '--role', 'viewer', '--expires', '2s']);
    const res = await fetch(`${target.url}/v1/events?follow=true&limit=0`, { headers: { authorization: `Bearer ${made.value}` } });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const ended = await Promise.race([
      (async () => { while (!(await reader.read()).done) { /* items */ } return true; })(),
      new Promise<boolean>((r) => setTimeout(() => r(false), 8000)),
    ]);
    expect(ended).toBe(true);
    expect(Date.now()).toBeGreaterThanOrEqual(made.token.expiresAt);
    await reader.cancel().catch(() => undefined);
  });

  it('stops a revoked token at once', async () => {
    const value = await makeToken(home, 'doomed', 'admin');
    expect((await request(target, 'GET', '/v1/tokens', { token: value })).status).toBe(200);
    expect((await cli(home, ['token', 'revoke', 'doomed'])).code).toBe(0);
    expect((await request(target, 'GET', '/v1/tokens', { token: value })).status).toBe(401);
  });

  it('says who the caller is: a token over TCP, the owner (admin) on the socket', async () => {
    const me = await request(target, 'GET', '/v1/auth/whoami', { token: scoped });
    expect(me.json).toEqual({ name: 'web-ops', role: 'operator', processes: 'web*', expiresAt: null });
    const owner = await new Promise<string>((resolve, reject) => {
      http.get({ socketPath: path.join(home, 'sentinel.sock'), path: '/v1/auth/whoami' }, (res) => {
        let t = '';
        res.on('data', (d) => (t += d));
        res.on('end', () => resolve(t));
      }).on('error', reject);
    });
    expect(JSON.parse(owner)).toEqual({ name: 'owner', role: 'admin', processes: null, expiresAt: null });
  });

  it('reports the listener in daemon.status', async () => {
    const st = await request(target, 'GET', '/v1/daemon', { token: viewer });
    expect(st.json.api).toEqual({ url: target.url, tls: false });
    expect(st.json.loaded).toContain('tcp');
    expect((await cli(home, ['daemon', 'status'])).stdout).toContain(`TCP API: ${target.url}`);
  });
});

describe('a token limited to web*', () => {
  it('sees only matching processes in lists, status counts, events and logs', async () => {
    const list = await request(target, 'GET', '/v1/processes', { token: scoped });
    expect((list.json.processes as View[]).map((p) => p.name).sort()).toEqual(['web-1', 'web-2']);
    const st = await request(target, 'GET', '/v1/daemon', { token: scoped });
    expect(st.json).toMatchObject({ processes: 2, running: 2 });
    const events = await request(target, 'GET', '/v1/events?limit=1000', { token: scoped });
    const names = new Set((events.json.events as Array<{ processName: string | null }>).map((e) => e.processName));
    expect([...names].sort()).toEqual(['web-1', 'web-2']);
    const logs = await request(target, 'GET', '/v1/logs?lines=1000', { token: scoped });
    expect(logs.status).toBe(200);
    expect((logs.json.lines as Array<{ name: string }>).every((l) => l.name.startsWith('web'))).toBe(true);
  });

  it('cannot see or stop db (404 as if it did not exist), by name or by id', async () => {
    const db = await status('db');
    for (const ref of ['db', String((await cliJson<{ process: { id: number } }>(home, ['status', 'db'])).process.id)]) {
      const stop = await request(target, 'POST', `/v1/processes/${ref}/stop`, { token: scoped, body: {} });
      expect(stop.status).toBe(404);
      expect(stop.json.error).toMatchObject({ code: 'PROCESS_NOT_FOUND', message: expect.stringContaining('web*') });
      expect((await request(target, 'GET', `/v1/processes/${ref}`, { token: scoped })).status).toBe(404);
      expect((await request(target, 'GET', `/v1/processes/${ref}/logs`, { token: scoped })).status).toBe(404);
    }
    expect((await request(target, 'GET', '/v1/events?name=db', { token: scoped })).status).toBe(404);
    expect(await status('db')).toMatchObject({ status: 'running', pid: db.pid });
  });

  it('stops what matches, and is refused what cannot be limited to processes (403)', async () => {
    const stop = await request(target, 'POST', '/v1/processes/web-2/stop', { token: scoped, body: {} });
    expect(stop.status, stop.text).toBe(200);
    expect((await status('web-2')).status).toBe('stopped');
    const db = await status('db');
    for (const [method, route] of [['POST', '/v1/stopall'], ['POST', '/v1/restartall'], ['GET', '/v1/groups'], ['GET', '/v1/daemon/logs'], ['GET', '/v1/schedules']] as const) {
      const a = await request(target, method, route, { token: scoped, body: method === 'POST' ? {} : undefined });
      expect(a.status, route).toBe(403);
      expect((a.json.error as { message: string }).message).toContain('limited to processes matching "web*"');
    }
    expect(await status('db')).toMatchObject({ status: 'running', pid: db.pid });
    expect((await request(target, 'POST', '/v1/processes/web-2/start', { token: scoped, body: {} })).status).toBe(200);
  });

  it('streams only matching events (NDJSON read with fetch and an Authorization header, as a browser page does)', async () => {
    const abort = new AbortController();
    const res = await fetch(`${target.url}/v1/events?follow=true&limit=0`, { headers: { authorization: `Bearer ${scoped}` }, signal: abort.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const reader = res.body!.getReader();
    // db changes first (through the socket), then web-1 (through the token): the stream must show only web-1
    expect((await cli(home, ['restart', 'db'])).code).toBe(0);
    expect((await request(target, 'POST', '/v1/processes/web-1/restart', { token: scoped, body: {} })).status).toBe(200);
    let text = '';
    const decoder = new TextDecoder();
    const timer = setTimeout(() => abort.abort(), 10_000);
    // until web-1 is running again (the restart answered after that, so its events are all written)
    while (!text.split('\n').some((l) => l.includes('"processName":"web-1"') && l.includes('"newState":"running"'))) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) break;
      text += decoder.decode(value);
    }
    clearTimeout(timer);
    abort.abort();
    const items = text.trim().split('\n').map((l) => JSON.parse(l) as { processName: string | null; actor: string | null });
    expect(items.some((e) => (e as { newState?: string }).newState === 'running')).toBe(true);
    expect(items.every((e) => e.processName === 'web-1')).toBe(true);
    expect(items.some((e) => e.actor === 'token:web-ops')).toBe(true);
  });
});

describe('what never leaves the daemon', () => {
  it('redacts secret values in answers over TCP', async () => {
    const set = await request(target, 'PUT', '/v1/secrets/TCP_SECRET', { token: admin, body: { value: SECRET } });
    expect(set.status, set.text).toBe(200);
    const run = await request(target, 'POST', '/v1/processes', { token: admin, body: { command: `echo ${SECRET}; sleep 300`, name: 'leaky', cwd: home } });
    expect(run.status, run.text).toBe(200);
    await waitFor(async () => (await request(target, 'GET', '/v1/processes/leaky/logs', { token: viewer })).text.includes('***') , 5000);
    for (const route of ['/v1/processes/leaky/logs', '/v1/logs', '/v1/processes/leaky', '/v1/secrets', '/v1/daemon/logs']) {
      const a = await request(target, 'GET', route, { token: admin });
      expect(a.status, route).toBe(200);
      expect(a.text, route).not.toContain(SECRET);
    }
    expect((await request(target, 'GET', '/v1/processes/leaky/logs', { token: viewer })).text).toContain('***');
  });

  it('never answers a token\'s value or hash in token.list', async () => {
    const a = await request(target, 'GET', '/v1/tokens', { token: admin });
    expect(a.status).toBe(200);
    for (const t of [viewer, operator, admin, scoped]) expect(a.text).not.toContain(t);
    expect(a.text).not.toMatch(/"hash"|[0-9a-f]{64}/);
  });
});

describe('bad requests', () => {
  it('refuses path traversal with 404 and serves no file', async () => {
    for (const route of ['/v1/../v1/processes', '/v1/%2e%2e/%2e%2e/etc/passwd', '/docs/../v1/tokens', '/../../etc/passwd', '/v1/processes/%2e%2e%2f%2e%2e%2fetc%2fpasswd', '/v1/processes/..%2f..%2fdb/stop']) {
      const a = await request(target, route.endsWith('/stop') ? 'POST' : 'GET', route, { token: admin, body: route.endsWith('/stop') ? {} : undefined });
      expect(a.status, `${route}: ${a.text}`).toBe(404);
      expect(a.text).not.toContain('root:');
    }
    expect((await status('db')).status).toBe('running');
  });

  it('answers an oversized body 413, bad JSON 400, deep nesting 400 and a NUL 400, running nothing', async () => {
    const big = await request(target, 'POST', '/v1/processes', { token: admin, raw: JSON.stringify({ command: 'sleep 1', name: 'big', env: { X: 'a'.repeat(5 * 1024 * 1024) } }), headers: { 'content-type': 'application/json' } });
    expect(big.status).toBe(413);
    expect(big.json.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    const bad = await request(target, 'POST', '/v1/processes', { token: admin, raw: '{"command": ', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect((bad.json.error as { message: string }).message).toContain('not valid JSON');
    const deep = await request(target, 'POST', '/v1/processes', { token: admin, raw: '['.repeat(5000) + ']'.repeat(5000), headers: { 'content-type': 'text/plain' } });
    expect(deep.status).toBe(400);
    const nul = await request(target, 'POST', '/v1/processes', { token: admin, body: { command: 'sleep 1\u0000', name: 'nul' } });
    expect(nul.status).toBe(400);
    const list = await request(target, 'GET', '/v1/processes', { token: admin });
    expect((list.json.processes as View[]).map((p) => p.name)).not.toEqual(expect.arrayContaining(['big']));
    expect((list.json.processes as View[]).some((p) => p.name === 'nul' || p.name === 'big')).toBe(false);
  });

  it('answers an unknown route 404 in JSON', async () => {
    const a = await request(target, 'GET', '/v2/nothing', { token: viewer });
    expect(a.status).toBe(404);
    expect(a.json.error).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
  });
});

describe('CORS', () => {
  it('sends no allow-origin header to a foreign origin when none is configured', async () => {
    const pre = await request(target, 'OPTIONS', '/v1/processes', { headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' } });
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    const get = await request(target, 'GET', '/v1/processes', { token: viewer, headers: { origin: 'http://evil.example' } });
    expect(get.status).toBe(200);
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('the reference', () => {
  it('serves /docs as one self-contained page and /v1/openapi.json to a token', async () => {
    const page = await request(target, 'GET', '/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.text).toContain('/v1/processes/{ref}/stop');
    expect(page.text).toContain('token.create');
    expect(page.text).not.toMatch(/<script|https?:\/\/(?!127\.0\.0\.1|localhost)/);
    expect((await request(target, 'GET', '/v1/openapi.json')).status).toBe(401);
    const doc = await request(target, 'GET', '/v1/openapi.json', { token: viewer });
    expect(doc.status).toBe(200);
    expect(doc.json.components).toMatchObject({ securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } });
  });
});

describe('robustness', () => {
  it('answers 1000 random requests without dying or growing', async () => {
    const pid = readPid(path.join(home, 'daemon.pid'))!;
    for (let i = 0; i < 50; i++) await request(target, 'GET', '/v1/processes', { token: viewer }); // warm up
    const baseline = rssOf(pid);
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pick = <T>(xs: readonly T[]) => xs[rnd(xs.length)];
    const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'];
    const pieces = ['v1', 'processes', 'db', '..', '%2e%2e', '%00', '%', 'ops', 'stop', 'tokens', 'events', 'logs', '%C3%A9', 'x'.repeat(3000), '', 'docs', 'openapi.json', 'daemon', '?follow=false', '?lines=-1', '%zz'];
    const bodies = [undefined, '', '{}', '{"ref":1}', '[]', 'null', '{"a":'.repeat(100), Buffer.from([0xff, 0xfe, 0x00, 0x41]), '{"name":"x","role":"admin"}', '{"command":"sleep 1"}', 'a'.repeat(10_000)];
    const auths = [undefined, `Bearer ${viewer}`, 'Bearer ', 'Bearer x y', 'bearer snt_nope', 'Basic Og==', `Bearer ${viewer}x`, 'x'.repeat(2000)];
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    let i = 0;
    const worker = async () => {
      while (i < 1000) {
        i++;
        // half the time a real route with a random value in its parameters, else random segments
        const route = rnd(2)
          ? pick(ROUTES).pattern.replace(/:[A-Za-z]+/g, () => pick(pieces) || 'x') + (rnd(3) === 0 ? pick(['?follow=false&limit=1', '?lines=abc', '?name=%00', '?__proto__=1']) : '')
          : '/' + Array.from({ length: 1 + rnd(5) }, () => pick(pieces)).join('/');
        const headers: Record<string, string> = {};
        const auth = pick(auths);
        if (auth) headers.authorization = auth;
        if (rnd(2)) headers['content-type'] = pick(['application/json', 'text/plain', 'multipart/form-data', 'application/x-www-form-urlencoded', '*/*']);
        if (rnd(4) === 0) headers.origin = 'http://evil.example';
        const body = pick(bodies);
        const a = await request(target, pick(methods), route, { raw: body, headers }).catch((err: Error) => ({ status: -1, text: err.message }));
        statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
        if (a.status === -1 || a.status >= 500) failures.push(`${a.status} ${route.slice(0, 80)}: ${a.text.slice(0, 200)}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(failures, JSON.stringify([...statuses])).toEqual([]);
    expect((await request(target, 'GET', '/v1/daemon', { token: viewer })).status).toBe(200);
    expect((await status('db')).status).toBe('running');
    const after = rssOf(pid);
    console.log(`daemon RSS before 1000 random requests ${(baseline / 2 ** 20).toFixed(1)} MiB, after ${(after / 2 ** 20).toFixed(1)} MiB; statuses ${JSON.stringify([...statuses].sort((a, b) => a[0] - b[0]))}`);
    expect(after).toBeLessThan(baseline * 1.5 + 16 * 2 ** 20);
  });
});

describe('a second daemon: failed-login limit, configured CORS, slow clients', () => {
  let home2: string;
  let t2: Target;
  let good: string;
  beforeAll(async () => {
    home2 = tempHome('sn-tcp2-');
    writeYaml(home2, 'api:\n  cors: ["http://dash.example:8080"]\n  authFailures: {max: 3, window: 3s}\n');
    const r = await cli(home2, ['daemon', 'start', '--listen', '127.0.0.1:0'], { env: { SENTINEL_HEADERS_TIMEOUT: '700' } });
    expect(r.code, r.stderr).toBe(0);
    t2 = { url: (await cliJson<{ api: { url: string } }>(home2, ['daemon', 'status'])).api.url };
    good = await makeToken(home2, 'good', 'viewer');
  });
  afterAll(async () => { await cleanupHome(home2); });

  it('answers 429 with Retry-After after 3 failed logins, even to a good token, until the window ends', async () => {
    for (let i = 0; i < 3; i++) expect((await request(t2, 'GET', '/v1/processes', { token: 'snt_wrong' })).status).toBe(401);
    const locked = await request(t2, 'GET', '/v1/processes', { token: good });
    expect(locked.status).toBe(429);
    const retry = Number(locked.headers['retry-after']);
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(3);
    expect(locked.json.error).toMatchObject({ code: 'TOO_MANY_REQUESTS', message: expect.stringContaining('too many failed logins') });
    await new Promise((r) => setTimeout(r, retry * 1000 + 100));
    expect((await request(t2, 'GET', '/v1/processes', { token: good })).status).toBe(200);
  });

  it('allows a configured origin and no other', async () => {
    const ok = await request(t2, 'OPTIONS', '/v1/processes', { headers: { origin: 'http://dash.example:8080', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    expect(ok.headers['access-control-allow-origin']).toBe('http://dash.example:8080');
    expect(String(ok.headers['access-control-allow-headers'])).toContain('authorization');
    const stream = await request(t2, 'GET', '/v1/events?limit=0&follow=false', { token: good, headers: { origin: 'http://dash.example:8080' } });
    expect(stream.headers['access-control-allow-origin']).toBe('http://dash.example:8080');
    const foreign = await request(t2, 'OPTIONS', '/v1/processes', { headers: { origin: 'http://evil.example', 'access-control-request-method': 'GET' } });
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers 408 to a client that sends its headers too slowly (SENTINEL_HEADERS_TIMEOUT)', async () => {
    const u = new URL(t2.url);
    const answer = await new Promise<string>((resolve) => {
      const s = net.connect(Number(u.port), u.hostname, () => s.write('GET /v1/processes HTTP/1.1\r\nHost: x\r\n'));
      let t = '';
      s.on('data', (d) => (t += d));
      s.on('close', () => resolve(t));
      s.on('error', () => resolve(t));
      setTimeout(() => s.destroy(), 5000);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });
});

describe('a daemon without --listen', () => {
  it('opens no TCP port and never loads the TCP face; RSS with and without the listener', async () => {
    const plain = tempHome('sn-tcp0-');
    try {
      expect((await cli(plain, ['run', 'sleep 300', '--name', 'only'])).code).toBe(0);
      const st = await cliJson<{ pid: number; api: unknown; loaded: string[] }>(plain, ['daemon', 'status']);
      expect(st.api).toBeNull();
      expect(st.loaded).toEqual([]);
      expect(listeningPorts(st.pid)).toEqual([]);
      // the other daemon, with the listener, does listen (so the check above can fail)
      const withPid = readPid(path.join(home, 'daemon.pid'))!;
      expect(listeningPorts(withPid)).toContain(Number(new URL(target.url).port));
      await new Promise((r) => setTimeout(r, 1000));
      console.log(`daemon RSS without the TCP listener ${(rssOf(st.pid) / 2 ** 20).toFixed(1)} MiB, with it (after the tests) ${(rssOf(withPid) / 2 ** 20).toFixed(1)} MiB`);
    } finally {
      await cleanupHome(plain);
    }
  });
});

function writeYaml(dir: string, text: string): void {
  writeFileSync(path.join(dir, 'sentinel.yaml'), text);
}
