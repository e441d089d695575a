// scheduleOps wired to a real supervisor (real processes, real SQLite, real time): --restart-cron
// (spec.restartCron) restarts processes and follows their changes; a daemon shutdown interrupts
// runs in progress and records them.
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { realSpawner } from '../../src/core/spawn.js';
import { createRealHost } from '../../src/core/real-host.js';
import { DEFAULT_RESTART_POLICY, DEFAULTS, emptySections, type ProcessSpec } from '../../src/core/spec.js';
import { Supervisor, type LogPort } from '../../src/core/supervisor.js';
import { RunCounts } from '../../src/metrics/run-counts.js';
import type { Daemon, OpContext } from '../../src/daemon/context.js';
import { findContract } from '../../src/contracts/index.js';
import { parseParams } from '../../src/contracts/validate.js';
import { homePaths } from '../../src/daemon/home.js';
import { scheduleOps } from '../../src/daemon/ops/schedules.js';
import { createSchedulerRepo } from '../../src/store/schedules.js';
import { openDb, type Db } from '../../src/store/db.js';
import { ProcessRepo } from '../../src/store/processes.js';
import { alive, waitFor } from '../helpers.js';

interface Logged { level: string; code: string; msg: string }

let dir: string;
let db: Db;
let sup: Supervisor;
let shutdownSteps: Array<() => Promise<void> | void>;
let logged: Logged[];

afterEach(async () => {
  await sup.shutdown(1000);
  for (const step of shutdownSteps.splice(0)) await step();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function boot(): { daemon: Daemon; repo: ProcessRepo } {
  dir = mkdtempSync(join(tmpdir(), 'sn-wire-'));
  db = openDb(join(dir, 'state.db'));
  const repo = new ProcessRepo(db);
  const logs: LogPort = {
    open: () => ({ stdout: openSync('/dev/null', 'a'), stderr: openSync('/dev/null', 'a') }),
    watch: () => undefined,
    unwatch: () => undefined,
    lastLines: async () => [],
  };
  sup = new Supervisor({ repo, clock: systemClock, host: createRealHost(realSpawner), logs });
  shutdownSteps = [];
  logged = [];
  const log = (level: string) => (code: string, msg: string) => void logged.push({ level, code, msg });
  const daemon = {
    paths: homePaths(dir), db, supervisor: sup, processes: repo, log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    onShutdown: (step: () => Promise<void> | void) => void shutdownSteps.unshift(step),
    metrics: { runs: new RunCounts() },
  } as unknown as Daemon;
  return { daemon, repo };
}

function spec(name: string, command: string, over: Partial<ProcessSpec> = {}): ProcessSpec {
  return {
    name, command, args: [], shell: true, cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, group: null,
    restart: { ...DEFAULT_RESTART_POLICY }, stopSignal: 'SIGTERM', stopTimeoutMs: 2000, startWaitMs: 100, port: null,
    logMaxBytes: DEFAULTS.logMaxBytes, logKeep: 1, ...emptySections(), ...over,
  };
}

/** Starts by the restart-cron ("schedule" is its actor) of one process, from the event log. */
function cronStarts(repo: ProcessRepo, name: string): number {
  return repo.events({ name, limit: 1000 }).filter((e) => e.actor === 'schedule' && e.newState === 'starting').length;
}

/** Calls a handler the way the daemon does: parameters checked and converted by the operation's contract first. */
async function call(ops: object, op: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
  const handler = (ops as Record<string, (p: unknown, ctx: OpContext) => unknown>)[op];
  return (await handler(parseParams(findContract(op)!, params), { actor: 'test', signal: new AbortController().signal })) as Record<string, unknown>;
}

describe('restart-cron through the daemon wiring', () => {
  it('restarts processes present at start and created later, starts a one-shot that exited, leaves user-stopped ones alone', async () => {
    const { daemon, repo } = boot();
    const early = sup.create(spec('early', 'sleep 300', { restartCron: { cron: '* * * * * *', tz: null } }), 'test');
    await sup.start(early, 'test');
    const firstPid = early.pid;
    scheduleOps(daemon);
    const late = sup.create(spec('late', 'sleep 300', { restartCron: { cron: '* * * * * *', tz: 'UTC' } }), 'test');
    await sup.start(late, 'test', { wait: false });
    const oneshot = sup.create(spec('oneshot', 'echo done', { restartCron: { cron: '* * * * * *', tz: null } }), 'test');
    await sup.start(oneshot, 'test', { wait: false });
    const plain = sup.create(spec('plain', 'sleep 300'), 'test');
    await sup.start(plain, 'test');

    expect(await waitFor(() => cronStarts(repo, 'early') >= 2 && cronStarts(repo, 'late') >= 2 && cronStarts(repo, 'oneshot') >= 2, 15_000)).toBe(true);
    expect(early.pid).not.toBe(firstPid);
    expect(alive(firstPid as number)).toBe(false);
    expect(cronStarts(repo, 'plain')).toBe(0);
    expect(logged.some((l) => l.code === 'RESTART_CRON' && l.msg === 'oneshot: restarting on its restart-cron (it was exited)')).toBe(true);

    // a user's stop is respected: no more cron restarts for it (stopped just after a cron restart ends, far from the next)
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`early did not run again within 20 s (state ${early.state}, ${cronStarts(repo, 'early')} cron starts)`)), 20_000);
      const onState = (ev: { processName: string | null; newState: string | null; actor: string | null }) => {
        if (ev.processName !== 'early' || ev.newState !== 'running') return;
        sup.off('state', onState);
        clearTimeout(timer);
        resolve();
      };
      sup.on('state', onState);
    });
    await sup.stop(early, 'test');
    const after = cronStarts(repo, 'early');
    expect(await waitFor(() => logged.some((l) => l.msg === 'early: restart-cron skipped: the process was stopped by a user'), 5000)).toBe(true);
    expect(cronStarts(repo, 'early')).toBe(after);
    expect(early.state).toBe('stopped');
  });

  it('reports a process whose restart cron croner refuses once, and does not register it', async () => {
    const { daemon, repo } = boot();
    scheduleOps(daemon);
    const bad = sup.create(spec('bad', 'sleep 300', { restartCron: { cron: '61 * * * *', tz: null } }), 'test');
    await sup.start(bad, 'test');
    await sup.restart(bad, 'test');
    const warnings = logged.filter((l) => l.code === 'RESTART_CRON_INVALID');
    expect(warnings).toEqual([
      {
        level: 'warn',
        code: 'RESTART_CRON_INVALID',
        msg: 'bad: restart-cron ignored: invalid cron expression "61 * * * *": Invalid value for minute: 61; expected 5 fields (minute hour day month weekday) or 6 with seconds first, e.g. "0 2 * * *" or "@daily"',
      },
    ]);
    expect(cronStarts(repo, 'bad')).toBe(0);
  });
});

describe('schedule operations at daemon shutdown', () => {
  it('interrupts a run in progress, kills its process group and records the run as interrupted', async () => {
    const { daemon } = boot();
    const ops = scheduleOps(daemon);
    await call(ops, 'schedule.add', { name: 'long', every: '1h', command: 'echo $$ > pid; exec sleep 300', cwd: dir, env: { PATH: process.env.PATH ?? '' } });
    const started = await call(ops, 'schedule.run-now', { name: 'long' });
    expect(started.status).toBe('started');
    const pidFile = join(dir, 'pid');
    expect(await waitFor(() => { try { return readFileSync(pidFile, 'utf8').trim() !== ''; } catch { return false; } })).toBe(true);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    for (const step of shutdownSteps.splice(0)) await step();
    expect(alive(pid)).toBe(false);
    const [run] = createSchedulerRepo(db).history('long', 1);
    expect(run).toMatchObject({ status: 'interrupted', trigger: 'manual', signal: 'SIGTERM', reason: 'stopped because the daemon was shutting down' });
  });
});
