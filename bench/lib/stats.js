// Small statistics and waiting helpers shared by the workloads.

export function median(values) {
  return percentile(values, 50);
}

// Nearest-rank percentile: no interpolation, so the figure is always a real sample.
export function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function sum(values) {
  return values.reduce((a, b) => a + b, 0);
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Wall clock in milliseconds with sub-millisecond precision, comparable with bash's $EPOCHREALTIME.
export function nowMs() {
  return performance.timeOrigin + performance.now();
}

// Polls `check` every `intervalMs` until it returns a truthy value or the deadline passes.
export async function waitFor(check, { timeoutMs, intervalMs = 5, what }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
