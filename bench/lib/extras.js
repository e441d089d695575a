// Other benchmarks live next to run.js as bench/*.mjs (logs, scheduler, health checks...); run.js runs each as a
// child process, shows its output, and adds to the table every line it prints of the form
//   BENCH_RESULT {"figure": "...", "unit": "ms|s|mib|pct|count|rps", "sentinel": 12.3, "pm2": 45.6, "target": {"text": "≤ 2 %", "max": 2}}
// and optionally "raw": 1.2, "rawLabel": "bash loop" (the same work without a supervisor)
import { readdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

// Known from the issues; the table says when one of them is missing.
export const EXPECTED_EXTRAS = [
  { file: 'log-throughput.mjs', about: 'log throughput and rotation (core issue)' },
  { file: 'log-search.mjs', about: 'logs --grep over 1 GB of live and rotated files against grep -E (beyond one machine issue)' },
  { file: 'scheduler-1000.mjs', about: '1000 schedules loaded: idle CPU and memory (scheduling issue)' },
  { file: 'monit-idle.mjs', about: 'sentinel monit watching 100 idle processes: its own CPU and memory (faces issue)' },
  { file: 'cluster-http.mjs', about: 'HTTP requests/s through a shared socket with 2 and 4 instances vs one process and PM2 cluster mode (cluster issue)' },
  { file: 'bulk-scale.mjs', about: '100 and 1000 processes from one file against a PM2 ecosystem file: time until all run, idle CPU, private memory, list, stop (performance issue)', timeoutSec: 1800 },
  { file: 'watch-idle.mjs', about: 'run --watch on a tree of 50,000 files: idle daemon CPU and RSS against pm2 start --watch (operating system issue)', timeoutSec: 300 },
  { file: 'metrics-100.mjs', about: 'GET /metrics with 100 processes: render time, prom-client RSS, daemon CPU scraped every 5 s (faces issue)' },
  { file: 'churn-memory.mjs', about: 'daemon private memory growth under a churn of restarts of 100 processes (performance issue; the hour: BENCH_CHURN_MINUTES=60)', timeoutSec: 900 },
  { file: 'deploy-reload.mjs', about: 'HTTP p99 latency and failed requests during rolling reloads: sentinel rollout restart against pm2 reload in cluster mode (cluster issue)' },
];

export function findExtras(benchDir) {
  return readdirSync(benchDir).filter((f) => f.endsWith('.mjs')).sort();
}

const UNITS = new Set(['ms', 's', 'mib', 'pct', 'count', 'rps']);

export function parseResultLine(line) {
  if (!line.startsWith('BENCH_RESULT ')) return null;
  try {
    const row = JSON.parse(line.slice('BENCH_RESULT '.length));
    if (typeof row.figure !== 'string' || !UNITS.has(row.unit)) return null;
    const raw = typeof row.raw === 'number' ? { raw: row.raw, ...(typeof row.rawLabel === 'string' ? { rawLabel: row.rawLabel } : {}) } : {};
    return { figure: row.figure, unit: row.unit, sentinel: row.sentinel ?? null, pm2: row.pm2 ?? null, target: row.target, ...raw };
  } catch {
    return null;
  }
}

// Runs one extra benchmark with the same BENCH_* environment; resolves with its rows and how it ended.
export function runExtra(benchDir, file, { timeoutMs, env }) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(benchDir, file)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const rows = [];
    let pending = '';
    const onData = (chunk, stream) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) {
        const parsed = parseResultLine(line);
        if (parsed) rows.push(parsed);
        else stream.write(`    ${line}\n`);
      }
    };
    child.stdout.setEncoding('utf8').on('data', (c) => onData(c, process.stderr));
    child.stderr.setEncoding('utf8').on('data', (c) => onData(c, process.stderr));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const status = signal ? `killed by ${signal} (time limit ${timeoutMs / 1000} s?)` : code === 0 ? 'ok' : `exit code ${code}`;
      resolve({ file, status, rows });
    });
  });
}
