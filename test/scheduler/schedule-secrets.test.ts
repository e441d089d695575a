// Schedule runs start through the same host and spawner chain as managed processes: a ${secret:NAME} in
// a schedule's environment reaches the job as the secret's value (a real daemon through the built CLI),
// and the runner starts runs on whatever host it is given (a FakeHost here: nothing forked).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/fake-clock.js';
import { FakeHost } from '../../src/core/fake-host.js';
import { createProcessRunner } from '../../src/scheduler/process-runner.js';
import { createSchedule } from '../../src/scheduler/schedule.js';
import { BIN, cleanupHome, cli, cliJson, tempHome, waitFor, type CliResult } from '../helpers.js';

const sha = (v: string) => createHash('sha256').update(v).digest('hex');

describe('a scheduled job and ${secret:NAME} (real daemon, built CLI)', () => {
  let home: string;
  const value = `job-secret-${randomBytes(8).toString('hex')}`;
  beforeAll(() => {
    home = tempHome();
  });
  afterAll(async () => {
    await cleanupHome(home);
  });

  function setSecret(name: string, input: string): Promise<CliResult> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['--', BIN, 'secret', 'set', name], { env: { ...process.env, SENTINEL_HOME: home } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c) => (stdout += c));
      child.stderr.on('data', (c) => (stderr += c));
      child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
      child.stdin.end(input);
    });
  }

  it('sees the resolved value, not the marker', async () => {
    expect(await setSecret('JOB_TOKEN', value)).toMatchObject({ code: 0, stdout: 'Set secret JOB_TOKEN\n' });
    // the job proves what it got by printing its hash (the value itself would be redacted in the logs)
    const add = await cli(home, ['schedule', 'add', 'uses-secret', '--every', '1h', '--env', 'TOKEN=${secret:JOB_TOKEN}', 'printf %s "$TOKEN" | sha256sum']);
    expect(add.code).toBe(0);
    expect((await cli(home, ['schedule', 'run-now', 'uses-secret'])).code).toBe(0);
    const done = async () => {
      const { runs } = await cliJson<{ runs: Array<{ status: string }> }>(home, ['schedule', 'history', 'uses-secret']);
      return runs.length > 0 && runs[0].status !== 'running';
    };
    expect(await waitFor(done, 20_000, 100)).toBe(true);
    const { runs } = await cliJson<{ runs: Array<{ status: string; exitCode: number | null }> }>(home, ['schedule', 'history', 'uses-secret']);
    expect(runs[0]).toMatchObject({ status: 'succeeded', exitCode: 0 });
    const out = (await cli(home, ['schedule', 'logs', 'uses-secret', '--stream', 'stdout'])).stdout;
    expect(out).not.toBe(`${sha('${secret:JOB_TOKEN}')}  -\n`);
    expect(out).toBe(`${sha(value)}  -\n`);
  });
});

describe('the process runner on a host', () => {
  it('starts the run on the given host and stops it there at its max runtime', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sn-runner-host-'));
    try {
      const host = new FakeHost(new FakeClock());
      const schedule = createSchedule({ name: 'job', trigger: { everyMs: 3_600_000 }, command: 'work', cwd: dir, env: { A: '1' }, maxRuntimeMs: 50 }, Date.now());
      const ctx = { trigger: 'manual' as const, attempt: 1, runId: 1, dueAt: null, stdoutPath: join(dir, 'out.log'), stderrPath: join(dir, 'err.log') };
      const result = await createProcessRunner({ host, stopTimeoutMs: 1000 }).run(schedule, ctx);
      const proc = host.last('schedule:job');
      expect(proc.spec).toMatchObject({ command: 'work', cwd: dir, env: { A: '1' } });
      expect(host.signalsTo(proc.pid)).toEqual(['SIGTERM', 'SIGCONT']);
      expect(result).toMatchObject({ signal: 'SIGTERM', exitCode: null, timedOut: true, interrupted: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
