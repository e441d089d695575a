// Crash -> running again: a fixture stamps its start and its exit; the gap from one exit to the next start is the latency.
import { readFileSync, existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { runCommand } from './cli-timing.js';
import { percentile, waitFor } from './stats.js';

function readStamps(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [kind, seconds] = line.split(' ');
      return { kind, ms: Number(seconds) * 1000 };
    });
}

function countStarts(file) {
  return readStamps(file).filter((s) => s.kind === 'start').length;
}

// Gaps between each exit stamp and the start stamp right after it.
export function computeGaps(stamps) {
  const gaps = [];
  for (let i = 0; i + 1 < stamps.length; i++) {
    if (stamps[i].kind === 'exit' && stamps[i + 1].kind === 'start') gaps.push(stamps[i + 1].ms - stamps[i].ms);
  }
  return gaps;
}

function summarize(gaps, wanted, note) {
  // The first restart is left out as a warm-up.
  const used = gaps.slice(1, wanted + 1);
  return { p50Ms: percentile(used, 50), p90Ms: percentile(used, 90), restarts: used.length, note };
}

export async function measureCrash(driver, { restarts, fixture, dir }) {
  try {
    driver.open();
    return await crashOnOpenDriver(driver, { restarts, fixture, dir, name: 'crash' });
  } finally {
    await driver.close();
  }
}

/**
 * The same on a daemon already open (and holding whatever else runs there): the fixture started as `name`
 * with restarts on, `restarts` restarts timed, then stopped and removed.
 */
export async function crashOnOpenDriver(driver, { restarts, fixture, dir, name }) {
  const stamps = join(dir, `${driver.key}-${name}.stamps`);
  let note;
  runCommand(driver.startCommand({ name, argv: ['bash', fixture, stamps], restart: true }));
  try {
    // 100 ms a run; a generous deadline leaves room for a supervisor that backs off.
    await waitFor(() => countStarts(stamps) >= restarts + 2, {
      timeoutMs: restarts * 1000 + 10_000,
      intervalMs: 50,
      what: `${restarts} restarts`,
    });
  } catch (error) {
    note = `${error.message}; got ${countStarts(stamps) - 1}`;
  }
  runCommand(driver.stopCommand(name), { allowFailure: true });
  return summarize(computeGaps(readStamps(stamps)), restarts, note);
}

// The raw limit: bash restarting the fixture in a loop.
export async function measureCrashBaseline({ restarts, fixture, dir }) {
  const stamps = join(dir, 'raw-crash.stamps');
  const loop = `for ((i = 0; i < ${restarts + 2}; i++)); do bash "$0" "$1"; done`;
  await new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', loop, fixture, stamps], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', resolve);
  });
  return summarize(computeGaps(readStamps(stamps)), restarts);
}
