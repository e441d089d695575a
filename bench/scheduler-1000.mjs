// Benchmark: 1000 schedules loaded into a real scheduler (real clock, real SQLite file, no-op runner);
// reports load and restart time, idle CPU over 10 s, and memory. Run `npm run build` first.
// Usage: node bench/scheduler-1000.mjs [--count 1000] [--seconds 10]
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const entry = join(root, 'dist', 'scheduler', 'index.js');
if (!existsSync(entry)) {
  console.error(`bench: ${entry} is missing; build first with "npm run build"`);
  process.exit(1);
}

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const COUNT = arg('count', 1000);
const SECONDS = arg('seconds', 10);

const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const { openDb } = await import(join(root, 'dist', 'store', 'db.js'));
const { createScheduler, createSchedulerRepo, realClock } = await import(entry);

const seeding = process.argv.includes('--seed');
const dir = seeding ? '' : mkdtempSync(join(tmpdir(), 'sentinel-bench-sched-'));
const file = join(dir, 'state.db');
let runs = 0;
const runner = { run: async () => (runs++, { exitCode: 0, signal: null, durationMs: 0, timedOut: false }) };

function open() {
  return openDb(file);
}

/** A mix of what people schedule: daily and hourly crons in zones, weekly ones, long intervals, one-time runs. */
function input(i, now) {
  const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo'];
  const kind = i % 5;
  const trigger =
    kind === 0 ? { cron: `${i % 60} ${i % 24} * * *`, tz: zones[i % 4] }
    : kind === 1 ? { cron: `${i % 60} * * * *`, tz: zones[i % 4] }
    : kind === 2 ? { cron: `0 ${i % 24} * * ${i % 7}` }
    : kind === 3 ? { everyMs: 3_600_000 + i * 1000 }
    : { at: now + 86_400_000 + i * 60_000 };
  return { name: `job-${i}`, trigger, command: 'true', cwd: dir || process.cwd(), retries: i % 3, overlap: ['skip', 'queue', 'allow'][i % 3] };
}

// Seeding (validate + insert + arm COUNT schedules) runs in a child process, so the figures below are
// those of a daemon that starts with COUNT schedules stored, without the seeding's garbage.
const seedArg = process.argv.indexOf('--seed');
if (seedArg > 0) {
  const seedFile = process.argv[seedArg + 1];
  const db = openDb(seedFile);
  const s = createScheduler({ clock: realClock, repo: createSchedulerRepo(db), runner });
  s.start();
  const t = performance.now();
  const now = Date.now();
  for (let i = 0; i < COUNT; i++) s.add(input(i, now));
  const addMs = performance.now() - t;
  await s.stop();
  db.close();
  console.log(JSON.stringify({ addMs, rss: process.memoryUsage().rss }));
  process.exit(0);
}

const { execFileSync } = await import('node:child_process');
const seed = JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--seed', file, '--count', String(COUNT)], { encoding: 'utf8' }));
const addMs = seed.addMs;

const rssBefore = process.memoryUsage().rss;
const db = open();
const t = performance.now();
const scheduler = createScheduler({ clock: realClock, repo: createSchedulerRepo(db), runner });
scheduler.start();
const startMs = performance.now() - t;
const loaded = scheduler.list().length;
const firstDue = Math.min(...scheduler.list().map((s) => s.nextRunAt ?? Infinity));

global.gc?.();
await sleep(1000);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await sleep(SECONDS * 1000);
const cpu = process.cpuUsage(cpu0);
const wallMs = performance.now() - t0;
const mem = process.memoryUsage();

console.log(`schedules loaded:          ${loaded}`);
console.log(`add ${COUNT} (validate+insert+arm): ${addMs.toFixed(0)} ms (seeding process RSS ${mib(seed.rss)})`);
console.log(`daemon start (load+arm ${loaded}): ${startMs.toFixed(0)} ms`);
console.log(`first due in:              ${((firstDue - Date.now()) / 1000).toFixed(0)} s; runs during idle window: ${runs}`);
console.log(`idle CPU over ${SECONDS} s:       ${(((cpu.user + cpu.system) / 1000 / wallMs) * 100).toFixed(3)} % of one core (user ${(cpu.user / 1000).toFixed(1)} ms, system ${(cpu.system / 1000).toFixed(1)} ms)`);
console.log(`RSS:                       ${mib(mem.rss)} (before loading: ${mib(rssBefore)}, node + better-sqlite3 + croner); heap used ${mib(mem.heapUsed)} of ${mib(mem.heapTotal)}, external ${mib(mem.external)}`);

await scheduler.stop();
db.close();
rmSync(dir, { recursive: true, force: true });
