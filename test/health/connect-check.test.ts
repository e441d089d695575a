// The connect-only TCP check, on both of its paths: the bare TCP handle (IP addresses) and
// net.Socket (host names, or when the handle is unavailable). Real servers, real sockets.
import { afterAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { createConnectCheck, type ConnectCheck } from '../../src/health/probe-net.js';
import { bareConnectFamily } from '../../src/health/bare-connect.js';
import { createLivenessChecker } from '../../src/health/liveness.js';
import { killFixtures, startServer } from './fixture.js';
import { closedPort, openFds, waitFor } from '../helpers.js';

afterAll(() => killFixtures());

interface Outcome {
  ok: boolean;
  detail: string;
  durationMs: number;
}

const once = (check: ConnectCheck, timeoutMs: number): Promise<Outcome> =>
  new Promise((resolve) => check.run(timeoutMs, (ok, detail, durationMs) => resolve({ ok, detail, durationMs })));

/** A server that records, per accepted connection, the bytes it received and how it ended. */
async function recordingServer(host = '127.0.0.1'): Promise<{ port: number; ends: { bytes: number; how: string }[]; close(): Promise<void> }> {
  const ends: { bytes: number; how: string }[] = [];
  const srv = net.createServer((s) => {
    let bytes = 0;
    s.on('data', (d) => (bytes += d.length));
    s.on('end', () => ends.push({ bytes, how: 'end' }));
    s.on('error', (err: NodeJS.ErrnoException) => ends.push({ bytes, how: err.code ?? 'error' }));
  });
  await new Promise<void>((r) => srv.listen(0, host, r));
  return { port: (srv.address() as net.AddressInfo).port, ends, close: () => new Promise((r) => srv.close(() => r())) };
}

/**
 * A server whose handshakes never complete: the process is stopped and its accept queue (backlog 1)
 * is filled, so the kernel drops further SYNs. `resume()` lets it accept again.
 */
async function unansweringServer(): Promise<{ port: number; resume(): void }> {
  const srv = await startServer('http-server.mjs', ['--backlog', '1']);
  process.kill(srv.pid, 'SIGSTOP');
  const held: net.Socket[] = [];
  for (let i = 0; i < 8; i++) {
    const s = net.connect({ host: '127.0.0.1', port: srv.port });
    s.on('error', () => undefined);
    held.push(s);
    const connected = await new Promise<boolean>((r) => {
      s.once('connect', () => r(true));
      setTimeout(() => r(false), 300);
    });
    if (!connected) break;
  }
  return {
    port: srv.port,
    resume() {
      held.forEach((s) => s.destroy());
      process.kill(srv.pid, 'SIGCONT');
    },
  };
}

describe('bare TCP handle', () => {
  it('is used for IP addresses on this Node, not for host names', () => {
    expect(bareConnectFamily('127.0.0.1')).toBe(4);
    expect(bareConnectFamily('::1')).toBe(6);
    expect(bareConnectFamily('localhost')).toBe(0);
  });
});

for (const bareHandle of [true, false]) {
  describe(`connect check (${bareHandle ? 'bare handle' : 'net.Socket'})`, () => {
    it('connects, sends nothing and closes at once', async () => {
      const srv = await recordingServer();
      try {
        const r = await once(createConnectCheck('127.0.0.1', srv.port, { bareHandle }), 2000);
        expect(r).toMatchObject({ ok: true, detail: `127.0.0.1:${srv.port}: connected` });
        expect(r.durationMs).toBeGreaterThan(0);
        expect(await waitFor(() => srv.ends.length === 1, 5000, 10)).toBe(true);
        expect(srv.ends[0]).toEqual({ bytes: 0, how: 'end' });
      } finally {
        await srv.close();
      }
    });

    it('reports a refused connection with the address', async () => {
      const port = await closedPort();
      expect(await once(createConnectCheck('127.0.0.1', port, { bareHandle }), 2000)).toMatchObject({
        ok: false,
        detail: `127.0.0.1:${port}: connection refused`,
      });
    });

    it('reaches an IPv6 address', async () => {
      const srv = await recordingServer('::1');
      try {
        expect(await once(createConnectCheck('::1', srv.port, { bareHandle }), 2000)).toMatchObject({ ok: true, detail: `::1:${srv.port}: connected` });
      } finally {
        await srv.close();
      }
      const port = await closedPort('::1');
      expect(await once(createConnectCheck('::1', port, { bareHandle }), 2000)).toMatchObject({ ok: false, detail: `::1:${port}: connection refused` });
    });

    it('times out when the handshake never completes (stopped server, full accept queue)', async () => {
      const srv = await unansweringServer();
      try {
        const r = await once(createConnectCheck('127.0.0.1', srv.port, { bareHandle }), 300);
        expect(r).toMatchObject({ ok: false, detail: `127.0.0.1:${srv.port}: no connection within 300ms` });
        expect(r.durationMs).toBeGreaterThanOrEqual(299);
      } finally {
        srv.resume();
      }
    });

    it('abandoning an attempt closes it and never reports', async () => {
      const srv = await recordingServer();
      try {
        let reported = 0;
        const abandon = createConnectCheck('127.0.0.1', srv.port, { bareHandle }).run(2000, () => reported++);
        abandon();
        abandon(); // twice is harmless
        await new Promise((r) => setTimeout(r, 200));
        expect(reported).toBe(0);
      } finally {
        await srv.close();
      }
    });

    it('leaves no descriptor open after many checks', async () => {
      const srv = await recordingServer();
      try {
        const check = createConnectCheck('127.0.0.1', srv.port, { bareHandle });
        await once(check, 2000); // first use loads what it needs
        await new Promise((r) => setImmediate(r));
        const before = openFds();
        for (let round = 0; round < 4; round++) {
          const results = await Promise.all(Array.from({ length: 50 }, () => once(check, 2000)));
          expect(results.every((r) => r.ok)).toBe(true);
        }
        expect(await waitFor(() => openFds() <= before, 5000, 10)).toBe(true);
        expect(openFds()).toBeLessThanOrEqual(before);
        expect(await waitFor(() => srv.ends.length === 201, 5000, 10)).toBe(true);
        expect(srv.ends.every((e) => e.bytes === 0)).toBe(true);
      } finally {
        await srv.close();
      }
    });
  });
}

describe('liveness checker with a connect check', () => {
  it('times a check out through its scheduler entry, then recovers when the server answers', async () => {
    const srv = await unansweringServer();
    const changes: string[] = [];
    const checker = createLivenessChecker(
      { kind: 'tcp', target: `127.0.0.1:${srv.port}`, intervalMs: 200, timeoutMs: 300, failureThreshold: 2, successThreshold: 1, initialDelayMs: 0, action: 'notify' },
      { onChange: (s, d, prev) => changes.push(`${prev}->${s}: ${d}`) },
    );
    try {
      checker.start();
      expect(await waitFor(() => checker.status() === 'unhealthy', 10_000, 10)).toBe(true);
      const last = checker.lastResult()!;
      expect(last).toMatchObject({ ok: false, detail: `127.0.0.1:${srv.port}: no connection within 300ms` });
      expect(last.durationMs).toBeGreaterThanOrEqual(300);
      expect(last.durationMs).toBeLessThan(5000); // the attempt was given up, not left to the kernel
      srv.resume();
      expect(await waitFor(() => checker.status() === 'healthy', 10_000, 10)).toBe(true);
      expect(changes).toEqual([
        `unknown->unhealthy: 2 failed checks in a row, last: 127.0.0.1:${srv.port}: no connection within 300ms`,
        `unhealthy->healthy: 127.0.0.1:${srv.port}: connected`,
      ]);
      expect(checker.lastResult()).toMatchObject({ ok: true, detail: `127.0.0.1:${srv.port}: connected` });
    } finally {
      checker.stop();
      srv.resume();
    }
  });

  it('stop() while a check is out: no result, no further checks', async () => {
    const srv = await unansweringServer();
    let results = 0;
    const checker = createLivenessChecker(
      { kind: 'tcp', target: `127.0.0.1:${srv.port}`, intervalMs: 100, timeoutMs: 2000, failureThreshold: 1, successThreshold: 1, initialDelayMs: 0, action: 'notify' },
      { onChange: () => {}, onResult: () => results++ },
    );
    try {
      checker.start();
      await new Promise((r) => setTimeout(r, 400)); // the first check is out, waiting for its timeout
      checker.stop();
      srv.resume();
      await new Promise((r) => setTimeout(r, 2500));
      expect(results).toBe(0);
      expect(checker.status()).toBe('unknown');
    } finally {
      srv.resume();
    }
  });
});
