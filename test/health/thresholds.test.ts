import { afterAll, describe, expect, it } from 'vitest';
import { createThresholdEvaluator, formatSize, validateThresholds } from '../../src/health/thresholds.js';
import { readStat, sampleTrees } from '../../src/metrics/index.js';
import { SentinelError } from '../../src/core/errors.js';
import { killFixtures, startFixture } from './fixture.js';

afterAll(() => killFixtures());

const MB = 1024 * 1024;

describe('thresholds (made-up clock)', () => {
  it('memory breaches as soon as the tree is over the limit', () => {
    const ev = createThresholdEvaluator(validateThresholds({ maxMemory: '500M' }));
    expect(ev.evaluate({ atMs: 0, rssBytes: 499 * MB })).toEqual({ breach: false });
    expect(ev.evaluate({ atMs: 5000, rssBytes: 500 * MB })).toEqual({ breach: false });
    expect(ev.evaluate({ atMs: 10_000, rssBytes: 612 * MB })).toEqual({ breach: true, kind: 'memory', reason: 'memory 612 MB > 500 MB' });
  });

  it('cpu breaches only after staying over the limit for the whole period', () => {
    const ev = createThresholdEvaluator(validateThresholds({ maxCpu: '90%', for: '60s' }));
    const at = (s: number, pct: number | null) => ev.evaluate({ atMs: s * 1000, rssBytes: MB, cpuPercent: pct });
    expect(at(0, null)).toEqual({ breach: false });
    expect(at(5, 95)).toEqual({ breach: false }); // streak starts at 0 s (the interval this figure covers)
    expect(at(30, 99)).toEqual({ breach: false });
    expect(at(35, 80)).toEqual({ breach: false }); // dropped below: streak over
    expect(at(40, 95)).toEqual({ breach: false }); // streak from 35 s
    expect(at(90, 97)).toEqual({ breach: false });
    expect(at(95, 96.4)).toEqual({ breach: true, kind: 'cpu', reason: 'cpu 96% > 90% for 60s' });
    expect(at(100, 96)).toEqual({ breach: false }); // counting again after a breach
  });

  it('uses 60 s when --for is not given; reset() forgets the streak', () => {
    const ev = createThresholdEvaluator(validateThresholds({ maxCpu: '150%' }));
    expect(ev.evaluate({ atMs: 0, rssBytes: 0, cpuPercent: 190 })).toEqual({ breach: false });
    ev.reset();
    expect(ev.evaluate({ atMs: 59_000, rssBytes: 0, cpuPercent: 190 })).toEqual({ breach: false });
    expect(ev.evaluate({ atMs: 119_000, rssBytes: 0, cpuPercent: 190 })).toEqual({ breach: true, kind: 'cpu', reason: 'cpu 190% > 150% for 60s' });
  });

  it('formats sizes for reasons', () => {
    expect([formatSize(512 * 1024), formatSize(612.4 * MB), formatSize(1.5 * 1024 * MB)]).toEqual(['512 KB', '612 MB', '1.5 GB']);
  });

  it.each([
    [{ maxMemory: '500Q' }, '--max-memory: expected a size like "500M" or "1G", got "500Q"'],
    [{ maxCpu: 'lots' }, '--max-cpu: expected a percentage of one core greater than zero, like "90%" (or "150%" for 1.5 cores), got "lots"'],
    [{ maxCpu: '90%', for: 'a minute' }, '--for: expected a duration like "500ms", "5s", "2m", "5h" or "1d", got "a minute"'],
    [{ for: '60s' }, '--for: only applies with --max-cpu, as in --max-cpu 90% --for 60s'],
  ])('rejects %j', (raw, message) => {
    expect(() => validateThresholds(raw)).toThrow(SentinelError);
    expect(() => validateThresholds(raw)).toThrow(message);
  });
});

describe('memory threshold against a real allocating tree', () => {
  it('the tree crosses the limit while its root alone stays under it', async () => {
    const fx = startFixture('alloc.mjs', ['8', '50', '300', '--in-child'], { detached: true });
    await fx.waitForLine(/^child \d+$/);
    const limit = 150 * MB;
    const ev = createThresholdEvaluator({ maxMemoryBytes: limit });
    const deadline = Date.now() + 30_000;
    let result = ev.evaluate({ atMs: Date.now(), rssBytes: 0 });
    let tree = sampleTrees([fx.pid]).get(fx.pid);
    while (!result.breach && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      tree = sampleTrees([fx.pid]).get(fx.pid);
      result = ev.evaluate({ atMs: Date.now(), rssBytes: tree?.rssBytes ?? 0 });
    }
    expect(result.breach).toBe(true);
    expect(result.breach && result.reason).toMatch(/^memory \d+ MB > 150 MB$/);
    expect(tree!.pids.length).toBe(2);
    expect(tree!.rssBytes).toBeGreaterThan(limit);
    expect(readStat(fx.pid)!.rssBytes).toBeLessThan(limit); // only the whole tree is over
  });
});
