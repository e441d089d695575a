// Restart on file changes, idle: a tree of 50,000 files (500 directories of 100; 5,000 with BENCH_QUICK) is
// watched by one process under Sentinel (`run --watch TREE`) and under PM2 (`pm2 start --watch TREE`); each
// daemon's CPU (utime + stime from /proc/PID/stat) over 30 s while nothing changes (5 s quick), and its RSS.
// Target: ≤ 1 % of one core for Sentinel. Then one file is touched to check that each really watches (one
// restart). Cleans up both daemons, their processes and the temporary tree.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPm2Driver, installPm2 } from './lib/pm2-driver.js';
import { readCpuMs, readRssBytes } from './lib/proc.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin/sentinel.js');
const quick = process.env.BENCH_QUICK === '1';
const DIRS = quick ? 50 : 500;
const FILES_PER_DIR = 100;
const windowS = quick ? 5 : 30;
const settleS = quick ? 3 : 10;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const say = (line) => process.stdout.write(`${line}\n`);

const work = mkdtempSync(path.join(os.tmpdir(), 'snb-watch-'));
const tree = path.join(work, 'tree');
const app = path.join(work, 'idle.js');
writeFileSync(app, 'setInterval(() => {}, 60_000);\n');
for (let d = 0; d < DIRS; d++) {
  const dir = path.join(tree, `pkg${Math.floor(d / 25)}`, `mod${d % 25}`);
  mkdirSync(dir, { recursive: true });
  for (let f = 0; f < FILES_PER_DIR; f++) writeFileSync(path.join(dir, `file${f}.js`), `// ${d}/${f}\n`);
}
const files = DIRS * FILES_PER_DIR;
say(`tree: ${files} files in ${DIRS} directories under ${tree}`);

/** CPU of `pid` over the idle window (after `settleS` for the watcher's initial scan), as % of one core. */
async function idleCpu(pid) {
  await sleep(settleS * 1000);
  const a = readCpuMs(pid);
  await sleep(windowS * 1000);
  return ((readCpuMs(pid) - a) / 1000 / windowS) * 100;
}

async function waitUntil(check, ms) {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (await check()) return true;
  return false;
}

async function measureSentinel() {
  const home = mkdtempSync(path.join(os.tmpdir(), 'snb-'));
  const env = { ...process.env, SENTINEL_HOME: home };
  const sentinel = (...args) => execFileSync(process.execPath, ['--', bin, ...args], { env, encoding: 'utf8', cwd: work });
  sentinel('daemon', 'start');
  try {
    const pid = Number(readFileSync(path.join(home, 'daemon.pid'), 'utf8').trim());
    const rssBefore = readRssBytes(pid);
    const t0 = performance.now();
    sentinel('run', '--name', 'w', '--watch', tree, '--no-wait', '--', process.execPath, app);
    const startMs = performance.now() - t0;
    const watch = JSON.parse(sentinel('status', 'w', '--json')).spec.watch;
    say(`sentinel: watching ${watch.directories} directories (run --watch returned in ${startMs.toFixed(0)} ms)`);
    const cpu = await idleCpu(pid);
    const rss = readRssBytes(pid);
    writeFileSync(path.join(tree, 'pkg0/mod0/file0.js'), '// changed\n');
    const restarted = await waitUntil(() => JSON.parse(sentinel('status', 'w', '--json')).process.restarts === 1, 10_000);
    say(`sentinel: daemon CPU ${cpu.toFixed(3)} % over ${windowS} s, RSS ${(rss / 1048576).toFixed(1)} MiB (+${((rss - rssBefore) / 1048576).toFixed(1)} MiB with the watch); a touched file ${restarted ? 'restarted it' : 'did NOT restart it'}`);
    return { cpu, rss, restarted };
  } finally {
    execFileSync(process.execPath, ['--', bin, 'daemon', 'stop'], { env, stdio: 'ignore' });
    rmSync(home, { recursive: true, force: true });
  }
}

async function measurePm2() {
  const prefix = process.env.BENCH_PM2_PREFIX ?? path.join(root, '.bench', 'pm2');
  if (process.env.BENCH_SKIP_PM2 === '1') return null;
  const installed = installPm2(prefix);
  if (!installed.version) {
    say(`PM2: not available (${installed.reason}); Sentinel only`);
    return null;
  }
  const pm2 = createPm2Driver({ prefix });
  pm2.open();
  try {
    pm2.exec('start', app, '--name', 'w', '--watch', tree);
    const pid = pm2.daemonPid();
    const cpu = await idleCpu(pid);
    const rss = readRssBytes(pid);
    writeFileSync(path.join(tree, 'pkg0/mod0/file1.js'), '// changed\n');
    const restarted = await waitUntil(() => (pm2.statusOf('w')?.restarts ?? 0) >= 1, 10_000);
    say(`PM2 ${installed.version}: God daemon CPU ${cpu.toFixed(3)} % over ${windowS} s, RSS ${(rss / 1048576).toFixed(1)} MiB; a touched file ${restarted ? 'restarted it' : 'did NOT restart it'}`);
    return { cpu, rss, restarted };
  } finally {
    await pm2.close();
    for (const p of pm2.problems) say(`PM2: ${p}`);
  }
}

try {
  const s = await measureSentinel();
  const p = await measurePm2();
  if (p) say(`ratio Sentinel/PM2: CPU ${(s.cpu / p.cpu).toFixed(2)}, RSS ${(s.rss / p.rss).toFixed(2)}`);
  const n = files.toLocaleString('en-US');
  console.log(`BENCH_RESULT ${JSON.stringify({ figure: `daemon CPU, idle, watching ${n} files`, unit: 'pct', sentinel: s.cpu, pm2: p?.cpu ?? null, target: { text: '≤ 1 %', max: 1 } })}`);
  console.log(`BENCH_RESULT ${JSON.stringify({ figure: `daemon RSS, watching ${n} files`, unit: 'mib', sentinel: s.rss, pm2: p?.rss ?? null })}`);
  if (!s.restarted || (p && !p.restarted)) process.exitCode = 1;
} finally {
  if (existsSync(work)) rmSync(work, { recursive: true, force: true });
}
