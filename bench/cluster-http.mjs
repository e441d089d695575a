// Requests per second of one small Node HTTP server: alone, then 2 and 4 instances behind Sentinel's shared
// socket (port_mode: shared) and behind PM2's cluster mode, in the same run on the same machine. The load
// is keep-alive HTTP/1.1 from this process (BENCH_HTTP_CONNECTIONS connections, BENCH_HTTP_SECONDS each);
// how the requests spread over the instances is printed too. Rows: BENCH_RESULT lines (see lib/extras.js).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installPm2 } from './lib/pm2-driver.js';
import { trackPids, killLeftovers } from './lib/leftovers.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repo = dirname(benchDir);
const server = join(benchDir, 'fixtures', 'http-hello.cjs');
const quick = process.env.BENCH_QUICK === '1';
const seconds = Number(process.env.BENCH_HTTP_SECONDS) || (quick ? 3 : 8);
const connections = Number(process.env.BENCH_HTTP_CONNECTIONS) || 32;
const COUNTS = [2, 4];

const say = (m) => process.stderr.write(`cluster-http: ${m}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function once(agent, port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c) => (body += c)).on('end', () => resolve(res.statusCode === 200 ? body.trim() : null));
    });
    req.on('error', () => resolve(null));
  });
}

async function waitServing(port, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await once(false, port)) return;
    await sleep(100);
  }
  throw new Error(`nothing answered on port ${port} within ${timeoutMs / 1000} s`);
}

/** Keep-alive load for `seconds`: requests/s, failures, and how many answers each pid gave. */
async function load(port) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const byPid = new Map();
  let ok = 0;
  let failed = 0;
  let measuring = false;
  let running = true;
  const worker = async () => {
    while (running) {
      const pid = await once(agent, port);
      if (!measuring) continue;
      if (pid) {
        ok++;
        byPid.set(pid, (byPid.get(pid) ?? 0) + 1);
      } else failed++;
    }
  };
  const workers = Array.from({ length: connections }, worker);
  await sleep(1000); // warm-up: connections open, JIT warm
  measuring = true;
  const t0 = Date.now();
  await sleep(seconds * 1000);
  measuring = false;
  const elapsed = (Date.now() - t0) / 1000;
  running = false;
  await Promise.all(workers);
  agent.destroy();
  const shares = [...byPid.values()].sort((a, b) => b - a).map((n) => `${Math.round((n / ok) * 100)}%`);
  return { rps: ok / elapsed, failed, shares };
}

async function alone() {
  const port = await freePort();
  const child = spawn(process.execPath, [server], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
  trackPids([child.pid]);
  try {
    await waitServing(port);
    return await load(port);
  } finally {
    child.kill('SIGTERM');
  }
}

function sentinelRunner() {
  const home = mkdtempSync(join(tmpdir(), 'sentinel-bench-cluster-'));
  const env = { ...process.env, SENTINEL_HOME: home };
  const cli = (...args) => execFileSync(process.execPath, [join(repo, 'bin', 'sentinel.js'), ...args], { env, encoding: 'utf8' });
  return {
    async measure(n) {
      const port = await freePort();
      cli('run', '--name', 'web', '--instances', String(n), '--port', String(port), '--port-mode', 'shared', '--', process.execPath, server);
      try {
        trackPids(JSON.parse(cli('list', '--json')).processes.map((p) => p.pid));
        await waitServing(port);
        return await load(port);
      } finally {
        cli('delete', 'web');
      }
    },
    close() {
      try {
        cli('daemon', 'stop');
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    },
  };
}

function pm2Runner(prefix) {
  const home = mkdtempSync(join(tmpdir(), 'sentinel-bench-pm2-cluster-'));
  const bin = join(prefix, 'node_modules', 'pm2', 'bin', 'pm2');
  const pm2 = (args, extra = {}) => execFileSync(process.execPath, [bin, ...args], { env: { ...process.env, PM2_HOME: home, PM2_KILL_SIGNAL: 'SIGTERM', ...extra }, encoding: 'utf8' });
  return {
    async measure(n) {
      const port = await freePort();
      pm2(['start', server, '-i', String(n), '--name', 'web'], { PORT: String(port) });
      try {
        const until = Date.now() + 30_000;
        while (JSON.parse(pm2(['jlist'])).filter((p) => p.pm2_env.status === 'online').length < n && Date.now() < until) await sleep(200);
        trackPids(JSON.parse(pm2(['jlist'])).map((p) => p.pid));
        await waitServing(port);
        return await load(port);
      } finally {
        pm2(['delete', 'web']);
      }
    },
    close() {
      try {
        pm2(['kill']);
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    },
  };
}

const row = (figure, sentinel, pm2) => process.stdout.write(`BENCH_RESULT ${JSON.stringify({ figure, unit: 'rps', sentinel, pm2 })}\n`);
const describe = (r) => `${Math.round(r.rps)} req/s, ${r.failed} failed, shares ${r.shares.join('/')}`;

async function main() {
  if (!existsSync(join(repo, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  say(`${connections} keep-alive connections, ${seconds} s per measurement`);
  const single = await alone();
  say(`one process alone: ${describe(single)}`);
  row('HTTP requests/s, one Node process alone (higher is better)', single.rps, null);

  const sentinel = sentinelRunner();
  const ours = {};
  try {
    for (const n of COUNTS) {
      ours[n] = await sentinel.measure(n);
      say(`Sentinel shared socket, ${n} instances: ${describe(ours[n])}`);
    }
  } finally {
    sentinel.close();
  }

  const theirs = {};
  const installed = process.env.BENCH_SKIP_PM2 === '1' ? { version: null, reason: 'BENCH_SKIP_PM2=1' } : installPm2(join(repo, '.bench', 'pm2'));
  if (installed.version) {
    const pm2 = pm2Runner(join(repo, '.bench', 'pm2'));
    try {
      for (const n of COUNTS) {
        theirs[n] = await pm2.measure(n);
        say(`PM2 ${installed.version} cluster mode, ${n} instances: ${describe(theirs[n])}`);
      }
    } finally {
      pm2.close();
    }
  } else say(`PM2 not run: ${installed.reason}`);

  for (const n of COUNTS) {
    row(`HTTP requests/s, ${n} instances: shared socket vs PM2 cluster (higher is better)`, ours[n]?.rps ?? null, theirs[n]?.rps ?? null);
  }
  const killed = killLeftovers();
  if (killed) say(`${killed} leftover process(es) killed by PID`);
}

main().catch((error) => {
  say(`failed: ${error.stack ?? error.message}`);
  killLeftovers();
  process.exitCode = 1;
});
