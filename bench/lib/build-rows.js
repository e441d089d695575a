// The figures of the core issue's benchmark, in its order, with its targets.

const MiB = 1024 * 1024;

// One supervisor's figure: a number, "failed" when its workload threw, or null when it was not measured.
function pick(workloads, workload, read) {
  const result = workloads?.[workload];
  if (!result) return null;
  if (result.error) return 'failed';
  return read(result) ?? null;
}

// extra.remark(result) may return a short text shown after a supervisor's figure (e.g. lost lines).
function row(results, figure, unit, workload, read, extra = {}) {
  const { remark, ...rest } = extra || {};
  const remarkOf = (key) => {
    const result = results[key]?.[workload];
    return remark && result && !result.error ? remark(result) : undefined;
  };
  return {
    figure,
    unit,
    sentinel: pick(results.sentinel, workload, read),
    pm2: pick(results.pm2, workload, read),
    remarks: { sentinel: remarkOf('sentinel'), pm2: remarkOf('pm2') },
    ...rest,
  };
}

// Only the first fleet size carries the targets (they are set for 100 processes).
function fleetRows(results, size, first) {
  const at = (fleet) => fleet.bySize?.[size];
  const nodeStart = { raw: results.raw.nodeStartMs, rawLabel: '`node -e 0`' };
  return [
    row(results, `start ${size} \`sleep\` processes, one CLI call each (total wall)`, 's', 'fleet', (f) => at(f)?.startTotalMs),
    row(results, `\`list\` with ${size} up (CLI wall)`, 'ms', 'fleet', (f) => at(f)?.listMs, {
      ...nodeStart,
      ...(first && { target: { text: '≤ 100 ms', max: 100 } }),
    }),
    row(results, `\`list --json\` / \`pm2 jlist\` with ${size} up (CLI wall)`, 'ms', 'fleet', (f) => at(f)?.listJsonMs, nodeStart),
    row(results, `\`status NAME\` with ${size} up (CLI wall)`, 'ms', 'fleet', (f) => at(f)?.statusMs, nodeStart),
    row(results, `daemon RSS with ${size} up`, 'mib', 'fleet', (f) => at(f)?.rssBytes, first && {
      target: { text: '≤ 40 MiB', max: 40 * MiB },
    }),
    row(results, `idle daemon CPU with ${size} up`, 'pct', 'fleet', (f) => at(f)?.idleCpuPct, first && {
      target: { text: '≤ 0.1 %', max: 0.1 },
    }),
  ];
}

export function buildRows(results, { sizes, stopTimeoutMs, floodBytes }) {
  const raw = results.raw;
  const mb = Math.round(floodBytes / 1e6);
  const rows = [
    row(results, 'one `run` with the start-up wait off (CLI wall, median)', 'ms', 'fleet', (f) => f.oneRunMs, {
      raw: raw.nodeStartMs, rawLabel: '`node -e 0`', target: { text: '≤ 90 ms', max: 90 },
    }),
  ];
  sizes.forEach((size, i) => rows.push(...fleetRows(results, size, i === 0)));
  rows.push(
    row(results, 'crash → running again, p50', 'ms', 'crash', (c) => c.p50Ms, {
      raw: raw.crash?.p50Ms, rawLabel: 'bash loop', target: { text: '≤ 5 ms', max: 5 },
    }),
    row(results, 'crash → running again, p90', 'ms', 'crash', (c) => c.p90Ms, { raw: raw.crash?.p90Ms, rawLabel: 'bash loop' }),
    row(results, `${mb} MB of 100-byte lines on stdout, all in the log file`, 's', 'flood', (f) => f.elapsedMs ?? 'never complete', {
      raw: raw.flood?.elapsedMs, rawLabel: '`cmd > file`', target: { text: '≤ 0.35 s', max: 350 },
      remark: (f) => (f.wrongSizeRuns ? `lost lines in ${f.wrongSizeRuns} of ${f.runs} runs` : undefined),
    }),
    row(results, `daemon CPU while logging ${mb} MB`, 'pct', 'flood', (f) => f.daemonCpuPct, {
      target: { text: '≤ 50 %', max: 50 },
    }),
    row(results, `stop of a TERM-ignorer: wall − ${stopTimeoutMs / 1000} s timeout`, 'ms', 'stopIgnorer', (s) => s.overTimeoutMs, {
      target: { text: '≤ 200 ms', max: 200 },
    }),
    row(results, 'orphans left after stopping the TERM-ignorer', 'count', 'stopIgnorer', (s) => s.orphans, {
      target: { text: '0', max: 0 },
    }),
    row(results, 'stop of a process with grandchildren (CLI wall)', 'ms', 'stopTree', (s) => s.wallMs),
    row(results, 'orphans left after stopping the tree', 'count', 'stopTree', (s) => s.orphans, {
      target: { text: '0', max: 0 },
    }),
  );
  return rows;
}
