import { afterAll, describe, expect, it } from 'vitest';
import { createLivenessChecker, validateLiveness, type LivenessSpec } from '../../src/health/liveness.js';
import { FakeClock } from '../../src/core/fake-clock.js';
import { createProbeScheduler } from '../../src/health/probe-scheduler.js';
import { probeHttp, probeTcp, type ProbeResult } from '../../src/health/probes.js';
import { SentinelError } from '../../src/core/errors.js';
import { killFixtures, startServer } from './fixture.js';

afterAll(() => killFixtures());

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));
const spec = (over: Partial<LivenessSpec> = {}): LivenessSpec => ({
  kind: 'http',
  target: 'http://127.0.0.1:1/',
  intervalMs: 1000,
  timeoutMs: 500,
  failureThreshold: 3,
  successThreshold: 1,
  initialDelayMs: 0,
  action: 'restart',
  ...over,
});

function scripted(results: boolean[]): { probe: () => Promise<ProbeResult>; calls: number[]; clock: FakeClock } {
  const clock = new FakeClock();
  const calls: number[] = [];
  return {
    clock,
    calls,
    probe: async () => {
      calls.push(clock.now());
      const ok = results.shift() ?? true;
      return { ok, detail: ok ? 'HTTP 200' : 'HTTP 500', durationMs: 1 };
    },
  };
}

async function step(clock: FakeClock, ms: number, times = 1): Promise<void> {
  for (let i = 0; i < times; i++) {
    clock.advance(ms);
    await flush();
  }
}

async function until(fn: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('liveness thresholds (fake clock)', () => {
  it('flips only after the thresholds and reports recovery with the previous status', async () => {
    const { clock, probe, calls } = scripted([true, true, false, false, true, false, false, false, true, true]);
    const changes: string[] = [];
    const checker = createLivenessChecker(spec({ successThreshold: 2, initialDelayMs: 5000 }), {
      onChange: (s, detail, prev) => changes.push(`${prev}->${s}: ${detail}`),
    }, { clock, probe });
    checker.start();
    await step(clock, 4999);
    expect(calls).toEqual([]); // initial delay
    await step(clock, 1);
    expect(checker.status()).toBe('unknown'); // one success, threshold 2
    await step(clock, 1000, 8);
    expect(calls.length).toBe(9);
    expect(calls[1] - calls[0]).toBe(1000);
    // two failures then a success reset the count: only the three in a row flip it
    expect(changes).toEqual(['unknown->healthy: HTTP 200', 'healthy->unhealthy: 3 failed checks in a row, last: HTTP 500']);
    await step(clock, 1000);
    expect(changes[2]).toBe('unhealthy->healthy: HTTP 200');
    expect(checker.status()).toBe('healthy');
    checker.stop();
    await step(clock, 10_000);
    expect(calls.length).toBe(10); // nothing after stop()
    expect(clock.pending()).toBe(0);
  });

  it('never overlaps probes: a slow probe delays the next one', async () => {
    const clock = new FakeClock();
    const starts: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const pending: (() => void)[] = [];
    const probe = (): Promise<ProbeResult> => {
      starts.push(clock.now());
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      return new Promise((resolve) => pending.push(() => { inFlight--; resolve({ ok: true, detail: 'ok', durationMs: 3500 }); }));
    };
    const checker = createLivenessChecker(spec(), { onChange: () => {} }, { clock, scheduler: createProbeScheduler(clock), probe });
    checker.start();
    await step(clock, 0);
    await step(clock, 500, 7); // 3.5 s with the first probe still running
    expect(starts).toEqual([1_000_000]);
    pending.shift()!();
    await flush();
    await step(clock, 0);
    expect(starts).toEqual([1_000_000, 1_003_500]); // right away: the interval already passed
    expect(maxInFlight).toBe(1);
    checker.stop();
    pending.shift()?.();
  });

  it('reset() forgets the status and waits the initial delay again', async () => {
    const { clock, probe, calls } = scripted([false, false, false]);
    const changes: string[] = [];
    const checker = createLivenessChecker(spec({ failureThreshold: 1, initialDelayMs: 2000 }), { onChange: (s) => changes.push(s) }, { clock, probe });
    checker.start();
    await step(clock, 2000);
    expect(checker.status()).toBe('unhealthy');
    checker.reset();
    expect(checker.status()).toBe('unknown');
    await step(clock, 1999);
    expect(calls.length).toBe(1);
    await step(clock, 1);
    expect(calls.length).toBe(2);
    expect(changes).toEqual(['unhealthy', 'unhealthy']);
    checker.stop();
  });
});

describe('liveness against real servers', () => {
  it('an HTTP server that stops answering becomes unhealthy, then recovers', async () => {
    const srv = await startServer('http-server.mjs');
    const changes: string[] = [];
    const checker = createLivenessChecker(
      spec({ target: `http://127.0.0.1:${srv.port}/health`, intervalMs: 200, timeoutMs: 300, failureThreshold: 2 }),
      { onChange: (s, d, prev) => changes.push(`${prev}->${s}: ${d}`) },
    );
    checker.start();
    await until(() => checker.status() === 'healthy');
    srv.child.kill('SIGUSR1');
    await until(() => checker.status() === 'unhealthy');
    srv.child.kill('SIGUSR2');
    await until(() => checker.status() === 'healthy');
    checker.stop();
    expect(changes).toEqual([
      'unknown->healthy: HTTP 200',
      'healthy->unhealthy: 2 failed checks in a row, last: no response within 300ms',
      'unhealthy->healthy: HTTP 200',
    ]);
  });

  it('a SIGSTOPped server: TCP connect still succeeds; HTTP, TCP send/reply and /proc state detect it', async () => {
    const srv = await startServer('http-server.mjs');
    const url = `http://127.0.0.1:${srv.port}/`;
    expect((await probeTcp({ port: srv.port, send: 'GET / HTTP/1.0\r\n\r\n' }, { timeoutMs: 2000 })).ok).toBe(true);
    process.kill(srv.pid, 'SIGSTOP');
    try {
      // the kernel completes the handshake from the listen backlog: connect alone cannot tell
      expect(await probeTcp({ port: srv.port }, { timeoutMs: 1000 })).toMatchObject({ ok: true });
      expect(await probeHttp({ url }, { timeoutMs: 500 })).toMatchObject({ ok: false, detail: 'no response within 500ms' });
      expect(await probeTcp({ port: srv.port, send: 'GET / HTTP/1.0\r\n\r\n' }, { timeoutMs: 500 })).toMatchObject({
        ok: false,
        detail: `127.0.0.1:${srv.port}: no reply within 500ms`,
      });
      // a connect-only TCP checker given the pid sees the stopped state
      const changes: string[] = [];
      const checker = createLivenessChecker(
        spec({ kind: 'tcp', target: `127.0.0.1:${srv.port}`, intervalMs: 100, failureThreshold: 2 }),
        { onChange: (s, d) => changes.push(`${s}: ${d}`) },
        { pid: () => srv.pid },
      );
      checker.start();
      await until(() => checker.status() === 'unhealthy');
      checker.stop();
      expect(changes).toEqual([`unhealthy: 2 failed checks in a row, last: process ${srv.pid} is stopped (SIGSTOP)`]);
    } finally {
      process.kill(srv.pid, 'SIGCONT');
    }
  });
});

describe('validateLiveness', () => {
  it('fills defaults and normalizes targets', () => {
    expect(validateLiveness({ tcp: '5432' })).toEqual({
      kind: 'tcp', target: '127.0.0.1:5432', intervalMs: 10_000, timeoutMs: 5000, failureThreshold: 3, successThreshold: 1, initialDelayMs: 0, action: 'restart',
    });
    expect(validateLiveness({ http: 'http://127.0.0.1:8080/h', interval: '1s', timeout: '500ms', failureThreshold: '5', initialDelay: '10s', action: 'notify', expectStatus: '200-204' }))
      .toMatchObject({ kind: 'http', intervalMs: 1000, timeoutMs: 500, failureThreshold: 5, initialDelayMs: 10_000, action: 'notify', expectStatus: [200, 204] });
  });

  it.each([
    [{}, 'health check: expected exactly one of --health-http URL, --health-tcp PORT or --health-exec CMD (or --health-plugin NAME), like --health-http http://127.0.0.1:8080/health, got none'],
    [{ http: 'http://x/', tcp: '80' }, 'health check: expected exactly one of --health-http URL, --health-tcp PORT or --health-exec CMD (or --health-plugin NAME), like --health-http http://127.0.0.1:8080/health, got --health-http and --health-tcp'],
    [{ tcp: 'db' }, '--health-tcp: expected a port like 8080 or host:port like "127.0.0.1:5432", got "db"'],
    [{ exec: 'true', action: 'reboot' }, '--health-action: expected "restart" or "notify", like --health-action notify, got "reboot"'],
    [{ exec: 'true', interval: '10ms' }, '--health-interval: expected at least 100ms, like "10s", got "10ms"'],
    [{ exec: 'true', interval: 'often' }, '--health-interval: expected a duration like "500ms", "5s", "2m", "5h" or "1d", got "often"'],
    [{ exec: 'true', failureThreshold: '0' }, '--health-retries: expected a whole number from 1 to 1000, like 3, got "0"'],
  ])('rejects %j', (raw, message) => {
    let caught: unknown;
    try {
      validateLiveness(raw as Record<string, unknown>);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SentinelError);
    expect((caught as SentinelError).message).toBe(message);
  });
});
