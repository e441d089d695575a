import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { waitReady, validateReadiness, hasReadiness, formatWait } from '../../src/health/readiness.js';
import { SentinelError } from '../../src/core/errors.js';
import { killFixtures, startFixture, startServer } from './fixture.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-ready-'));
const logFiles = { stdout: path.join(tmp, 'out.log'), stderr: path.join(tmp, 'err.log') };
const alive = { isAlive: () => true, logFiles };
const spawned: number[] = [];
afterAll(async () => {
  await killFixtures();
  for (const pid of spawned) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

async function rejection(p: Promise<unknown>): Promise<SentinelError> {
  try {
    await p;
  } catch (err) {
    return err as SentinelError;
  }
  throw new Error('expected a rejection');
}

describe('waitReady', () => {
  it('waits for a port that starts listening late', async () => {
    const port = await freePort();
    startFixture('http-server.mjs', [String(port), '--listen-after', '500']);
    const r = await waitReady({ port }, { ...alive, timeoutMs: 15_000, pollMs: 50 });
    expect(r.details).toEqual([`port ${port}: 127.0.0.1:${port}: connected`]);
    expect(r.elapsedMs).toBeGreaterThanOrEqual(300);
  });

  it('says what did not happen when the port never opens', async () => {
    const port = await freePort();
    const err = await rejection(waitReady({ port }, { ...alive, timeoutMs: 600, pollMs: 50 }));
    expect(err.code).toBe('STARTUP_TIMEOUT');
    expect(err.message).toBe(`nothing listened on port ${port} within 600ms`);
  });

  it('waits for an HTTP status and reports the last attempt on timeout', async () => {
    const ok = await startServer('http-server.mjs');
    const r = await waitReady({ http: { url: `http://127.0.0.1:${ok.port}/` } }, { ...alive, timeoutMs: 5000 });
    expect(r.details).toEqual([`GET http://127.0.0.1:${ok.port}/: HTTP 200`]);

    const bad = await startServer('http-server.mjs', ['0', '--status', '503']);
    const url = `http://127.0.0.1:${bad.port}/health`;
    const err = await rejection(waitReady({ http: { url, expectStatus: [200, 200] } }, { ...alive, timeoutMs: 1200, pollMs: 100 }));
    expect(err.code).toBe('STARTUP_TIMEOUT');
    expect(err.message).toBe(`GET ${url} did not answer with status 200 within 1.2s (last attempt: HTTP 503 (expected 200))`);
  });

  it('waits for a log line from the real process, ignoring earlier runs', async () => {
    fs.writeFileSync(logFiles.stdout, 'ready (from the previous run)\n');
    fs.writeFileSync(logFiles.stderr, '');
    const offsets = { stdout: fs.statSync(logFiles.stdout).size, stderr: 0 };
    const out = fs.openSync(logFiles.stdout, 'a');
    const errFd = fs.openSync(logFiles.stderr, 'a');
    const child = spawn('/bin/sh', ['-c', 'echo booting; sleep 0.4; echo "db: accepting connections" >&2; sleep 30'], { stdio: ['ignore', out, errFd] });
    spawned.push(child.pid!);
    fs.closeSync(out);
    fs.closeSync(errFd);
    const r = await waitReady({ log: 'accepting conn\\w+' }, { isAlive: () => child.exitCode === null, logFiles, logOffsets: offsets, timeoutMs: 10_000, pollMs: 50 });
    expect(r.details).toEqual(['a log line matching /accepting conn\\w+/: log line "db: accepting connections"']);
    child.kill('SIGKILL');
  });

  it('times out on a log line that never comes', async () => {
    const err = await rejection(waitReady({ log: 'never' }, { ...alive, timeoutMs: 300, pollMs: 50 }));
    expect(err.message).toBe('no line of stdout or stderr matched /never/ within 300ms');
  });

  it('waits for a command to exit 0', async () => {
    const marker = path.join(tmp, 'marker');
    setTimeout(() => fs.writeFileSync(marker, ''), 300);
    const r = await waitReady({ exec: `test -f ${marker}` }, { ...alive, timeoutMs: 10_000, pollMs: 50 });
    expect(r.details).toEqual([`command "test -f ${marker}" to succeed: exit 0`]);
    const err = await rejection(waitReady({ exec: 'echo "not yet" >&2; exit 1' }, { ...alive, timeoutMs: 400, pollMs: 50 }));
    expect(err.message).toBe('readiness command "echo "not yet" >&2; exit 1" did not exit 0 within 400ms (last attempt: exit 1: not yet)');
  });

  it('names every condition still missing', async () => {
    const port = await freePort();
    const err = await rejection(waitReady({ port, log: 'up' }, { ...alive, timeoutMs: 300, pollMs: 50 }));
    expect(err.message).toBe(`nothing listened on port ${port} within 300ms; no line of stdout or stderr matched /up/ within 300ms`);
  });

  it('fails fast when the process dies while waiting', async () => {
    const port = await freePort();
    const child = spawn('/bin/sh', ['-c', 'sleep 0.2; exit 1'], { stdio: 'ignore' });
    const err = await rejection(waitReady({ port }, { ...alive, isAlive: () => child.exitCode === null, timeoutMs: 30_000, pollMs: 50 }));
    expect(err.code).toBe('CRASHED_IMMEDIATELY');
    expect(err.message).toMatch(new RegExp(`^the process exited after \\d+(ms|\\.\\ds|s) while waiting for port ${port}; see its last log lines$`));
  });

  it('reports progress about once a second', async () => {
    const port = await freePort();
    const calls: [string, number, number][] = [];
    await rejection(waitReady({ port }, { ...alive, timeoutMs: 2600, pollMs: 100, onProgress: (m, e, t) => calls.push([m, e, t]) }));
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls.length).toBeLessThanOrEqual(3);
    expect(calls[0][0]).toBe(`waiting for port ${port}`);
    expect(calls[0][1]).toBeGreaterThanOrEqual(1000);
    expect(calls[0][2]).toBe(2600);
  });

  it('stops when aborted and resolves at once with no conditions', async () => {
    const port = await freePort();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const err = await rejection(waitReady({ port }, { ...alive, timeoutMs: 30_000, pollMs: 50, signal: ac.signal }));
    expect(err.code).toBe('NOT_READY');
    expect(err.message).toBe(`stopped waiting for port ${port}: the wait was cancelled`);
    expect(await waitReady({}, { ...alive, timeoutMs: 1000 })).toMatchObject({ details: [] });
  });
});

describe('validateReadiness', () => {
  it('normalizes valid input', () => {
    const spec = validateReadiness({ port: '8080', http: 'http://127.0.0.1:8080/health', expectStatus: '200-299', log: 'ready', exec: 'true' });
    expect(spec).toEqual({ port: 8080, http: { url: 'http://127.0.0.1:8080/health', expectStatus: [200, 299] }, log: 'ready', exec: 'true' });
    expect(hasReadiness(spec)).toBe(true);
    expect(hasReadiness(validateReadiness({}))).toBe(false);
  });

  it.each([
    [{ port: '80800' }, '--wait-port: expected a port number from 1 to 65535, like 8080, got "80800"'],
    [{ http: 'localhost:8080' }, '--wait-http: expected an http:// or https:// URL like "http://127.0.0.1:8080/health", got "localhost:8080"'],
    [{ http: 'http://x/', expectStatus: '2xx' }, '--expect-status: expected an HTTP status like 200 or a range like "200-299", got "2xx"'],
    [{ expectStatus: 200 }, '--expect-status: only applies with --wait-http, as in --wait-http http://127.0.0.1:8080/health --expect-status 200'],
    [{ log: 'ready(' }, '--wait-log: expected a valid regular expression like "listening on port \\d+" (/ready(/: Unterminated group), got "ready("'],
    [{ exec: '  ' }, '--wait-exec: expected a shell command like "pg_isready -h 127.0.0.1", got "  "'],
  ])('rejects %j', (raw, message) => {
    expect(() => validateReadiness(raw as Record<string, unknown>)).toThrow(message);
    try {
      validateReadiness(raw as Record<string, unknown>);
    } catch (err) {
      expect((err as SentinelError).code).toBe('INVALID_ARGUMENT');
      expect((err as SentinelError).message).toBe(message);
    }
  });

  it('formats waits short', () => {
    expect([formatWait(400), formatWait(1200), formatWait(30_000), formatWait(125_000)]).toEqual(['400ms', '1.2s', '30s', '2m 5s']);
  });
});
