// CPU cost of 100 liveness checkers probing every second (HTTP against 10 real servers),
// measured in this process. Prints the figure; the bound is a generous regression guard.
import { afterAll, describe, expect, it } from 'vitest';
import { createLivenessChecker, type LivenessChecker } from '../../src/health/liveness.js';
import { sharedProbeScheduler } from '../../src/health/probe-scheduler.js';
import { killFixtures, startServer } from './fixture.js';

afterAll(() => killFixtures());

const SECONDS = Number(process.env.SENTINEL_COST_SECONDS ?? 5);

async function measure(kind: 'http' | 'tcp', targets: string[]): Promise<{ pct: number; probes: number; healthy: number }> {
  const checkers: LivenessChecker[] = [];
  let probes = 0;
  for (let i = 0; i < 100; i++) {
    checkers.push(
      createLivenessChecker(
        { kind, target: targets[i % targets.length], intervalMs: 1000, timeoutMs: 800, failureThreshold: 3, successThreshold: 1, initialDelayMs: (i * 10) % 1000, action: 'restart' },
        { onChange: () => {}, onResult: () => probes++ },
      ),
    );
  }
  checkers.forEach((c) => c.start());
  await new Promise((r) => setTimeout(r, 1500)); // warm up
  probes = 0;
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const cpu = process.cpuUsage(cpu0);
  const wall = Date.now() - t0;
  const healthy = checkers.filter((c) => c.status() === 'healthy').length;
  checkers.forEach((c) => c.stop());
  return { pct: ((cpu.user + cpu.system) / 1000 / wall) * 100, probes, healthy };
}

describe('liveness cost', () => {
  it('100 checkers every 1 s stay cheap', async () => {
    const servers = await Promise.all(Array.from({ length: 10 }, () => startServer('http-server.mjs')));
    const http = await measure('http', servers.map((s) => `http://127.0.0.1:${s.port}/health`));
    const tcp = await measure('tcp', servers.map((s) => `127.0.0.1:${s.port}`));
    console.log(`[liveness cost] 100 checkers @1s over ${SECONDS}s: HTTP ${http.pct.toFixed(2)} % of one core (${http.probes} probes), ` +
      `TCP ${tcp.pct.toFixed(2)} % (${tcp.probes} probes); scheduler wake-ups so far ${sharedProbeScheduler().wakeups()}`);
    expect(http.healthy).toBe(100);
    expect(tcp.healthy).toBe(100);
    expect(http.probes).toBeGreaterThan(100 * (SECONDS - 1));
    expect(http.pct).toBeLessThan(25);
  });
});
