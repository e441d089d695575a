// Scheduled jobs through the built CLI and a real daemon: runs every second with real processes,
// run-now, disable, a daemon restart in the middle, max runtime, bad input and the seed-003 form.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, cleanupHome, cli, cliJson, tempHome, waitFor } from '../helpers.js';

interface Run {
  id: number;
  dueAt: number | null;
  startedAt: number;
  endedAt: number | null;
  durationMs: number | null;
  exitCode: number | null;
  signal: string | null;
  trigger: string;
  status: string;
  reason: string | null;
}
interface Sched { name: string; enabled: boolean; nextRunAt: number | null; command: string; shell: boolean; args: string[]; cwd: string; lastRun: Run | null }

let home: string;
let work: string;
const pids: number[] = [];
beforeAll(() => {
  home = tempHome();
  work = mkdtempSync(path.join(tmpdir(), 'sn-work-'));
});
afterAll(async () => {
  await cleanupHome(home, pids);
  rmSync(work, { recursive: true, force: true });
});

const history = async (name: string, limit = 100) => (await cliJson<{ runs: Run[] }>(home, ['schedule', 'history', name, '-n', String(limit)])).runs;
const finished = (runs: Run[]) => runs.filter((r) => r.status !== 'running');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readPidFile(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (pid > 0) pids.push(pid);
    return pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

describe('schedules with real processes', () => {
  it('runs every second: history has exit codes, durations and triggers; each run has its own logs', async () => {
    const add = await cli(home, ['schedule', 'add', 'tick', '--every', '1s', '--env', 'SN_MARK=m1', 'echo "tick $SN_MARK"; echo warn >&2']);
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(/^Added schedule tick \(every 1s\); next run \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(in \d+s\)\n$/);
    await cli(home, ['schedule', 'add', 'fail', '--every', '1s', 'exit 3']);
    expect(await waitFor(async () => finished(await history('tick')).length >= 3 && finished(await history('fail')).length >= 2, 20_000, 200)).toBe(true);

    const runs = finished(await history('tick')).reverse();
    // a run still going at the next due time is skipped (overlap: skip), possible on a loaded machine
    const ran = runs.filter((r) => r.status !== 'skipped');
    expect(ran.length).toBeGreaterThanOrEqual(2);
    for (const r of ran) {
      expect(r).toMatchObject({ status: 'succeeded', exitCode: 0, signal: null, trigger: 'interval' });
      expect(r.durationMs).toBeGreaterThanOrEqual(0);
      expect(r.endedAt as number).toBeGreaterThanOrEqual(r.startedAt);
    }
    const dues = runs.map((r) => r.dueAt as number);
    expect(dues.slice(1).map((d, i) => d - dues[i])).toEqual(Array(dues.length - 1).fill(1000));
    // "fail" is disabled (and idle) before the list shows its last result, so no run is in progress then
    expect((await cli(home, ['schedule', 'disable', 'fail'])).stdout).toBe('Disabled fail\n');
    await waitFor(async () => (await history('fail')).every((r) => r.status !== 'running'), 5000, 100);
    expect((await history('fail')).find((r) => r.status !== 'skipped')).toMatchObject({ status: 'failed', exitCode: 3, trigger: 'interval' });

    const table = await cli(home, ['schedule', 'history', 'tick']);
    expect(table.stdout).toMatch(/\| RUN \| TRIGGER\s+\| START\s+\| END\s+\| DURATION \| EXIT \| STATUS\s+\|/);
    expect(table.stdout).toMatch(/\| interval \|.*\|\s+0 \| succeeded \|/);
    const list = await cli(home, ['schedule', 'list']);
    expect(list.stdout).toMatch(/\| NAME\s+\| SCHEDULE\s+\| NEXT RUN\s+\| LAST RUN\s+\| RESULT\s+\| ENABLED \|/);
    expect(list.stdout).toMatch(/\| fail\s+\| every 1s\s+\| -\s+\| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \| failed \(exit 3\) \| no\s+\|/);

    const last = ran[ran.length - 1];
    const logs = await cli(home, ['schedule', 'logs', 'tick', '--run', String(last.id)]);
    expect(logs.stdout).toMatch(new RegExp(`^run ${last.id} \\(interval\\) started .*: succeeded\\n\\[out\\] tick m1\\n\\[err\\] warn\\n$`));
    expect((await cli(home, ['schedule', 'logs', 'tick', '--run', String(ran[0].id), '--stream', 'stdout'])).stdout).toBe('tick m1\n');
    const noRun = await cli(home, ['schedule', 'logs', 'tick', '--run', '999999']);
    expect(noRun.code).toBe(1);
    expect(noRun.stderr).toBe('Error: schedule "tick" has no run 999999; "sentinel schedule history tick" lists its runs\n');

    // disable stops the runs; nothing new appears while disabled
    expect((await cli(home, ['schedule', 'disable', 'tick'])).stdout).toBe('Disabled tick\n');
    await waitFor(async () => (await history('tick')).every((r) => r.status !== 'running'), 5000, 100);
    const before = (await history('tick')).length;
    await sleep(2500);
    expect((await history('tick')).length).toBe(before);
    const listed = (await cliJson<{ schedules: Sched[] }>(home, ['schedule', 'list'])).schedules.find((s) => s.name === 'tick');
    expect(listed).toMatchObject({ enabled: false, nextRunAt: null });
    const enabled = await cli(home, ['schedule', 'enable', 'tick']);
    expect(enabled.stdout).toMatch(/^Enabled tick; next run /);
    expect(await waitFor(async () => (await history('tick')).length > before, 10_000, 200)).toBe(true);
    await cli(home, ['schedule', 'disable', 'tick']);
  });

  it('run-now starts a manual run; next lists the coming times in the schedule\'s zone', async () => {
    await cli(home, ['schedule', 'add', 'yearly', '--cron', '30 2 1 1 *', '--tz', 'Asia/Tokyo', '--cwd', work, '--', 'sh', '-c', 'echo manual run']);
    const started = await cli(home, ['schedule', 'run-now', 'yearly']);
    expect(started.stdout).toMatch(/^Started run \d+ of yearly\n$/);
    expect(await waitFor(async () => (await history('yearly'))[0]?.status === 'succeeded', 10_000, 100)).toBe(true);
    expect((await history('yearly'))[0]).toMatchObject({ trigger: 'manual', dueAt: null, exitCode: 0 });
    expect((await cli(home, ['schedule', 'logs', 'yearly', '--stream', 'stdout'])).stdout).toBe('manual run\n');
    const next = await cliJson<{ times: number[] }>(home, ['schedule', 'next', 'yearly', '-n', '3']);
    expect(next.times).toHaveLength(3);
    // 02:30 in Tokyo (UTC+9, no DST) on 1 January is 17:30 UTC on 31 December
    for (const t of next.times) expect(new Date(t).toISOString()).toMatch(/-12-31T17:30:00\.000Z$/);
    expect(new Date(next.times[1]).getUTCFullYear() - new Date(next.times[0]).getUTCFullYear()).toBe(1);
    const human = await cli(home, ['schedule', 'next', 'yearly', '-n', '2']);
    expect(human.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('a daemon restart in the middle neither doubles nor loses a run', async () => {
    // run-all: every due time missed while the daemon is down is run on its return, so none may be absent
    await cli(home, ['schedule', 'add', 'steady', '--every', '1s', '--missed', 'run-all', '--missed-cap', '100', '--cwd', work, 'echo steady']);
    expect(await waitFor(async () => (await history('steady')).length >= 2, 15_000, 200)).toBe(true);
    expect((await cli(home, ['daemon', 'stop'])).code).toBe(0);
    await sleep(2000);
    // any command brings the daemon back
    expect((await cli(home, ['schedule', 'list'])).code).toBe(0);
    expect(await waitFor(async () => (await history('steady')).some((r) => r.trigger === 'catch-up'), 15_000, 200)).toBe(true);
    const upTo = Date.now() + 2000;
    expect(await waitFor(async () => (await history('steady')).some((r) => (r.dueAt ?? 0) > upTo), 15_000, 200)).toBe(true);
    await cli(home, ['schedule', 'disable', 'steady']);

    const runs = (await history('steady')).reverse();
    const dues = runs.map((r) => r.dueAt as number);
    // one row per due time, each exactly one interval after the previous, across the restart
    expect(new Set(dues).size).toBe(dues.length);
    expect(dues.slice(1).map((d, i) => d - dues[i])).toEqual(Array(dues.length - 1).fill(1000));
    expect(runs.filter((r) => r.trigger === 'catch-up').length).toBeGreaterThanOrEqual(1);
    for (const r of runs) expect(['succeeded', 'interrupted', 'skipped']).toContain(r.status);
  });

  it('--max-runtime stops a long run (SIGTERM to its group) and records it as timed out', async () => {
    const pidFile = path.join(work, 'slow.pid');
    await cli(home, ['schedule', 'add', 'slow', '--every', '1h', '--max-runtime', '1s', '--cwd', work, '--', 'sh', '-c', `echo $$ > ${pidFile}; exec sleep 30`]);
    await cli(home, ['schedule', 'run-now', 'slow']);
    expect(await waitFor(async () => (await history('slow'))[0]?.status === 'timed-out', 15_000, 100)).toBe(true);
    const [run] = await history('slow');
    expect(run).toMatchObject({ trigger: 'manual', signal: 'SIGTERM', exitCode: null });
    expect(run.durationMs as number).toBeGreaterThanOrEqual(900);
    expect(run.durationMs as number).toBeLessThan(20_000);
    const pid = readPidFile(pidFile);
    expect(pid).not.toBeNull();
    expect(alive(pid as number)).toBe(false);
    expect((await cli(home, ['schedule', 'history', 'slow'])).stdout).toMatch(/\| manual\s+\|.*\| SIGTERM \| timed-out \|/);
  });

  it('accepts seed 003\'s form: schedule --name N --cmd C --cron E', async () => {
    writeFileSync(path.join(work, 'backup.sh'), 'echo "backup from $(pwd)"\n');
    const added = await cli(home, ['schedule', '--name', 'backup', '--cmd', 'bash backup.sh', '--cron', '0 2 * * *'], { cwd: work });
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^Added schedule backup \(cron 0 2 \* \* \*\); next run \d{4}-\d\d-\d\d 02:00:00 \(in /);
    const s = await cliJson<{ schedules: Sched[] }>(home, ['schedule', 'list']);
    expect(s.schedules.find((x) => x.name === 'backup')).toMatchObject({ command: 'bash backup.sh', shell: true, args: [], cwd: work, enabled: true });
    await cli(home, ['schedule', 'run-now', 'backup']);
    expect(await waitFor(async () => (await history('backup'))[0]?.status === 'succeeded', 10_000, 100)).toBe(true);
    expect((await cli(home, ['schedule', 'logs', 'backup', '--stream', 'stdout'])).stdout).toBe(`backup from ${work}\n`);
    expect((await cli(home, ['schedule', 'rm', 'backup'])).stdout).toBe('Removed schedule backup\n');
    const gone = await cli(home, ['schedule', 'history', 'backup']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe('Error: no schedule named "backup": see the names with "sentinel schedule list"\n');
  });
});

describe('bad input', () => {
  const CRON_HINT = 'expected 5 fields (minute hour day month weekday) or 6 with seconds first, e.g. "0 2 * * *" or "@daily"';
  const cases: Array<[string, string[], number, string | RegExp]> = [
    ['an invalid cron field', ['--cron', '61 * * * *'], 2, `Error: invalid cron expression "61 * * * *": Invalid value for minute: 61; ${CRON_HINT}\n`],
    ['a cron with too few fields', ['--cron', '* * *'], 2, `Error: invalid cron expression "* * *": invalid configuration format ('* * *'), exactly five, six, or seven space separated parts are required; ${CRON_HINT}\n`],
    ['an unknown time zone', ['--cron', '0 2 * * *', '--tz', 'Mars/Olympus'], 2, 'Error: unknown time zone "Mars/Olympus": expected an IANA zone name, e.g. "Europe/Berlin", "America/New_York" or "UTC"\n'],
    ['--at in the past', ['--at', '2020-01-01T00:00Z'], 2, /^Error: one-time run at 2020-01-01T00:00:00\.000Z is in the past \(now \d{4}-[^)]+\): expected a future time, e\.g\. --at \d{4}-\d\d-\d\dT\d\d:\d\d\n$/],
    ['--at that is not a date', ['--at', 'tomorrow'], 2, 'Error: --at "tomorrow" is not a date-time: expected YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM], e.g. --at 2026-12-01T02:00\n'],
    ['--every 0s', ['--every', '0s'], 2, 'Error: interval 0ms is not allowed: expected a positive duration, e.g. --every 30s or --every 5m\n'],
    ['a negative interval', ['--every', '-5s'], 2, 'Error: parameter "every": expected a duration like "5s", got "-5s"\n'],
    ['no trigger', [], 2, 'Error: a schedule needs exactly one of --cron, --every or --at (got none), e.g. --cron "0 2 * * *" --tz Europe/Berlin, --every 5m or --at 2026-12-01T02:00\n'],
    ['two triggers', ['--every', '1m', '--cron', '* * * * *'], 2, 'Error: a schedule needs exactly one of --cron, --every or --at (got --cron and --every), e.g. --cron "0 2 * * *" --tz Europe/Berlin, --every 5m or --at 2026-12-01T02:00\n'],
    ['an unknown overlap policy', ['--every', '1m', '--overlap', 'never'], 2, 'Error: parameter "overlap": expected "skip", "queue" or "allow", got "never"\n'],
    ['retries that are not a number', ['--every', '1m', '--retries', 'many'], 2, 'Error: parameter "retries": expected a whole number from 0 to 1000000, e.g. 3, got "many"\n'],
  ];
  for (const [what, flags, code, message] of cases) {
    it(`refuses ${what}`, async () => {
      const r = await cli(home, ['schedule', 'add', 'bad', ...flags, '--', 'true']);
      expect(r.code).toBe(code);
      if (typeof message === 'string') expect(r.stderr).toBe(message);
      else expect(r.stderr).toMatch(message);
    });
  }

  it('refuses a schedule named like a process, a missing command and a missing program', async () => {
    await cli(home, ['run', 'sleep 300', '--name', 'web']);
    const clash = await cli(home, ['schedule', 'add', 'web', '--every', '1m', '--', 'true']);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toBe('Error: a process named "web" already exists; schedules and processes share names, so pick another name for the schedule\n');
    const noCmd = await cli(home, ['schedule', 'add', 'nocmd', '--every', '1m']);
    expect(noCmd.code).toBe(2);
    expect(noCmd.stderr).toBe('Error: schedule "nocmd" has no command: put it after "--", e.g. sentinel schedule add nocmd --every 5m -- ./backup.sh\n');
    const noProg = await cli(home, ['schedule', 'add', 'noprog', '--every', '1m', '--', 'no-such-program-sn']);
    expect(noProg.code).toBe(2);
    expect(noProg.stderr).toMatch(/^Error: executable "no-such-program-sn" was not found in PATH \(.*\) or is not executable; check the spelling or give its full path\n$/);
    const dup = await cli(home, ['schedule', 'add', 'once', '--at', '2099-01-01T00:00Z', '--', 'true']);
    expect(dup.code).toBe(0);
    const again = await cli(home, ['schedule', 'add', 'once', '--at', '2099-01-01T00:00Z', '--', 'true']);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('Error: a schedule named "once" already exists: pick another name or remove it first (sentinel schedule rm once)\n');
    const unknown = await cli(home, ['schedule', 'run-now', 'nobody']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('Error: no schedule named "nobody": see the names with "sentinel schedule list"\n');
    const badN = await cli(home, ['schedule', 'next', 'once', '-n', '0']);
    expect(badN.code).toBe(2);
    expect(badN.stderr).toBe('Error: parameter "n": expected a whole number from 1 to 1000, e.g. 5, got 0\n');
  });
});
