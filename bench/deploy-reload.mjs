// HTTP latency and failed requests during zero-downtime reloads of the same Node server with 2 instances:
// Sentinel (`sentinel rollout restart`, through its proxy) against PM2's cluster mode (`pm2 reload`).
// A load of 8 request loops (a new connection per request) runs through a steady window and then through
// RELOADS reloads; the figures are p99 latency in each window and the requests that failed.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { installPm2 } from './lib/pm2-driver.js';
import { percentile } from './lib/stats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin/sentinel.js');
const server = path.join(root, 'bench/fixtures/http-version.cjs');
const quick = process.env.BENCH_QUICK === '1';
const RELOADS = quick ? 2 : 3;
const STEADY_MS = quick ? 3000 : 8000;
const WORKERS = 8;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Request loops against a port; `mark()` starts a new window, `take()` ends it with its latencies and failures. */
function load(port) {
  let running = true;
  let window = { latencies: [], failed: 0 };
  const one = () => new Promise((resolve) => {
    const t0 = performance.now();
    const w = window;
    const req = http.get({ host: '127.0.0.1', port, agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode === 200) w.latencies.push(performance.now() - t0);
        else w.failed += 1;
        resolve();
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => { w.failed += 1; resolve(); });
  });
  const loops = Array.from({ length: WORKERS }, async () => { while (running) await one(); });
  return {
    mark() { window = { latencies: [], failed: 0 }; },
    take() { const w = window; window = { latencies: [], failed: 0 }; return w; },
    async stop() { running = false; await Promise.all(loops); },
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A command run without blocking the request loops of this process. */
function runAsync(file, args, env) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, encoding: 'utf8' }, (err, _out, stderr) => (err ? reject(new Error(`${args.join(' ')}: ${stderr || err.message}`)) : resolve()));
  });
}

async function measure(label, port, reload) {
  const l = load(port);
  await sleep(1000); // warm-up
  l.mark();
  await sleep(STEADY_MS);
  const steady = l.take();
  const during = { latencies: [], failed: 0 };
  let reloadMs = 0;
  for (let i = 0; i < RELOADS; i++) {
    l.mark();
    const t0 = Date.now();
    await reload();
    reloadMs += Date.now() - t0;
    await sleep(500); // requests in flight at the end of the reload belong to it
    const w = l.take();
    during.latencies.push(...w.latencies);
    during.failed += w.failed;
    await sleep(1000);
  }
  await l.stop();
  const r = {
    steadyP99: percentile(steady.latencies, 99), steadyFailed: steady.failed, steadyN: steady.latencies.length,
    reloadP99: percentile(during.latencies, 99), reloadFailed: during.failed, reloadN: during.latencies.length + during.failed,
    reloadMs: reloadMs / RELOADS,
  };
  process.stdout.write(`${label}: steady p99 ${r.steadyP99?.toFixed(1)} ms (${r.steadyN} requests); during ${RELOADS} reloads p99 ${r.reloadP99?.toFixed(1)} ms, ` +
    `${r.reloadFailed} of ${r.reloadN} requests failed; a reload took ${(r.reloadMs / 1000).toFixed(2)} s\n`);
  return r;
}

async function sentinel() {
  const home = mkdtempSync(path.join(os.tmpdir(), 'snb-dep-'));
  const env = { ...process.env, SENTINEL_HOME: home };
  const run = (...args) => execFileSync(process.execPath, ['--', bin, ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await freePort();
  try {
    run('deploy', 'web', '--command', `node ${server}`, '--port', String(port), '-i', '2', '--min-healthy', '500ms');
    return await measure('Sentinel rollout restart', port, () => runAsync(process.execPath, ['--', bin, 'rollout', 'restart', 'web', '--min-healthy', '500ms'], env));
  } finally {
    spawnSync(process.execPath, ['--', bin, 'daemon', 'stop'], { env, stdio: 'ignore' });
    rmSync(home, { recursive: true, force: true });
  }
}

async function pm2() {
  const prefix = path.join(root, '.bench', 'pm2');
  const installed = installPm2(prefix);
  if (!installed.version) {
    process.stdout.write(`PM2 not available: ${installed.reason}\n`);
    return null;
  }
  const pm2Bin = path.join(prefix, 'node_modules', 'pm2', 'bin', 'pm2');
  const home = mkdtempSync(path.join(os.tmpdir(), 'snb-pm2-'));
  const port = await freePort();
  const env = { ...process.env, PM2_HOME: home, PORT: String(port) };
  const run = (...args) => execFileSync(process.execPath, [pm2Bin, ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    run('start', server, '--name', 'web', '-i', '2');
    // both workers listening before the load starts
    for (let i = 0; i < 100; i++) {
      const ok = await new Promise((r) => http.get({ host: '127.0.0.1', port, agent: false }, (res) => { res.resume(); r(res.statusCode === 200); }).on('error', () => r(false)));
      if (ok) break;
      await sleep(100);
    }
    return await measure(`PM2 ${installed.version} reload (cluster mode)`, port, () => runAsync(process.execPath, [pm2Bin, 'reload', 'web'], env));
  } finally {
    spawnSync(process.execPath, [pm2Bin, 'kill'], { env, stdio: 'ignore' });
    rmSync(home, { recursive: true, force: true });
  }
}

const s = await sentinel();
const p = process.env.BENCH_SKIP_PM2 === '1' ? null : await pm2();
const row = (figure, unit, key, target) => console.log(`BENCH_RESULT ${JSON.stringify({ figure, unit, sentinel: s[key], pm2: p?.[key] ?? null, ...(target ? { target } : {}) })}`);
row('HTTP p99 latency, steady, 2 instances', 'ms', 'steadyP99');
row(`HTTP p99 latency during ${RELOADS} rolling reloads`, 'ms', 'reloadP99');
row(`failed requests during ${RELOADS} rolling reloads`, 'count', 'reloadFailed', { text: '0', max: 0 });
row('time of one rolling reload, 2 instances', 'ms', 'reloadMs');
