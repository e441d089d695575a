import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { probeExec, probeHttp, probeTcp, createLogTail, waitForLogLine } from '../../src/health/probes.js';
import { killFixtures, startServer } from './fixture.js';
import { closedPort } from '../helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-probes-'));
afterAll(async () => {
  await killFixtures();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function isGone(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true;
  }
}

describe('probeTcp', () => {
  it('connects to a listening port', async () => {
    const srv = await startServer('tcp-echo.mjs');
    const r = await probeTcp({ port: srv.port }, { timeoutMs: 2000 });
    expect(r).toMatchObject({ ok: true, detail: `127.0.0.1:${srv.port}: connected` });
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('reports a refused connection', async () => {
    const port = await closedPort();
    const r = await probeTcp({ port }, { timeoutMs: 2000 });
    expect(r).toMatchObject({ ok: false, detail: `127.0.0.1:${port}: connection refused` });
  });

  it('with send, needs a reply', async () => {
    const srv = await startServer('tcp-echo.mjs');
    const r = await probeTcp({ port: srv.port, send: 'ping\n' }, { timeoutMs: 2000 });
    expect(r).toMatchObject({ ok: true, detail: `127.0.0.1:${srv.port}: replied` });
  });

  it('honours an already-aborted signal', async () => {
    const srv = await startServer('tcp-echo.mjs');
    const r = await probeTcp({ port: srv.port }, { timeoutMs: 2000, signal: AbortSignal.abort() });
    expect(r).toMatchObject({ ok: false, detail: 'aborted' });
  });
});

describe('probeHttp', () => {
  it('accepts 2xx/3xx by default', async () => {
    const srv = await startServer('http-server.mjs');
    const r = await probeHttp({ url: `http://127.0.0.1:${srv.port}/health` }, { timeoutMs: 2000 });
    expect(r).toMatchObject({ ok: true, detail: 'HTTP 200' });
  });

  it('rejects a status outside the expected range and accepts an explicit one', async () => {
    const srv = await startServer('http-server.mjs', ['0', '--status', '503']);
    const url = `http://127.0.0.1:${srv.port}/`;
    expect(await probeHttp({ url }, { timeoutMs: 2000 })).toMatchObject({ ok: false, detail: 'HTTP 503 (expected 200-399)' });
    expect(await probeHttp({ url, expectStatus: [503, 503] }, { timeoutMs: 2000 })).toMatchObject({ ok: true, detail: 'HTTP 503' });
    expect(await probeHttp({ url: `${url}missing`, expectStatus: [200, 200] }, { timeoutMs: 2000 })).toMatchObject({
      ok: false,
      detail: 'HTTP 404 (expected 200)',
    });
  });

  it('times out on a server that stopped answering', async () => {
    const srv = await startServer('http-server.mjs');
    srv.child.kill('SIGUSR1');
    await srv.waitForLine(/^hanging$/);
    const r = await probeHttp({ url: `http://127.0.0.1:${srv.port}/` }, { timeoutMs: 300 });
    expect(r).toMatchObject({ ok: false, detail: 'no response within 300ms' });
    expect(r.durationMs).toBeGreaterThanOrEqual(290);
  });

  it('says when the server does not speak HTTP', async () => {
    const echo = await startServer('tcp-echo.mjs');
    const r = await probeHttp({ url: `http://127.0.0.1:${echo.port}/health?x=1` }, { timeoutMs: 2000 });
    expect(r).toMatchObject({ ok: false, detail: 'not an HTTP response: "GET /health?x=1 HTTP/1.1\\r\\nHost: 127.0.0."' });
  });

  it('reports a refused connection and stops on abort', async () => {
    const port = await closedPort();
    expect(await probeHttp({ url: `http://127.0.0.1:${port}/` }, { timeoutMs: 2000 })).toMatchObject({ ok: false, detail: 'connection refused' });
    const srv = await startServer('http-server.mjs');
    srv.child.kill('SIGUSR1');
    await srv.waitForLine(/^hanging$/);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    expect(await probeHttp({ url: `http://127.0.0.1:${srv.port}/` }, { timeoutMs: 10_000, signal: ac.signal })).toMatchObject({
      ok: false,
      detail: 'aborted',
    });
  });
});

describe('probeExec', () => {
  it('is ok on exit 0', async () => {
    expect(await probeExec({ command: 'true' }, { timeoutMs: 5000 })).toMatchObject({ ok: true, detail: 'exit 0' });
  });

  it('reports the exit code and the last stderr line', async () => {
    const r = await probeExec({ command: 'echo first >&2; echo "db not ready" >&2; exit 3' }, { timeoutMs: 5000 });
    expect(r).toMatchObject({ ok: false, detail: 'exit 3: db not ready' });
  });

  it('kills the whole process group at the timeout', async () => {
    const pidFile = path.join(tmp, 'bg.pid');
    const r = await probeExec({ command: `sleep 30 & echo $! > ${pidFile}; sleep 30` }, { timeoutMs: 400 });
    expect(r).toMatchObject({ ok: false, detail: 'did not finish within 400ms' });
    const bgPid = Number(fs.readFileSync(pidFile, 'utf8'));
    const deadline = Date.now() + 5000;
    while (!isGone(bgPid) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    expect(isGone(bgPid)).toBe(true);
  });

  it('stops on abort', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    expect(await probeExec({ command: 'sleep 30' }, { timeoutMs: 10_000, signal: ac.signal })).toMatchObject({ ok: false, detail: 'aborted' });
  });
});

describe('log tail', () => {
  it('reads only what was appended after the offset, line by line', () => {
    const file = path.join(tmp, 'a.log');
    fs.writeFileSync(file, 'old ready line\n');
    const tail = createLogTail(file, fs.statSync(file).size);
    expect(tail.readLines()).toEqual([]);
    fs.appendFileSync(file, 'one\ntw');
    expect(tail.readLines()).toEqual(['one']);
    expect(tail.pending()).toBe('tw');
    fs.appendFileSync(file, 'o\r\nthree\n');
    expect(tail.readLines()).toEqual(['two', 'three']);
    fs.writeFileSync(file, 'x\n'); // truncated: starts over
    expect(tail.readLines()).toEqual(['x']);
  });

  it('waits for a matching line in any file, skipping earlier output', async () => {
    const out = path.join(tmp, 'out.log');
    const err = path.join(tmp, 'err.log');
    fs.writeFileSync(out, 'server ready (previous run)\n');
    const waiting = waitForLogLine({
      files: [{ path: out, offset: fs.statSync(out).size }, { path: err }],
      regex: /ready/,
      timeoutMs: 10_000,
      pollMs: 20,
    });
    setTimeout(() => fs.appendFileSync(err, 'booting\nserver ready on 8080\n'), 100);
    expect(await waiting).toEqual({ path: err, line: 'server ready on 8080' });
  });

  it('returns null at the timeout', async () => {
    const out = path.join(tmp, 'never.log');
    expect(await waitForLogLine({ files: [{ path: out }], regex: /ready/, timeoutMs: 150, pollMs: 20 })).toBeNull();
  });
});
