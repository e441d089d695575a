// 200 MB of 100-byte lines on a managed process's stdout: time until all of it is in the log file, and daemon CPU meanwhile.
import { existsSync, readFileSync, statSync, openSync, closeSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { runCommand } from './cli-timing.js';
import { readCpuMs } from './proc.js';
import { median, nowMs, sleep, waitFor } from './stats.js';

const LINE_BYTES = 100;

function readStartStamp(file) {
  if (!existsSync(file)) return null;
  const match = /^start (\S+)/m.exec(readFileSync(file, 'utf8'));
  return match ? Number(match[1]) * 1000 : null;
}

function sizeOf(file) {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

// A log that has not grown for this long while short of its size has lost lines: stop waiting.
const STALL_MS = 3000;

// Polls the log's size every 2 ms; returns when it reached `bytes`, stalled, or hit the deadline.
async function watchLog({ log, stamps, bytes, timeoutMs, daemonPid }) {
  const startMs = await waitFor(() => readStartStamp(stamps), { timeoutMs: 10_000, intervalMs: 1, what: 'the flood to start' });
  const cpu0 = daemonPid ? readCpuMs(daemonPid) : 0;
  const t0 = nowMs();
  const deadline = t0 + timeoutMs;
  let size = sizeOf(log);
  let grewAt = t0;
  let doneMs = t0;
  while (size < bytes && nowMs() < deadline && nowMs() - grewAt < STALL_MS) {
    await sleep(2);
    const next = sizeOf(log);
    doneMs = nowMs();
    if (next !== size) grewAt = doneMs;
    size = next;
  }
  // When it stalled, the CPU window ends at the last growth.
  if (size < bytes) doneMs = grewAt;
  const daemonCpuPct = daemonPid ? ((readCpuMs(daemonPid) - cpu0) / (doneMs - t0)) * 100 : null;
  // Anything arriving later than this would be a duplicate: the final size must be exactly `bytes`.
  await sleep(300);
  return { elapsedMs: size >= bytes ? doneMs - startMs : null, daemonCpuPct, finalBytes: sizeOf(log) };
}

// The time is the median of the runs that got all their bytes on disk; the others are counted and named.
function summarize(runs, bytes) {
  const complete = runs.filter((r) => r.elapsedMs !== null);
  const wrongSize = runs.filter((r) => r.finalBytes !== bytes);
  return {
    elapsedMs: median(complete.map((r) => r.elapsedMs)),
    daemonCpuPct: runs[0]?.daemonCpuPct === null ? null : median(runs.map((r) => r.daemonCpuPct)),
    runs: runs.length,
    wrongSizeRuns: wrongSize.length,
    note: wrongSize.length
      ? `${wrongSize.length}/${runs.length} runs ended with a log of ${wrongSize.map((r) => r.finalBytes).join(', ')} bytes, not ${bytes}`
      : undefined,
  };
}

export async function measureFlood(driver, { reps, bytes, fixture, dir, timeoutMs }) {
  const lines = String(bytes / LINE_BYTES);
  const runs = [];
  try {
    driver.open();
    const daemonPid = driver.daemonPid();
    for (let rep = 0; rep < reps; rep++) {
      const name = `flood${rep}`;
      const stamps = join(dir, `${driver.key}-flood${rep}.stamps`);
      runCommand(driver.startCommand({ name, argv: ['bash', fixture, stamps, lines], restart: false, bigLogs: true }));
      const log = driver.stdoutLog(name);
      runs.push(await watchLog({ log, stamps, bytes, timeoutMs, daemonPid }));
      driver.remove(name);
      rmSync(log, { force: true });
    }
  } finally {
    await driver.close();
  }
  return summarize(runs, bytes);
}

// The raw limit: the shell redirects the fixture's stdout straight into the file.
export async function measureFloodBaseline({ reps, bytes, fixture, dir, timeoutMs }) {
  const runs = [];
  for (let rep = 0; rep < reps; rep++) {
    const log = join(dir, `raw-flood${rep}.log`);
    const stamps = join(dir, `raw-flood${rep}.stamps`);
    const fd = openSync(log, 'w');
    const child = spawn('bash', [fixture, stamps, String(bytes / LINE_BYTES)], { stdio: ['ignore', fd, 'ignore'] });
    closeSync(fd);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    runs.push(await watchLog({ log, stamps, bytes, timeoutMs, daemonPid: null }));
    await exited;
    rmSync(log, { force: true });
  }
  return summarize(runs, bytes);
}
