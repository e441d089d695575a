// Bulk start and scale: N `sleep` processes started from ONE file — `sentinel up -f stack.yaml` against
// `pm2 start ecosystem.config.js` with the same apps — timed until all N run (counted from /proc, so no
// CLI polling is in the figure); then, with all N up: the daemon's idle CPU, RSS and private memory
// (smaps_rollup Private_*: what it holds beyond the pages shared with every Node process), `list` and
// `list --json` / `pm2 jlist`, and one `stop` of a process that ends at once on SIGTERM (the first one's CLI
// wall, and the median stop beyond a no-op round trip to the same daemon measured in between).
// Sizes: 100 and 1000 (BENCH_QUICK: 100 only). Prints BENCH_RESULT rows for bench/run.js.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSentinelDriver } from './lib/sentinel-driver.js';
import { createPm2Driver, installPm2 } from './lib/pm2-driver.js';
import { runCommand, timeCommand, timeRepeated } from './lib/cli-timing.js';
import { readCpuMs, readRssBytes, readPrivateBytes as privateBytes, readPrivateDirtyBytes } from './lib/proc.js';
import { trackPids, killLeftovers } from './lib/leftovers.js';
import { median } from './lib/stats.js';
import { crashOnOpenDriver } from './lib/workload-crash.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repo = path.dirname(benchDir);
const quick = ['1', 'true', 'yes'].includes(String(process.env.BENCH_QUICK ?? '').toLowerCase());
// BENCH_BULK_SIZES=1000 (say) measures only those sizes, for a look at one of them alone
const sizes = process.env.BENCH_BULK_SIZES ? process.env.BENCH_BULK_SIZES.split(',').map(Number) : quick ? [100] : [100, 1000];
if (!sizes.every((n) => Number.isInteger(n) && n > 0)) {
  console.error(`BENCH_BULK_SIZES must be whole numbers above 0 separated by commas, e.g. 100,1000 (got ${JSON.stringify(process.env.BENCH_BULK_SIZES)})`);
  process.exit(2);
}
const idleMs = quick ? 5000 : 15_000;
// then, 3 s on, a second window: the daemon once the start's one-time collections are over (steady idle).
// At 1000 processes it is 120 s: the daemon's periodic work there (a metrics tick of 1000 trees, a log
// sweep of 2000 files) comes in pieces of 20-90 ms, each spaced by its CPU budget (0.05 % of a core) to a
// minute or more, so one piece inside a 30 s window or not swung that window from 0.03 % to 0.3 %; the
// average over a longer window is the idle cost. The 30 s pieces of the window are printed as well.
// BENCH_SETTLED_MS sets the window for every size.
function settledMsFor(n) {
  if (process.env.BENCH_SETTLED_MS) return Number(process.env.BENCH_SETTLED_MS);
  return quick ? 10_000 : n >= 1000 ? 120_000 : 30_000;
}
if (process.env.BENCH_SETTLED_MS && !(Number(process.env.BENCH_SETTLED_MS) >= 1000)) {
  console.error(`BENCH_SETTLED_MS must be a number of milliseconds of at least 1000 (got ${JSON.stringify(process.env.BENCH_SETTLED_MS)})`);
  process.exit(2);
}
const cliRuns = quick ? 3 : 5;
// crash -> running again, timed on the same daemon before the N start (nothing else up) and with the N up
const crashRestarts = quick ? 10 : 40;
const crashFixture = path.join(benchDir, 'fixtures', 'crash-stamp.sh');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const MiB = 1024 * 1024;

/** PIDs of processes whose command line is exactly `sleep ARG` (ARG unique to this run). */
function sleepers(arg) {
  // `sleep ARG` as Sentinel starts it, `/usr/bin/sleep ARG` as PM2 does (it resolves the path): counting
  // only the first made PM2's run wait out its 600 s deadline and report nothing
  const wanted = new Set([`sleep\0${arg}\0`, `/usr/bin/sleep\0${arg}\0`, `/bin/sleep\0${arg}\0`]);
  const out = [];
  for (const e of readdirSync('/proc')) {
    const c = e.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    try {
      if (wanted.has(readFileSync(`/proc/${e}/cmdline`, 'latin1'))) out.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** The same N apps, in each supervisor's own file format. */
function writeFiles(dir, n, arg) {
  const yaml = ['processes:'];
  const apps = [];
  for (let i = 0; i < n; i++) {
    yaml.push(`  s${i}:`, `    argv: [sleep, "${arg}"]`);
    apps.push({ name: `s${i}`, script: 'sleep', args: arg, interpreter: 'none', autorestart: true });
  }
  const stack = path.join(dir, 'stack.yaml');
  writeFileSync(stack, `${yaml.join('\n')}\n`);
  const ecosystem = path.join(dir, 'ecosystem.config.js');
  writeFileSync(ecosystem, `module.exports = ${JSON.stringify({ apps }, null, 1)};\n`);
  return { stack, ecosystem };
}

async function measure(driver, n, dir) {
  // a unique argument: the count from /proc sees only this run's processes
  const arg = `${1000 + n}.${process.pid}${Math.floor(Math.random() * 1000)}`;
  const files = writeFiles(dir, n, arg);
  driver.open();
  try {
    const crashAlone = await crashOnOpenDriver(driver, { restarts: crashRestarts, fixture: crashFixture, dir, name: `crash-alone-${n}` });
    driver.remove(`crash-alone-${n}`);
    const command = driver.key === 'sentinel' ? driver.upCommand(files.stack) : driver.startFileCommand(files.ecosystem);
    const t0 = performance.now();
    const up = timeCommand(command);
    let running = sleepers(arg).length;
    const deadline = t0 + 600_000;
    while (running < n && performance.now() < deadline) {
      await sleep(20);
      running = sleepers(arg).length;
    }
    const allRunningMs = performance.now() - t0;
    if (running < n) throw new Error(`${driver.label}: only ${running} of ${n} running after 600 s`);
    trackPids(sleepers(arg));
    await sleep(2000);
    const pid = driver.daemonPid();
    const cpu0 = readCpuMs(pid);
    const w0 = performance.now();
    await sleep(idleMs);
    const idleCpuPct = ((readCpuMs(pid) - cpu0) / (performance.now() - w0)) * 100;
    await sleep(3000);
    const cpu1 = readCpuMs(pid);
    const w1 = performance.now();
    // the window in pieces of at most 30 s, each one's CPU kept to show how the idle work falls
    const pieces = [];
    for (let left = settledMsFor(n); left > 0; left -= 30_000) {
      const c = readCpuMs(pid);
      const w = performance.now();
      await sleep(Math.min(30_000, left));
      pieces.push(Number((((readCpuMs(pid) - c) / (performance.now() - w)) * 100).toFixed(3)));
    }
    const settledCpuPct = ((readCpuMs(pid) - cpu1) / (performance.now() - w1)) * 100;
    const rssBytes = readRssBytes(pid);
    const privBytes = privateBytes(pid);
    const privDirtyBytes = readPrivateDirtyBytes(pid);
    const list = timeRepeated(driver.listCommand(), { warmup: 1, runs: cliRuns }).medianMs;
    const listJson = timeRepeated(driver.listJsonCommand(), { warmup: 1, runs: cliRuns }).medianMs;
    // stops of distinct processes, each after a no-op round trip to the same daemon (`daemon status` /
    // `pm2 ping`): the stop's own cost is its wall minus that, the CLI's start-up and the socket left out
    const noopCommand = noopOf(driver);
    const stops = [];
    const noops = [];
    for (let i = 0; i < cliRuns; i++) {
      noops.push(timeCommand(noopCommand));
      stops.push(timeCommand(driver.stopCommand(`s${Math.floor(n / 2) + i}`)));
    }
    const stopMs = stops[0];
    const stopBeyondNoopMs = median(stops) - median(noops);
    const crashWithN = await crashOnOpenDriver(driver, { restarts: crashRestarts, fixture: crashFixture, dir, name: `crash-with-${n}` });
    return { crashAlone, crashWithN, upCliMs: up, allRunningMs, idleCpuPct, settledCpuPct, settledPieces: pieces, rssBytes, privBytes, privDirtyBytes, list, listJson, stopMs, stopBeyondNoopMs, stops, noops };
  } finally {
    await driver.close();
  }
}

/** The ms from t0 until all N `sleep ARG` show in /proc (null if not within 600 s); then they are killed. */
async function untilAllRun(arg, n, t0) {
  let running = sleepers(arg);
  const deadline = t0 + 600_000;
  while (running.length < n && performance.now() < deadline) {
    await sleep(20);
    running = sleepers(arg);
  }
  const ms = performance.now() - t0;
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  return running.length < n ? null : ms;
}

/**
 * The raw limit of a bulk start: one bash loop starting the same N `sleep`s in the background, timed the
 * same way (until all N show in /proc); what this machine's fork and exec cost without a supervisor.
 */
async function measureRaw(n) {
  const arg = `${1000 + n}.${process.pid}${Math.floor(Math.random() * 1000)}`;
  const t0 = performance.now();
  // the sleeps' output away from the pipes runCommand reads (it would wait for them to close)
  runCommand({ file: 'bash', args: ['-c', `for ((i = 0; i < ${n}; i++)); do sleep ${arg} </dev/null >/dev/null 2>&1 & done`], env: process.env });
  return untilAllRun(arg, n, t0);
}

/**
 * The floor below the bash loop: the same N `sleep`s from a C program doing nothing but posix_spawn from four
 * threads (bench/fixtures/spawn-floor.c, built with the system's cc into .bench/), timed the same way. Null
 * when there is no compiler.
 */
async function measureFloor(n) {
  mkdirSync(path.join(repo, '.bench'), { recursive: true });
  const exe = path.join(repo, '.bench', 'spawn-floor');
  const source = path.join(benchDir, 'fixtures', 'spawn-floor.c');
  try {
    runCommand({ file: 'cc', args: ['-O2', '-pthread', '-o', exe, source], env: process.env });
  } catch (err) {
    console.log(`no C floor: ${err.message.split('\n')[0]}`);
    return null;
  }
  const arg = `${2000 + n}.${process.pid}${Math.floor(Math.random() * 1000)}`;
  const t0 = performance.now();
  const sleepBin = ['/usr/bin/sleep', '/bin/sleep'].find((f) => existsSync(f)) ?? '/usr/bin/sleep';
  runCommand({ file: exe, args: [String(n), '4', sleepBin, arg], env: process.env });
  return untilAllRun(arg, n, t0);
}

/** A round trip to the daemon that does nothing: the CLI's start-up and connection without an operation's work. */
function noopOf(driver) {
  const base = driver.stopCommand('x');
  return { ...base, args: [base.args[0], ...(driver.key === 'sentinel' ? ['daemon', 'status'] : ['ping'])] };
}

function result(figure, unit, s, p, target, raw) {
  console.log(`BENCH_RESULT ${JSON.stringify({ figure, unit, sentinel: s ?? null, pm2: p ?? null, ...(target ? { target } : {}), ...(raw ?? {}) })}`);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'sentinel-bench-bulk-'));
try {
  const sentinel = createSentinelDriver({ repo });
  let pm2 = null;
  if (!['1', 'true', 'yes'].includes(String(process.env.BENCH_SKIP_PM2 ?? '').toLowerCase())) {
    const installed = installPm2(path.join(repo, '.bench', 'pm2'));
    if (installed.version) pm2 = createPm2Driver({ prefix: path.join(repo, '.bench', 'pm2') });
    else console.log(`PM2 unavailable: ${installed.reason}`);
  }
  for (const n of sizes) {
    const s = await measure(sentinel, n, dir);
    console.log(`Sentinel, ${n} from one file: ${JSON.stringify(s)}`);
    let p = null;
    if (pm2) {
      try {
        p = await measure(pm2, n, dir);
        console.log(`PM2, ${n} from one file: ${JSON.stringify(p)}`);
      } catch (err) {
        console.log(`PM2 at ${n}: ${err.message}`);
      }
    }
    const first = n <= 100;
    const rawMs = await measureRaw(n);
    console.log(`raw bash loop, ${n} sleeps in the background: ${rawMs === null ? 'not all seen' : `${rawMs.toFixed(0)} ms`}`);
    const floorMs = await measureFloor(n);
    console.log(`C floor, ${n} sleeps by posix_spawn from 4 threads: ${floorMs === null ? 'not measured' : `${floorMs.toFixed(0)} ms`}`);
    const floorText = floorMs === null ? '' : `; C posix_spawn from 4 threads: ${(floorMs / 1000).toFixed(2)} s`;
    result(`bulk start: ${n} processes from one file until all run (\`up -f\` / ecosystem file)`, 's', s.allRunningMs, p?.allRunningMs,
      first ? { text: '≤ 0.5× PM2', ratioMax: 0.5 } : { text: '≤ 3 s', max: 3000 }, rawMs === null ? null : { raw: rawMs, rawLabel: `bash loop of ${n} \`sleep &\`${floorText}` });
    result(`idle daemon CPU in the ${idleMs / 1000} s right after that start (one-time collections included), ${n} up`, 'pct', s.idleCpuPct, p?.idleCpuPct);
    result(`idle daemon CPU once settled (${(2000 + idleMs + 3000) / 1000} s to ${(2000 + idleMs + 3000 + settledMsFor(n)) / 1000} s after all run), ${n} up`, 'pct', s.settledCpuPct, p?.settledCpuPct, { text: first ? '≤ 0.1 %' : '≤ 0.2 %', max: first ? 0.1 : 0.2 });
    result(`daemon RSS, ${n} up`, 'mib', s.rssBytes, p?.rssBytes);
    result(`daemon private memory (smaps_rollup Private_*), ${n} up`, 'mib', s.privBytes, p?.privBytes, first ? { text: '≤ 0.7× PM2', ratioMax: 0.7 } : { text: '≤ 50 MiB', max: 50 * MiB });
    result(`daemon private dirty memory (smaps_rollup Private_Dirty: heaps and writes, without the clean pages of Node's binary), ${n} up`, 'mib', s.privDirtyBytes, p?.privDirtyBytes);
    result(`\`list\` with ${n} up (from one file)`, 'ms', s.list, p?.list, first ? undefined : { text: '≤ 250 ms', max: 250 });
    result(`\`list --json\` / \`pm2 jlist\` with ${n} up (from one file)`, 'ms', s.listJson, p?.listJson, first ? undefined : { text: '≤ 250 ms', max: 250 });
    result(`one \`stop\` of a process that ends on SIGTERM, ${n} up (CLI wall)`, 'ms', s.stopMs, p?.stopMs);
    result(`crash → running again p50 with ${n} up (${crashRestarts} restarts; raw: the same daemon before the ${n} started)`, 'ms', s.crashWithN.p50Ms, p?.crashWithN?.p50Ms,
      first ? undefined : { text: '≤ 1.25× with none up (unchanged)', rawRatioMax: 1.25 }, { raw: s.crashAlone.p50Ms, rawLabel: 'Sentinel, nothing else up' });
    result(`one \`stop\`, ${n} up, beyond a no-op round trip (median of ${cliRuns} stops − median of ${cliRuns} \`daemon status\` / \`pm2 ping\`)`, 'ms',
      s.stopBeyondNoopMs, p?.stopBeyondNoopMs, { text: '≤ 50 ms', max: 50 });
  }
} finally {
  killLeftovers();
  rmSync(dir, { recursive: true, force: true });
}
