// Every PID the bench sees is remembered, so anything a supervisor left behind is killed at the end (by PID).
import { killIfOurs } from './proc.js';

// A PID is only killed if its command line still names one of our workloads (never a recycled PID).
const MARKERS = ['sleep 1000', 'sentinel-bench-', 'bench/fixtures/'];
const tracked = new Set();

export function trackPids(pids) {
  for (const pid of pids) if (Number.isInteger(pid) && pid > 0) tracked.add(pid);
}

// Returns how many leftovers had to be killed.
export function killLeftovers() {
  let killed = 0;
  for (const pid of tracked) if (killIfOurs(pid, MARKERS)) killed++;
  tracked.clear();
  return killed;
}
