// Starting a fleet of `sleep 1000` processes one CLI call at a time, then the daemon's cost with them up.
import { timeCommand, timeRepeated } from './cli-timing.js';
import { readRssBytes, readCpuMs } from './proc.js';
import { median, sum, sleep, nowMs } from './stats.js';
import { trackPids } from './leftovers.js';

// The first starts warm the daemon up; "one run" is the median of the next `oneRunSamples`.
const WARMUP_STARTS = 2;

async function measureIdleCpu(pid, windowMs) {
  const cpu0 = readCpuMs(pid);
  const t0 = nowMs();
  await sleep(windowMs);
  const cpuMs = readCpuMs(pid) - cpu0;
  return (cpuMs / (nowMs() - t0)) * 100;
}

// sizes: ascending fleet sizes, e.g. [100] or [100, 500]; each larger size starts only the missing ones.
export async function measureFleet(driver, { sizes, oneRunSamples, idleMs, settleMs, cliRuns }) {
  const startMs = [];
  const bySize = {};
  try {
    driver.open();
    for (const size of sizes) {
      while (startMs.length < size) {
        const spec = { name: `s${startMs.length}`, argv: ['sleep', '1000'] };
        startMs.push(timeCommand(driver.startCommand(spec)));
      }
      const pids = driver.listPids();
      trackPids(pids);
      await sleep(settleMs);
      const daemonPid = driver.daemonPid();
      const rssBytes = readRssBytes(daemonPid);
      const idleCpuPct = await measureIdleCpu(daemonPid, idleMs);
      const list = timeRepeated(driver.listCommand(), { warmup: 1, runs: cliRuns });
      const listJson = timeRepeated(driver.listJsonCommand(), { warmup: 1, runs: cliRuns });
      const status = timeRepeated(driver.statusCommand(`s${Math.floor(size / 2)}`), { warmup: 1, runs: cliRuns });
      bySize[size] = {
        running: pids.length,
        startTotalMs: sum(startMs),
        rssBytes,
        idleCpuPct,
        idleWindowMs: idleMs,
        listMs: list.medianMs,
        listJsonMs: listJson.medianMs,
        statusMs: status.medianMs,
      };
    }
  } finally {
    await driver.close();
  }
  const oneRun = startMs.slice(WARMUP_STARTS, WARMUP_STARTS + oneRunSamples);
  return { oneRunMs: median(oneRun), oneRunSamples: oneRun.length, bySize };
}
