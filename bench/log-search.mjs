// Log search speed: 1 GB of log lines (200 MB with BENCH_QUICK=1) laid out as one stream's live and rotated
// files, searched by Sentinel's search (dist/logs/search.js, the engine behind `logs --grep`) and by
// `grep -E` over the same files in the same run; then the same with the rotated files gzipped, against
// `gzip -dc | grep -E`. Both sides print every matching line; the hit counts must agree.
// Needs a build first (`npm run build`). Usage: node bench/log-search.mjs [MB]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'logs');
const { searchLogs } = await import(path.join(dist, 'search.js'));

const quick = process.env.BENCH_QUICK === '1';
const totalMb = Number(process.argv[2] ?? (quick ? 200 : 1000));
const gzMb = Math.min(totalMb, quick ? 100 : 200);
const FILES = 10;
const LEVELS = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN'];
const PATTERNS = [
  { label: 'literal', pattern: 'connection refused' },
  { label: 'regex', pattern: '(ERROR|FATAL) .*timeout after [0-9]+ms' },
  // no single required literal: the prefilter scans for either one
  { label: 'alternation', pattern: 'ERROR|FATAL' },
];

/** ~1 MB of varied lines; about 1 line in 20,000 matches each pattern. */
function makeBlock(seed) {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  let text = '';
  let n = 0;
  while (text.length < 1_000_000) {
    n++;
    const r = rnd();
    const t = `2026-11-30T12:${String(n % 60).padStart(2, '0')}:${String((n * 7) % 60).padStart(2, '0')}.${String(n % 1000).padStart(3, '0')}Z`;
    if (r < 0.00005) text += `${t} ERROR upstream request ${n} failed: timeout after ${Math.floor(rnd() * 5000)}ms\n`;
    else if (r < 0.0001) text += `${t} WARN db pool: connection refused by 10.0.0.${n % 255}, retrying\n`;
    else text += `${t} ${LEVELS[n % LEVELS.length]} handled GET /api/items/${Math.floor(rnd() * 1e6)} in ${Math.floor(rnd() * 900)}ms user=${Math.floor(rnd() * 1e5)} ok\n`;
  }
  return Buffer.from(text);
}

/** One stream of `mb` MB: NAME.stdout.log.9 … .1 and the live file; with gz, .2 and older are gzipped. */
function layStream(dir, mb, gz) {
  const file = path.join(dir, 'bench.stdout.log');
  const blocks = Array.from({ length: 8 }, (_, i) => makeBlock(i + 1));
  const perFile = Math.max(1, Math.round(mb / FILES));
  const files = [];
  let bytes = 0;
  for (let f = FILES - 1; f >= 0; f--) {
    const target = f === 0 ? file : `${file}.${f}`;
    const parts = Array.from({ length: perFile }, (_, k) => blocks[(f * perFile + k) % blocks.length]);
    bytes += parts.reduce((n, p) => n + p.length, 0);
    if (gz && f >= 2) {
      fs.writeFileSync(`${target}.gz`, zlib.gzipSync(Buffer.concat(parts), { level: 1 }));
      files.push(`${target}.gz`);
    } else {
      const fd = fs.openSync(target, 'w');
      for (const p of parts) fs.writeSync(fd, p);
      fs.closeSync(fd);
      files.push(target);
    }
  }
  return { files, bytes }; // files oldest first
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timeSentinel(dir, pattern) {
  const t0 = process.hrtime.bigint();
  let hits = 0;
  let cursor;
  do {
    const page = await searchLogs(dir, [{ key: 'bench', name: 'bench' }], { pattern, limit: 10_000, cursor, budgetMs: 600_000 });
    hits += page.hits.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, hits };
}

function timeShell(command, outFile) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/bin/sh', ['-c', `${command} > '${outFile}'`], { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${command}: exit ${r.status}: ${r.stderr}`);
  const hits = fs.readFileSync(outFile, 'utf8').split('\n').filter(Boolean).length;
  return { ms, hits };
}

const quote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

async function measure(label, mb, gz, runs) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sn-bench-search-'));
  try {
    const { files, bytes } = layStream(dir, mb, gz);
    const out = path.join(dir, 'grep.out');
    const rows = [];
    for (const { label: kind, pattern } of PATTERNS) {
      const grepCmd = gz
        ? `{ gzip -dc ${files.filter((f) => f.endsWith('.gz')).map(quote).join(' ')}; cat ${files.filter((f) => !f.endsWith('.gz')).map(quote).join(' ')}; } | grep -E ${quote(pattern)}`
        : `grep -E -h ${quote(pattern)} ${files.map(quote).join(' ')}`;
      const s = [];
      const g = [];
      for (let i = 0; i < runs; i++) {
        s.push(await timeSentinel(dir, pattern));
        g.push(timeShell(grepCmd, out));
      }
      if (s[0].hits !== g[0].hits) throw new Error(`${label} ${kind}: Sentinel found ${s[0].hits} lines, grep -E ${g[0].hits}`);
      const sMs = median(s.map((r) => r.ms));
      const gMs = median(g.map((r) => r.ms));
      const mbps = (bytes / 1e6) / (sMs / 1000);
      console.log(`  ${label}, ${kind} /${pattern}/: Sentinel ${(sMs / 1000).toFixed(2)} s (${mbps.toFixed(0)} MB/s), ${gz ? 'gzip -dc | grep -E' : 'grep -E'} ${(gMs / 1000).toFixed(2)} s, ratio ${(sMs / gMs).toFixed(2)}; ${s[0].hits} hits on both sides`);
      rows.push({ kind, pattern, sentinelMs: Math.round(sMs), grepMs: Math.round(gMs), ratio: Number((sMs / gMs).toFixed(2)), hits: s[0].hits, bytes });
    }
    return rows;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const runs = quick ? 1 : 3;
const locale = process.env.LC_ALL || process.env.LANG || 'C (unset)';
console.log(`log search, median of ${runs}, locale ${locale}:`);
const plain = await measure(`${totalMb} MB in 10 plain files`, totalMb, false, runs);
const gzipped = await measure(`${gzMb} MB, 8 of 10 files gzipped`, gzMb, true, runs);
for (const r of plain) {
  console.log(`BENCH_RESULT ${JSON.stringify({ figure: `search ${totalMb} MB of logs, ${r.kind} (grep -E on the same files: ${(r.grepMs / 1000).toFixed(2)} s)`, unit: 's', sentinel: r.sentinelMs, pm2: null, target: { text: '≤ 3× grep -E', max: 3 * r.grepMs } })}`);
}
for (const r of gzipped) {
  console.log(`BENCH_RESULT ${JSON.stringify({ figure: `search ${gzMb} MB of logs, mostly gzipped, ${r.kind} (gzip -dc | grep -E: ${(r.grepMs / 1000).toFixed(2)} s)`, unit: 's', sentinel: r.sentinelMs, pm2: null, target: { text: '≤ 3× gzip -dc | grep -E', max: 3 * r.grepMs } })}`);
}
console.log(JSON.stringify({ plain, gzipped }));
