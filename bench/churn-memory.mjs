// Memory under a churn of restarts: N processes from one file that each live a few seconds and exit 1
// (restart always, never giving up), so the daemon restarts about N / LIFE times a second for the whole
// window. The daemon's private memory (smaps_rollup Private_*) and RSS are read every SAMPLE seconds; the
// figure is the growth from the start of the window (after a warm-up, when the heap has reached its working
// size) to its end, each the median of three samples. Issue target: ≤ 5 % over one hour.
//
// `npm run bench` runs a short window (BENCH_CHURN_MINUTES, default 3; 1 with BENCH_QUICK); the hour
// is `BENCH_CHURN_MINUTES=60 node bench/churn-memory.mjs`. Sentinel only: PM2 has no figure here to compare.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSentinelDriver } from './lib/sentinel-driver.js';
import { runCommand } from './lib/cli-timing.js';
import { readRssBytes, readPrivateBytes as privateBytes } from './lib/proc.js';
import { median, sleep } from './lib/stats.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repo = path.dirname(benchDir);
const quick = ['1', 'true', 'yes'].includes(String(process.env.BENCH_QUICK ?? '').toLowerCase());
const minutes = Number(process.env.BENCH_CHURN_MINUTES ?? (quick ? 1 : 3));
const n = Number(process.env.BENCH_CHURN_PROCESSES ?? 100);
const lifeS = Number(process.env.BENCH_CHURN_LIFE ?? 5);
if (!(minutes > 0) || !(n > 0) || !(lifeS > 0)) {
  console.error('BENCH_CHURN_MINUTES, BENCH_CHURN_PROCESSES and BENCH_CHURN_LIFE must be positive numbers');
  process.exit(2);
}
const windowMs = minutes * 60_000;
// the warm-up: a fifth of the window, at least 20 s and at most 5 min
const warmupMs = Math.min(300_000, Math.max(20_000, windowMs / 5));
const sampleMs = Math.max(5_000, Math.min(60_000, windowMs / 30));
const MiB = 1024 * 1024;

function restartsOf(driver) {
  const out = JSON.parse(runCommand(driver.listJsonCommand()).stdout);
  return out.processes.reduce((sum, p) => sum + (p.restarts ?? 0), 0);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'sentinel-bench-churn-'));
const driver = createSentinelDriver({ repo });
try {
  const yaml = ['processes:'];
  for (let i = 0; i < n; i++) {
    // the jitter of the restart delay spreads the exits; each run outlives min_uptime, so the backoff resets
    yaml.push(`  c${i}:`, `    command: "sleep ${lifeS}; exit 1"`, '    restart: { policy: always, max_restarts: 0, delay: 100ms }');
  }
  const file = path.join(dir, 'churn.yaml');
  writeFileSync(file, `${yaml.join('\n')}\n`);
  driver.open();
  runCommand(driver.upCommand(file));
  const pid = driver.daemonPid();
  await sleep(warmupMs);
  const restarts0 = restartsOf(driver);
  const samples = [];
  const t0 = performance.now();
  while (performance.now() - t0 < windowMs) {
    samples.push({ atS: (performance.now() - t0) / 1000, priv: privateBytes(pid), rss: readRssBytes(pid) });
    await sleep(sampleMs);
  }
  samples.push({ atS: (performance.now() - t0) / 1000, priv: privateBytes(pid), rss: readRssBytes(pid) });
  const restarts = restartsOf(driver) - restarts0;
  const first = samples.slice(0, 3);
  const last = samples.slice(-3);
  const growth = (key) => (median(last.map((s) => s[key])) / median(first.map((s) => s[key])) - 1) * 100;
  const peak = Math.max(...samples.map((s) => s.priv));
  console.log(`Sentinel, ${n} processes living ${lifeS} s, ${minutes} min after ${warmupMs / 1000} s of warm-up: ${restarts} restarts (${(restarts / (windowMs / 1000)).toFixed(1)}/s)`);
  for (const s of samples) console.log(`  ${s.atS.toFixed(0).padStart(5)} s  private ${(s.priv / MiB).toFixed(1)} MiB  RSS ${(s.rss / MiB).toFixed(1)} MiB`);
  console.log(`private memory ${(median(first.map((s) => s.priv)) / MiB).toFixed(1)} → ${(median(last.map((s) => s.priv)) / MiB).toFixed(1)} MiB (peak ${(peak / MiB).toFixed(1)}), growth ${growth('priv').toFixed(1)} %; RSS growth ${growth('rss').toFixed(1)} %`);
  const figure = `daemon private memory growth over ${minutes} min of restarts (${n} processes, ${restarts} restarts)`;
  console.log(`BENCH_RESULT ${JSON.stringify({ figure, unit: 'pct', sentinel: growth('priv'), pm2: null, target: { text: '≤ 5 % (over one hour)', max: 5 } })}`);
} finally {
  await driver.close();
  rmSync(dir, { recursive: true, force: true });
}
