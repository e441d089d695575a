// Cost of tree sampling with 100 managed trees (300 processes). Prints the figures; the bound
// is generous (a regression guard against per-process /proc reads, not a timing test).
import { afterAll, describe, expect, it } from 'vitest';
import { CpuTracker, sampleTrees } from '../../src/metrics/index.js';
import { killTrees, spawnTree, until } from './helpers.js';

afterAll(() => killTrees());

describe('sampling cost', () => {
  it('samples 100 trees in one /proc scan cheaply', async () => {
    const roots = Array.from({ length: 100 }, () => spawnTree('sleep 600 & sleep 600 & wait'));
    await until(() => [...sampleTrees(roots).values()].every((t) => t.pids.length === 3) || null, 20_000);
    const tracker = new CpuTracker();
    const runs = 50;
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < runs; i++) tracker.update(sampleTrees(roots), Date.now());
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6 / runs;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000 / runs;
    // sampled every 2 s, the share of one core is cpuMs / 2000
    console.log(`[metrics cost] 100 trees / 300 processes: ${wallMs.toFixed(2)} ms wall, ${cpuMs.toFixed(2)} ms CPU per sample; ` +
      `every 2 s = ${((cpuMs / 2000) * 100).toFixed(3)} % of one core`);
    expect(sampleTrees(roots).size).toBe(100);
    expect(cpuMs).toBeLessThan(200);
  });
});
