// 200 MB of 100-byte lines written to stdout until all of it is in the log file: a child writing
// straight to an O_APPEND fd from openLogFds while the LogRotator runs with the default limits
// (10M × 5, 1 s checks), against plain `cmd > file` through /bin/sh; and the same through the log
// stamper (`--log-timestamps`: a FIFO this process reads, appends and samples), to show what exact
// per-line times cost against the direct-to-file default.
// Needs a build first (`npm run build`). Usage: node bench/log-throughput.mjs [RUNS=5] [MB=200]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'logs');
const { openLogFds, logPaths, listRotated } = await import(path.join(dist, 'paths.js'));
const { LogRotator } = await import(path.join(dist, 'rotate.js'));
const { readIndex } = await import(path.join(dist, 'log-index.js'));
const { LogStamper } = await import(path.join(dist, 'stamper.js'));

const runs = Number(process.argv[2] ?? 5);
const totalBytes = Number(process.argv[3] ?? 200) * 1_000_000;
const LIMITS = { maxBytes: 10 * 1024 * 1024, keep: 5, compress: false };
// 99 characters + newline = 100-byte lines, exactly totalBytes: a shell pipeline and a Node
// program writing ~1 MB of whole lines per write(2)
const WRITERS = {
  'yes | head -c': `yes "$(printf '%099d' 0)" | head -c ${totalBytes}`,
  'node writeSync': `'${process.execPath}' -e 'const b=Buffer.from("${'x'.repeat(99)}\\n".repeat(10000));for(let n=0;n<${totalBytes};n+=b.length)require("fs").writeSync(1,b,0,Math.min(b.length,${totalBytes}-n))'`,
};
let WRITER = '';

function run(command, stdio) {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited with ${code}`))));
  });
}

async function viaLogFds(dir) {
  const rotator = new LogRotator();
  const files = logPaths(dir, 'bench');
  rotator.watch('bench', [files.stdout, files.stderr], LIMITS);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const fds = openLogFds(dir, 'bench');
  const done = run(WRITER, ['ignore', fds.stdout, fds.stderr]);
  fs.closeSync(fds.stdout);
  fs.closeSync(fds.stderr);
  await done;
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  // then until the rotator has brought the file back under its limit
  while (fs.statSync(files.stdout).size >= LIMITS.maxBytes) await rotator.tick();
  const settledMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpuSettled = process.cpuUsage(cpu0);
  await rotator.close();
  const index = readIndex(files.stdout);
  const written = (index?.base ?? 0) + fs.statSync(files.stdout).size;
  if (written !== totalBytes) throw new Error(`expected ${totalBytes} bytes in the stream, the index says ${written}`);
  return {
    wallMs,
    settledMs,
    cpuPct: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
    cpuSettledPct: ((cpuSettled.user + cpuSettled.system) / 1000 / settledMs) * 100,
    rotatedFiles: listRotated(files.stdout).length,
  };
}

async function viaStamper(dir) {
  const rotator = new LogRotator();
  const files = logPaths(dir, 'bench');
  fs.mkdirSync(dir, { recursive: true });
  rotator.watch('bench', [files.stdout, files.stderr], LIMITS);
  const stamper = new LogStamper(dir, { written: (file, time) => rotator.sample(file, time), onError: (err) => { throw err; } });
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const fds = stamper.openForChild('bench');
  const done = run(WRITER, ['ignore', fds.stdout, fds.stderr]);
  fs.closeSync(fds.stdout);
  fs.closeSync(fds.stderr);
  await done;
  // the writer is gone; what it wrote is in the file once the stamper has read both pipes to their end
  while (stamper.open > 0) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setImmediate(r));
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  while (fs.statSync(files.stdout).size >= LIMITS.maxBytes) await rotator.tick();
  await rotator.close();
  const index = readIndex(files.stdout);
  const written = (index?.base ?? 0) + fs.statSync(files.stdout).size;
  if (written !== totalBytes) throw new Error(`stamped: expected ${totalBytes} bytes in the stream, the index says ${written}`);
  return { wallMs, cpuPct: ((cpu.user + cpu.system) / 1000 / wallMs) * 100, samples: index.times.length };
}

async function viaShellRedirect(dir) {
  const file = path.join(dir, 'plain.log');
  const t0 = process.hrtime.bigint();
  await run(`${WRITER} > '${file}'`, 'ignore');
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (fs.statSync(file).size !== totalBytes) throw new Error('plain redirect wrote the wrong size');
  return { wallMs };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(writerName) {
  WRITER = WRITERS[writerName];
  const results = { fds: [], shell: [], stamped: [] };
  for (let i = 0; i < runs; i++) {
    // alternate which goes first so neither always meets the other's write-back
    const order = i % 2 === 0 ? ['fds', 'shell', 'stamped'] : ['stamped', 'shell', 'fds'];
    for (const key of order) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-bench-logs-'));
      try {
        results[key].push(await (key === 'fds' ? viaLogFds(dir) : key === 'stamped' ? viaStamper(dir) : viaShellRedirect(dir)));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  const fdsWall = median(results.fds.map((r) => r.wallMs));
  const shellWall = median(results.shell.map((r) => r.wallMs));
  return {
    writer: writerName,
    bytes: totalBytes,
    runs,
    sentinelFdsWallMs: Math.round(fdsWall),
    sentinelSettledMs: Math.round(median(results.fds.map((r) => r.settledMs))),
    rotatorCpuPctDuringWrite: Number(median(results.fds.map((r) => r.cpuPct)).toFixed(1)),
    rotatorCpuPctUntilSettled: Number(median(results.fds.map((r) => r.cpuSettledPct)).toFixed(1)),
    rotatedFilesKept: results.fds[0].rotatedFiles,
    shellRedirectWallMs: Math.round(shellWall),
    ratio: Number((fdsWall / shellWall).toFixed(2)),
    stampedWallMs: Math.round(median(results.stamped.map((r) => r.wallMs))),
    stampedDaemonCpuPct: Number(median(results.stamped.map((r) => r.cpuPct)).toFixed(1)),
    stampedIndexSamples: results.stamped[0].samples,
    stampedVsDirect: Number((median(results.stamped.map((r) => r.wallMs)) / fdsWall).toFixed(2)),
  };
}

for (const writerName of Object.keys(WRITERS)) {
  const summary = await measure(writerName);
  console.log(`${totalBytes / 1e6} MB of 100-byte lines from \`${writerName}\`, median of ${runs}:`);
  console.log(`  O_APPEND fd + rotator (10M x 5): ${summary.sentinelFdsWallMs} ms until written (${summary.sentinelSettledMs} ms until rotated under the limit), rotator CPU ${summary.rotatorCpuPctDuringWrite}% of a core while writing, ${summary.rotatorCpuPctUntilSettled}% until settled`);
  console.log(`  sh -c 'cmd > file':              ${summary.shellRedirectWallMs} ms`);
  console.log(`  ratio: ${summary.ratio}`);
  console.log(`  --log-timestamps (FIFO read, appended and sampled by the daemon): ${summary.stampedWallMs} ms, daemon CPU ${summary.stampedDaemonCpuPct}% of a core, ${summary.stampedIndexSamples} index samples kept; ${summary.stampedVsDirect}x the direct-to-file time`);
  console.log(JSON.stringify(summary));
}
