// The daemon's runner with real processes: output to the run's files, the schedule's env only,
// max runtime as signal → timeout → SIGKILL of the tree, and runs interrupted at shutdown.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createProcessRunner } from '../../src/scheduler/process-runner.js';
import { createSchedule, type ScheduleInput } from '../../src/scheduler/schedule.js';
import type { RunContext } from '../../src/scheduler/types.js';
import { alive, FIXTURES, killPids, waitFor } from '../helpers.js';

let dir: string;
const pids: number[] = [];
afterEach(() => {
  killPids(pids.splice(0));
  rmSync(dir, { recursive: true, force: true });
});

const PATH = process.env.PATH ?? '/usr/bin:/bin';

function setup(make: (dir: string) => Partial<ScheduleInput> & Pick<ScheduleInput, 'command'>) {
  dir = mkdtempSync(join(tmpdir(), 'sn-runner-'));
  const input = make(dir);
  const schedule = createSchedule({ name: 'job', trigger: { everyMs: 3_600_000 }, cwd: dir, env: { PATH }, ...input }, Date.now());
  const ctx: RunContext = { trigger: 'manual', attempt: 1, runId: 1, dueAt: null, stdoutPath: join(dir, 'out.log'), stderrPath: join(dir, 'err.log') };
  return { schedule, ctx };
}

async function readPids(file: string): Promise<number[]> {
  await waitFor(() => {
    try {
      return readFileSync(file, 'utf8').trim().split(/\s+/).length === 2;
    } catch {
      return false;
    }
  });
  const found = readFileSync(file, 'utf8').trim().split(/\s+/).map(Number);
  pids.push(...found);
  return found;
}

describe('process runner', () => {
  it('runs a shell string with only the schedule env and writes each stream to its file', async () => {
    const { schedule, ctx } = setup(() => ({ command: 'echo "x=$SN_X home=${HOME:-none}"; echo oops >&2; exit 3', shell: true, env: { PATH, SN_X: '42' } }));
    const result = await createProcessRunner().run(schedule, ctx);
    expect(result).toMatchObject({ exitCode: 3, signal: null, timedOut: false, interrupted: false });
    expect(readFileSync(ctx.stdoutPath as string, 'utf8')).toBe('x=42 home=none\n');
    expect(readFileSync(ctx.stderrPath as string, 'utf8')).toBe('oops\n');
  });

  it('stops a run past its max runtime: SIGTERM, then SIGKILL of the whole tree after the stop timeout', async () => {
    const { schedule, ctx } = setup((d) => ({ command: join(FIXTURES, 'ignore-term.sh'), args: [join(d, 'pids')], maxRuntimeMs: 300 }));
    const pidFile = schedule.args[0];
    const running = createProcessRunner({ stopTimeoutMs: 300 }).run(schedule, ctx);
    const [shell, child] = await readPids(pidFile);
    const result = await running;
    expect(result.timedOut).toBe(true);
    expect(result.signal).toBe('SIGKILL');
    expect(result.durationMs).toBeGreaterThanOrEqual(550);
    expect(await waitFor(() => !alive(shell) && !alive(child))).toBe(true);
  });

  it('stopAll interrupts runs in progress; a run that ends on its own is not interrupted', async () => {
    const { schedule, ctx } = setup(() => ({ command: 'echo $$ $$ > pids; exec sleep 30', shell: true }));
    const runner = createProcessRunner();
    const running = runner.run(schedule, ctx);
    const [pid] = await readPids(join(dir, 'pids'));
    expect(runner.running()).toBe(1);
    await runner.stopAll(2000);
    const result = await running;
    expect(result).toMatchObject({ interrupted: true, timedOut: false, signal: 'SIGTERM' });
    expect(alive(pid)).toBe(false);
    expect(runner.running()).toBe(0);
  });

  it('refuses to start in a working directory that has gone, with the reason', async () => {
    const { schedule, ctx } = setup(() => ({ command: 'true', shell: true }));
    rmSync(dir, { recursive: true, force: true });
    await expect(createProcessRunner().run(schedule, ctx)).rejects.toThrow(
      `working directory ${dir} does not exist or is not a directory; create it or set the working directory (--cwd, or cwd: in a config file) to an existing one`,
    );
  });
});
