// Stopping a process tree: wall time of the stop command and how many of the fixture's PIDs outlive it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand, timeCommand } from './cli-timing.js';
import { isGone } from './proc.js';
import { median, waitFor } from './stats.js';
import { trackPids } from './leftovers.js';

function readPids(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
}

// kind: { key, fixture, pids (how many the fixture writes) }; the same stop signal (SIGTERM) and timeout for everyone.
export async function measureStop(driver, { kind, reps, stopTimeoutMs, dir }) {
  const runs = [];
  try {
    driver.open();
    for (let rep = 0; rep < reps; rep++) {
      const name = `${kind.key}${rep}`;
      const pidFile = join(dir, `${driver.key}-${name}.pids`);
      const spec = { name, argv: ['bash', kind.fixture, pidFile], restart: false, stopTimeoutMs, stopSignal: 'SIGTERM' };
      runCommand(driver.startCommand(spec));
      const pids = await waitFor(() => readPids(pidFile).length >= kind.pids && readPids(pidFile), {
        timeoutMs: 10_000,
        what: `${kind.key} to write its pids`,
      });
      trackPids(pids);
      const wallMs = timeCommand(driver.stopCommand(name));
      // Give a dying process a moment (reaping here can be slow); zombies count as gone.
      await waitFor(() => pids.every(isGone), { timeoutMs: 1000, what: 'the tree to go' }).catch(() => {});
      runs.push({ wallMs, orphans: pids.filter((pid) => !isGone(pid)).length });
    }
  } finally {
    await driver.close();
  }
  return {
    wallMs: median(runs.map((r) => r.wallMs)),
    overTimeoutMs: median(runs.map((r) => r.wallMs)) - stopTimeoutMs,
    orphans: Math.max(...runs.map((r) => r.orphans)),
    runs: runs.length,
  };
}
