// Daemon CPU with 10 dashboards open: the same daemon and fleet measured idle, with 10 clients of the
// overview's stream (processes.watch over the TCP listener, as the page opens it), and with 10 real
// Chromium pages of the dashboard's overview. utime + stime of the daemon from /proc over each window.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCpuMs } from './lib/proc.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin/sentinel.js');
const quick = process.env.BENCH_QUICK === '1';
const N = quick ? 10 : 20;
const CLIENTS = 10;
const windowS = Number(process.env.BENCH_DASHBOARD_WINDOW) || (quick ? 15 : 60);
const chromiumPath = process.env.SENTINEL_CHROMIUM ?? '/usr/bin/chromium';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const home = mkdtempSync(path.join(os.tmpdir(), 'snb-web-'));
const env = { ...process.env, SENTINEL_HOME: home };
const sentinel = (args) => execFileSync(process.execPath, ['--', bin, ...args], { env, encoding: 'utf8' });

async function window(label, n) {
  const daemon = Number(readFileSync(path.join(home, 'daemon.pid'), 'utf8'));
  await sleep(3000); // let connections settle
  const a = readCpuMs(daemon);
  await sleep(windowS * 1000);
  const pct = ((readCpuMs(daemon) - a) / 1000 / windowS) * 100;
  process.stdout.write(`${label}: daemon ${pct.toFixed(2)} % of one core over ${windowS} s (${N} processes, ${n} clients)\n`);
  return pct;
}

/** One client of the overview's stream; counts the snapshots it reads. */
function watchClient(url, token, counter) {
  const req = http.get(`${url}/v1/watch/processes?follow=true`, { headers: { authorization: `Bearer ${token}` }, agent: false }, (res) => {
    res.on('data', (d) => (counter.items += d.toString().split('\n').length - 1));
  });
  req.on('error', () => undefined);
  return req;
}

try {
  sentinel(['daemon', 'start', '--listen', '127.0.0.1:0']);
  const url = JSON.parse(sentinel(['daemon', 'status', '--json'])).api.url;
  const token = JSON.parse(sentinel(['token', 'create', 'bench', '--role', 'viewer', '--json'])).value;
  for (let i = 0; i < N; i++) sentinel(['run', '--no-wait', '--name', `p${i}`, '--', 'sleep', '1000']);

  const idle = await window('no dashboard', 0);

  const counter = { items: 0 };
  const clients = Array.from({ length: CLIENTS }, () => watchClient(url, token, counter));
  const streams = await window(`${CLIENTS} overview streams (processes.watch, every 2 s)`, CLIENTS);
  for (const c of clients) c.destroy();
  process.stdout.write(`  the ${CLIENTS} clients read ${counter.items} snapshots\n`);
  console.log(`BENCH_RESULT ${JSON.stringify({ figure: `daemon CPU, ${CLIENTS} dashboard streams open (${N} processes)`, unit: 'pct', sentinel: streams, pm2: null })}`);

  if (existsSync(chromiumPath)) {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-dev-shm-usage'] });
    try {
      for (let i = 0; i < CLIENTS; i++) {
        const page = await (await browser.newContext()).newPage();
        await page.goto(`${url}/#token=${encodeURIComponent(token)}`);
        await page.waitForSelector('#process-table tbody tr');
      }
      const pages = await window(`${CLIENTS} Chromium pages of the overview`, CLIENTS);
      console.log(`BENCH_RESULT ${JSON.stringify({ figure: `daemon CPU, ${CLIENTS} dashboard pages open in Chromium (${N} processes)`, unit: 'pct', sentinel: pages, pm2: null })}`);
    } finally {
      await browser.close();
    }
  } else {
    process.stdout.write(`Chromium not found at ${chromiumPath}: the browser pages were not measured (install it: apt-get install -y chromium)\n`);
  }
  console.log(`BENCH_RESULT ${JSON.stringify({ figure: `daemon CPU, idle, no dashboard (${N} processes)`, unit: 'pct', sentinel: idle, pm2: null })}`);
} finally {
  try {
    sentinel(['daemon', 'stop']);
  } catch {
    /* already gone */
  }
  rmSync(home, { recursive: true, force: true });
}
