// Turns the measurements into rows (figure, Sentinel, PM2, ratio, target) and prints them as a Markdown table.

const MiB = 1024 * 1024;

const formats = {
  ms: (v) => `${v < 10 ? v.toFixed(2) : v.toFixed(0)} ms`,
  s: (v) => `${(v / 1000).toFixed(2)} s`,
  mib: (v) => `${(v / MiB).toFixed(1)} MiB`,
  pct: (v) => `${v.toFixed(2)} %`,
  count: (v) => String(v),
  // requests per second: higher is better, so a ratio above 1 favours Sentinel
  rps: (v) => `${Math.round(v)} req/s`,
};

// A row: { figure, unit, sentinel, pm2, raw, target: { text, max } }; values are numbers, null (not measured) or an Error text.
export function formatValue(row, value) {
  if (value === undefined || value === null) return row.missing ?? 'n/a';
  if (typeof value === 'string') return value;
  return formats[row.unit](value);
}

function formatRatio(row) {
  if (row.unit === 'count' || typeof row.sentinel !== 'number' || typeof row.pm2 !== 'number') return '—';
  if (row.pm2 === 0) return '—';
  return `${(row.sentinel / row.pm2).toFixed(2)}×`;
}

// A target is an absolute bound ({max}), a bound relative to PM2 in the same run ({ratioMax}), or one relative
// to the row's raw figure ({rawRatioMax}: e.g. the same daemon's figure with nothing else up).
function meets(row) {
  if (!row.target || typeof row.sentinel !== 'number') return null;
  if (row.target.ratioMax !== undefined) return typeof row.pm2 === 'number' ? row.sentinel <= row.target.ratioMax * row.pm2 : null;
  if (row.target.rawRatioMax !== undefined) return typeof row.raw === 'number' ? row.sentinel <= row.target.rawRatioMax * row.raw : null;
  return row.sentinel <= row.target.max;
}

function formatTarget(row) {
  if (!row.target) return '—';
  const ok = meets(row);
  return ok === null ? row.target.text : `${row.target.text} ${ok ? '✓' : '✗'}`;
}

export function renderTable(rows, { showRaw }) {
  const head = ['figure', 'Sentinel', 'PM2', 'ratio', 'target'];
  if (showRaw) head.push('raw limit');
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const row of rows) {
    const withRemark = (key) => `${formatValue(row, row[key])}${row.remarks?.[key] ? ` (${row.remarks[key]})` : ''}`;
    const cells = [row.figure, withRemark('sentinel'), withRemark('pm2'), formatRatio(row), formatTarget(row)];
    if (showRaw) cells.push(row.raw === undefined ? '—' : `${formatValue(row, row.raw)}${row.rawLabel ? ` (${row.rawLabel})` : ''}`);
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

export function rowsToJson(rows) {
  return rows.map((row) => ({
    figure: row.figure,
    unit: row.unit,
    sentinel: row.sentinel ?? null,
    pm2: row.pm2 ?? null,
    ratio: typeof row.sentinel === 'number' && typeof row.pm2 === 'number' && row.pm2 !== 0 ? row.sentinel / row.pm2 : null,
    raw: row.raw ?? null,
    remarks: row.remarks,
    target: row.target ?? null,
    meetsTarget: meets(row),
  }));
}
