// `npm run bench`: Sentinel and PM2 on the same workloads in one run, a Markdown table of both with their ratio and
// the core issue's targets, and .bench/results.json. Progress goes to stderr, the table to stdout.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readOptions } from './lib/options.js';
import { timeRepeated, timingTool } from './lib/cli-timing.js';
import { createSentinelDriver } from './lib/sentinel-driver.js';
import { createPm2Driver, installPm2 } from './lib/pm2-driver.js';
import { measureFleet } from './lib/workload-fleet.js';
import { measureCrash, measureCrashBaseline } from './lib/workload-crash.js';
import { measureFlood, measureFloodBaseline } from './lib/workload-flood.js';
import { measureStop } from './lib/workload-stop.js';
import { killLeftovers } from './lib/leftovers.js';
import { buildRows } from './lib/build-rows.js';
import { renderTable, rowsToJson } from './lib/report.js';
import { EXPECTED_EXTRAS, findExtras, runExtra } from './lib/extras.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repo = dirname(benchDir);
const fixtures = join(benchDir, 'fixtures');
const options = readOptionsOrExit();
const startedAt = Date.now();

function readOptionsOrExit() {
  try {
    return readOptions();
  } catch (error) {
    process.stderr.write(`bench: ${error.message}\n`);
    process.exit(2);
  }
}

function say(message) {
  process.stderr.write(`[bench ${((Date.now() - startedAt) / 1000).toFixed(0).padStart(3)} s] ${message}\n`);
}

function findSupervisord() {
  try {
    const path = execFileSync('sh', ['-c', 'command -v supervisord'], { encoding: 'utf8' }).trim();
    return path ? 'installed, not driven by this bench yet' : 'not installed';
  } catch {
    return 'not installed';
  }
}

// A failed workload is recorded and the bench goes on with the next one.
async function attempt(label, work) {
  const t0 = Date.now();
  try {
    const result = await work();
    say(`${label}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return result;
  } catch (error) {
    say(`${label}: FAILED: ${error.message}`);
    return { error: error.message };
  }
}

async function measureSupervisor(driver, dir) {
  const stop = (key, fixture, pids) => ({ kind: { key, fixture: join(fixtures, fixture), pids }, reps: options.stopReps, stopTimeoutMs: options.stopTimeoutMs, dir });
  return {
    fleet: await attempt(`${driver.label} fleet ${options.sizes.join('+')}`, () => measureFleet(driver, options)),
    crash: await attempt(`${driver.label} crash loop`, () =>
      measureCrash(driver, { restarts: options.crashRestarts, fixture: join(fixtures, 'crash-stamp.sh'), dir })),
    flood: await attempt(`${driver.label} stdout flood`, () =>
      measureFlood(driver, { reps: options.floodReps, bytes: options.floodBytes, fixture: join(fixtures, 'flood.sh'), dir, timeoutMs: options.floodTimeoutMs })),
    stopIgnorer: await attempt(`${driver.label} stop TERM-ignorer`, () => measureStop(driver, stop('ignorer', 'term-ignorer.sh', 2))),
    stopTree: await attempt(`${driver.label} stop tree`, () => measureStop(driver, stop('tree', 'tree.sh', 3))),
  };
}

async function measureRaw(dir) {
  return {
    nodeStartMs: timeRepeated({ file: process.execPath, args: ['-e', '0'], env: process.env }, { warmup: 2, runs: options.cliRuns }).medianMs,
    crash: await attempt('raw bash loop', () => measureCrashBaseline({ restarts: options.crashRestarts, fixture: join(fixtures, 'crash-stamp.sh'), dir })),
    flood: await attempt('raw cmd > file', () =>
      measureFloodBaseline({ reps: options.floodReps, bytes: options.floodBytes, fixture: join(fixtures, 'flood.sh'), dir, timeoutMs: options.floodTimeoutMs })),
  };
}

async function runExtras() {
  const present = findExtras(benchDir);
  const notes = EXPECTED_EXTRAS.filter((e) => !present.includes(e.file)).map((e) => `bench/${e.file} (${e.about}): not present, skipped`);
  const rows = [];
  for (const file of present) {
    // a workload that needs longer than BENCH_EXTRA_TIMEOUT says so in EXPECTED_EXTRAS
    const timeoutMs = Math.max(options.extraTimeoutMs, (EXPECTED_EXTRAS.find((e) => e.file === file)?.timeoutSec ?? 0) * 1000);
    say(`extra bench/${file}: running (time limit ${timeoutMs / 1000} s)`);
    const outcome = await runExtra(benchDir, file, { timeoutMs, env: process.env });
    say(`extra bench/${file}: ${outcome.status}`);
    if (outcome.status !== 'ok') notes.push(`bench/${file}: ${outcome.status}`);
    rows.push(...outcome.rows);
  }
  return { rows, notes };
}

async function main() {
  if (!existsSync(join(repo, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm run bench does)');
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-bench-'));
  const sentinel = createSentinelDriver({ repo });
  const pm2Prefix = join(repo, '.bench', 'pm2');
  let pm2 = null;
  let pm2Version = null;
  const notes = [];
  const cleanUp = async () => {
    for (const driver of [sentinel, pm2]) await driver?.close().catch((e) => notes.push(`closing ${driver.label}: ${e.message}`));
    const killed = killLeftovers();
    if (killed) notes.push(`${killed} leftover process(es) killed by PID at the end`);
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => cleanUp().finally(() => process.exit(130)));
  const loadBefore = loadavg();
  const results = { sentinel: null, pm2: null, raw: null };
  try {
    if (options.skipPm2) {
      notes.push('PM2 skipped (BENCH_SKIP_PM2=1)');
    } else {
      say('installing PM2 7 into .bench/pm2 (not a project dependency: AGPL)');
      const installed = installPm2(pm2Prefix);
      pm2Version = installed.version;
      if (pm2Version) pm2 = createPm2Driver({ prefix: pm2Prefix });
      else notes.push(`PM2 unavailable: ${installed.reason}`);
    }
    say(`timing CLI calls with: ${timingTool()}; fleet ${options.sizes.join(' + ')}${options.quick ? ' (BENCH_QUICK)' : ''}`);
    results.raw = await measureRaw(dir);
    results.sentinel = await measureSupervisor(sentinel, dir);
    if (pm2) results.pm2 = await measureSupervisor(pm2, dir);
  } finally {
    await cleanUp();
  }
  const extras = options.skipExtras ? { rows: [], notes: ['extra benchmarks skipped (BENCH_SKIP_EXTRAS=1)'] } : await runExtras();
  const rows = [...buildRows(results, options), ...extras.rows];
  const loadAfter = loadavg();
  for (const driver of [sentinel, pm2]) for (const problem of driver?.problems ?? []) notes.push(`${driver.label}: ${problem}`);
  for (const key of ['sentinel', 'pm2']) {
    for (const [workload, result] of Object.entries(results[key] ?? {})) {
      if (result?.error) notes.push(`${key} ${workload} failed: ${result.error}`);
      if (result?.note) notes.push(`${key} ${workload}: ${result.note}`);
    }
  }
  for (const workload of ['crash', 'flood']) if (results.raw?.[workload]?.note) notes.push(`raw ${workload}: ${results.raw[workload].note}`);
  notes.push(...extras.notes, `supervisord: ${findSupervisord()}`);
  const machine = `${cpus().length} CPUs, load ${loadBefore[0].toFixed(1)} before / ${loadAfter[0].toFixed(1)} after, Node ${process.version}`;

  process.stdout.write(`\n## Sentinel vs PM2 ${pm2Version ?? '(not run)'} — ${machine}\n\n`);
  process.stdout.write(`${renderTable(rows, { showRaw: true })}\n\n`);
  process.stdout.write('ratio = Sentinel / PM2 (below 1 is better for Sentinel); ✓/✗ compares Sentinel with the target.\n');
  if (loadBefore[0] > cpus().length * 0.75) process.stdout.write('The machine was busy when the bench started: the figures may be noisy.\n');
  for (const note of notes) process.stdout.write(`- ${note}\n`);

  mkdirSync(join(repo, '.bench'), { recursive: true });
  const json = { when: new Date().toISOString(), machine, options, pm2Version, timing: timingTool(), rows: rowsToJson(rows), results, notes };
  writeFileSync(join(repo, '.bench', 'results.json'), `${JSON.stringify(json, null, 2)}\n`);
  say(`results written to .bench/results.json (${((Date.now() - startedAt) / 1000).toFixed(0)} s in all)`);
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
  process.exitCode = 1;
});
