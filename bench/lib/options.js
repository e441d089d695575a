// Bench settings from the environment: BENCH_QUICK=1 (fewer samples, a smaller fleet), BENCH_LARGE=1 (also 500
// processes), BENCH_FLEET=N (fleet size), BENCH_SKIP_PM2=1, BENCH_SKIP_EXTRAS=1, BENCH_EXTRA_TIMEOUT=seconds.

function flag(name) {
  return ['1', 'true', 'yes'].includes(String(process.env[name] ?? '').toLowerCase());
}

function positiveInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive whole number, got "${raw}" (for example ${name}=${fallback})`);
  }
  return value;
}

export function readOptions() {
  const quick = flag('BENCH_QUICK');
  const fleet = positiveInt('BENCH_FLEET', quick ? 30 : 100);
  const sizes = flag('BENCH_LARGE') ? [fleet, Math.max(fleet, 500)] : [fleet];
  return {
    quick,
    sizes: [...new Set(sizes)],
    oneRunSamples: quick ? 10 : 20,
    idleMs: quick ? 3000 : 10_000,
    settleMs: quick ? 1000 : 2000,
    cliRuns: quick ? 5 : 10,
    crashRestarts: quick ? 10 : 30,
    floodBytes: 200_000_000,
    floodReps: quick ? 1 : 3,
    floodTimeoutMs: 60_000,
    stopReps: quick ? 1 : 3,
    stopTimeoutMs: 2000,
    skipPm2: flag('BENCH_SKIP_PM2'),
    skipExtras: flag('BENCH_SKIP_EXTRAS'),
    extraTimeoutMs: positiveInt('BENCH_EXTRA_TIMEOUT', 120) * 1000,
  };
}
