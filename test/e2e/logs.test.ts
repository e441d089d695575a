// Logs through the daemon: tail, per stream, rotation without loss, follow, since, timestamps, clear.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanupHome, cli, cliJson, FIXTURES, tempHome, waitFor } from '../helpers.js';

let home: string;
beforeAll(() => { home = tempHome(); });
afterAll(async () => { await cleanupHome(home); });

describe('logs', () => {
  it('rotates a flooding process by size with no line lost or duplicated', async () => {
    await cli(home, ['run', '--name', 'chatty', '--log-max-size', '256K', '--log-keep', '200', '--', process.execPath, path.join(FIXTURES, 'flood.js'), '60000'], { env: { SENTINEL_LOG_CHECK_MS: '100' } });
    expect(await waitFor(async () => (await cliJson<{ process: { status: string } }>(home, ['status', 'chatty'])).process.status === 'exited', 30_000, 100)).toBe(true);
    // give the rotator a tick to settle, then read everything back through the CLI
    await new Promise((r) => setTimeout(r, 1500));
    const rotated = readdirSync(path.join(home, 'logs')).filter((f) => /^chatty\.stdout\.log\.\d+/.test(f));
    expect(rotated.length).toBeGreaterThan(5);
    const out = await cliJson<{ lines: Array<{ line: string }> }>(home, ['logs', 'chatty', '--stream', 'stdout', '--lines', '100000']);
    const numbers = out.lines.map((l) => Number(l.line.slice(5, 13)));
    expect(numbers).toHaveLength(60000);
    expect(numbers.every((n, i) => n === i)).toBe(true);
  });

  it('shows the last N lines per stream, merged by default', async () => {
    await cli(home, ['run', 'for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; done; sleep 300', '--name', 'mixed']);
    await waitFor(async () => (await cli(home, ['logs', 'mixed'])).stdout.includes('err5'));
    expect((await cli(home, ['logs', 'mixed', '--stream', 'stdout', '--lines', '2'])).stdout).toBe('out4\nout5\n');
    expect((await cli(home, ['logs', 'mixed', '--stream', 'stderr', '--lines', '1'])).stdout).toBe('err5\n');
    const both = (await cli(home, ['logs', 'mixed'])).stdout;
    expect(both).toContain('[out] out1');
    expect(both).toContain('[err] err5');
    const ts = (await cli(home, ['logs', 'mixed', '--stream', 'stdout', '--timestamps', '--lines', '1'])).stdout;
    expect(ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z out5\n$/);
    const since = (await cli(home, ['logs', 'mixed', '--since', '1h', '--stream', 'stdout'])).stdout;
    expect(since).toContain('out1');
    const future = (await cli(home, ['logs', 'mixed', '--since', '2999-01-01T00:00:00Z', '--stream', 'stdout'])).stdout;
    expect(future).toBe('');
  });

  it('follows new lines as they are written, and clear empties the logs', async () => {
    await cli(home, ['run', 'i=0; while :; do i=$((i+1)); echo beat $i; sleep 0.1; done', '--name', 'beat']);
    const child = spawn(process.execPath, ['--', BIN, 'logs', 'beat', '--follow', '--stream', 'stdout', '--lines', '0'], { env: { ...process.env, SENTINEL_HOME: home } });
    let seen = '';
    child.stdout.on('data', (d) => (seen += d));
    try {
      expect(await waitFor(() => seen.split('\n').filter(Boolean).length >= 5, 15_000)).toBe(true);
      const nums = seen.split('\n').filter(Boolean).map((l) => Number(l.split(' ')[1]));
      expect(nums.slice(1).every((n, i) => n === nums[i] + 1)).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
    expect((await cli(home, ['logs', 'beat', '--clear'])).stdout).toBe('Cleared logs of beat\n');
    const after = (await cli(home, ['logs', 'beat', '--stream', 'stdout'])).stdout.split('\n').filter(Boolean);
    expect(after.length).toBeLessThan(10);
  });

  it('keeps logs of a process that is gone until it is cleaned', async () => {
    await cli(home, ['run', 'echo last words', '--name', 'gone', '--wait', '0']);
    await waitFor(async () => (await cli(home, ['logs', 'gone'])).stdout.includes('last words'));
    await cli(home, ['stop', 'gone']);
    expect((await cli(home, ['logs', 'gone', '--stream', 'stdout'])).stdout).toBe('last words\n');
    await cli(home, ['clean']);
    expect(readdirSync(path.join(home, 'logs')).filter((f) => f.startsWith('gone.'))).toEqual([]);
  });

  it('a crash report shows only the stderr of this run, not of a deleted process with the same name', async () => {
    const first = await cli(home, ['run', '--name', 'reused', 'echo old-run-error >&2; exit 2']);
    expect(first.code).toBe(1);
    expect(first.stderr).toContain('  old-run-error');
    expect((await cli(home, ['delete', 'reused'])).code).toBe(0);
    const second = await cli(home, ['run', '--name', 'reused', 'echo only-stdout; exit 3']);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('crashed immediately (exit code 3');
    expect(second.stderr).toContain('(nothing on stderr)');
    expect(second.stderr).not.toContain('old-run-error');
    const third = await cli(home, ['start', 'reused']);
    expect(third.stderr).toContain('(nothing on stderr)');
    // the old run's line is still in the file: only the report is limited to this run
    expect((await cli(home, ['logs', 'reused', '--stream', 'stderr'])).stdout).toBe('old-run-error\n');
  });
});

describe('logs of every process', () => {
  let allHome: string;
  const env = { SENTINEL_LOG_CHECK_MS: '20' };
  beforeAll(() => { allHome = tempHome(); });
  afterAll(async () => { await cleanupHome(allHome); });

  it('shows every instance of every process, each line with its name, stdout and stderr in the order written', async () => {
    const logsDir = path.join(allHome, 'logs');
    expect((await cli(allHome, ['run', '--name', 'alt', '--', process.execPath, path.join(FIXTURES, 'logs/alternate.mjs'), logsDir, 'alt', '3'], { env })).code).toBe(0);
    expect((await cli(allHome, ['run', '--name', 'pair', '--instances', '2', 'echo hello $SENTINEL_INSTANCE; sleep 300'], { env })).code).toBe(0);
    const all = async () => (await cli(allHome, ['logs'], { env })).stdout.split('\n').filter(Boolean);
    expect(await waitFor(async () => {
      const lines = await all();
      return lines.includes('alt | [err] err3') && lines.includes('pair:1 | [out] hello 1');
    }, 30_000, 100)).toBe(true);
    const lines = await all();
    expect(lines.filter((l) => l.startsWith('alt | '))).toEqual([
      'alt | [out] out1', 'alt | [err] err1', 'alt | [out] out2', 'alt | [err] err2', 'alt | [out] out3', 'alt | [err] err3',
    ]);
    expect(lines.filter((l) => l.startsWith('pair'))).toEqual(expect.arrayContaining(['pair:0 | [out] hello 0', 'pair:1 | [out] hello 1']));
    // logs NAME is unchanged: no name prefix
    expect((await cli(allHome, ['logs', 'alt', '--stream', 'stderr'], { env })).stdout).toBe('err1\nerr2\nerr3\n');
    const json = await cliJson<{ lines: Array<{ name: string; stream: string; line: string }> }>(allHome, ['logs', '--stream', 'stderr']);
    expect(json.lines.filter((l) => l.name === 'alt').map((l) => l.line)).toEqual(['err1', 'err2', 'err3']);
    expect(json.lines.every((l) => l.stream === 'stderr')).toBe(true);
    expect((await cli(allHome, ['logs', '--lines', '2'], { env })).stdout.split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('--follow with no name follows every process, and processes created after it began', async () => {
    await cli(allHome, ['run', '--name', 'tick', 'i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.1; done'], { env });
    const child = spawn(process.execPath, ['--', BIN, 'logs', '--follow', '--lines', '0'], { env: { ...process.env, SENTINEL_HOME: allHome } });
    let seen = '';
    child.stdout.on('data', (d) => (seen += d));
    try {
      expect(await waitFor(() => /^tick \| \[out\] tick \d+$/m.test(seen), 20_000)).toBe(true);
      expect((await cli(allHome, ['run', '--name', 'late', 'echo late line; echo late problem >&2; sleep 300'], { env })).code).toBe(0);
      expect(await waitFor(() => seen.includes('late | [out] late line\n') && seen.includes('late | [err] late problem\n'), 20_000)).toBe(true);
      const ticks = seen.split('\n').filter((l) => l.startsWith('tick | ')).map((l) => Number(l.split(' ').pop()));
      expect(ticks.slice(1).every((n, i) => n === ticks[i] + 1)).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
