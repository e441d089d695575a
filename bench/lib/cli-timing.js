// Running a CLI and timing it: hyperfine when it is on PATH, else our own loop with warm-up and median.
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from './stats.js';

// A command is { file, args, env }: the same shape for Sentinel, PM2 and the raw baselines.
export function runCommand(command, { allowFailure = false } = {}) {
  const result = spawnSync(command.file, command.args, {
    env: command.env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  if (result.status !== 0 && !allowFailure) {
    const shown = [command.file, ...command.args].join(' ');
    throw new Error(`${shown} exited with ${result.status ?? result.signal}: ${result.stderr.trim() || result.stdout.trim()}`);
  }
  return result;
}

// Wall time of one invocation in ms; output goes to a pipe that is drained, as a script would see it.
export function timeCommand(command) {
  const start = process.hrtime.bigint();
  runCommand(command);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

let hyperfinePath;

function findHyperfine() {
  if (hyperfinePath === undefined) {
    try {
      hyperfinePath = execFileSync('sh', ['-c', 'command -v hyperfine'], { encoding: 'utf8' }).trim() || null;
    } catch {
      hyperfinePath = null;
    }
  }
  return hyperfinePath;
}

export function timingTool() {
  return findHyperfine() ? 'hyperfine' : 'own loop (warm-up + median)';
}

function quoteForShellWords(word) {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

function timeWithHyperfine(command, { warmup, runs }) {
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-bench-hf-'));
  try {
    const out = join(dir, 'result.json');
    const line = [command.file, ...command.args].map(quoteForShellWords).join(' ');
    execFileSync(
      findHyperfine(),
      ['-N', '--style', 'none', '--warmup', String(warmup), '--runs', String(runs), '--export-json', out, line],
      { env: command.env, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const result = JSON.parse(readFileSync(out, 'utf8')).results[0];
    return { medianMs: result.median * 1000, samplesMs: result.times.map((s) => s * 1000) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Median wall time of a command that can be repeated as is (list, status, node -e 0).
export function timeRepeated(command, { warmup = 2, runs = 10 } = {}) {
  if (findHyperfine()) return timeWithHyperfine(command, { warmup, runs });
  for (let i = 0; i < warmup; i++) runCommand(command);
  const samplesMs = [];
  for (let i = 0; i < runs; i++) samplesMs.push(timeCommand(command));
  return { medianMs: median(samplesMs), samplesMs };
}
