// Schedules: cron, interval and one-time jobs run by the daemon, with history and logs.
import * as z from 'zod';
import { defineOp, once } from './define.js';
import { count, DurationMs, EnvMap, EnvPairs, NoParams, params } from './primitives.js';
import { RunRecord, ScheduleView } from './results.js';

const name = z.string().min(1).meta({ description: 'A schedule name' });
const one = once(() => z.object({ schedule: ScheduleView() }));

export const scheduleContracts = [
  defineOp({
    name: 'schedule.add', summary: 'Add a schedule: a command run on a cron, an interval or once', kind: 'write', permission: 'admin',
    params: () => params({
      name,
      command: z.string().optional(),
      args: z.array(z.string()).optional(),
      shell: z.boolean().optional(),
      cron: z.string().optional(),
      tz: z.string().optional(),
      dryRun: z.boolean().optional().meta({ description: 'Check everything, store nothing' }),
      every: DurationMs.optional(),
      at: z.union([z.string(), z.number()], { error: 'expected a date-time like "2026-12-01T02:00" or Unix time in ms' }).optional(),
      cwd: z.string().optional(),
      env: EnvMap.optional(),
      envVars: EnvPairs.optional(),
      overlap: z.enum(['skip', 'queue', 'allow']).optional(),
      missed: z.enum(['run-once', 'skip', 'run-all']).optional(),
      missedCap: count(0, 1_000_000, 10).optional(),
      maxRuntime: DurationMs.optional(),
      retries: count(0, 1_000_000, 3).optional(),
      retryDelay: DurationMs.optional(),
      retryBackoff: z.enum(['fixed', 'exponential']).optional(),
      jitter: DurationMs.optional(),
      enabled: z.boolean().optional(),
    }),
    result: one,
    routes: [{ method: 'POST', path: '/v1/schedules' }],
    errors: ['NAME_TAKEN', 'INVALID_SCHEDULE', 'INVALID_CRON', 'INVALID_TIMEZONE', 'SCHEDULE_IN_PAST', 'EXECUTABLE_NOT_FOUND', 'CWD_NOT_FOUND'],
  }),
  defineOp({
    name: 'schedule.list', summary: 'List the schedules', kind: 'read', permission: 'viewer',
    params: () => NoParams, result: () => z.object({ schedules: z.array(ScheduleView()) }),
    routes: [{ method: 'GET', path: '/v1/schedules' }],
  }),
  defineOp({
    name: 'schedule.get', summary: 'One schedule', kind: 'read', permission: 'viewer',
    params: () => params({ name }), result: one,
    routes: [{ method: 'GET', path: '/v1/schedules/:name' }],
    errors: ['SCHEDULE_NOT_FOUND'],
  }),
  defineOp({
    name: 'schedule.next', summary: 'The next run times of a schedule', kind: 'read', permission: 'viewer',
    params: () => params({ name, n: count(1, 1000, 5).optional() }), result: () => z.object({ name: z.string(), times: z.array(z.number()) }),
    routes: [{ method: 'GET', path: '/v1/schedules/:name/next' }],
    errors: ['SCHEDULE_NOT_FOUND'],
  }),
  defineOp({
    name: 'schedule.enable', summary: 'Enable a schedule', kind: 'write', permission: 'operator',
    params: () => params({ name }), result: one,
    routes: [{ method: 'POST', path: '/v1/schedules/:name/enable' }],
    errors: ['SCHEDULE_NOT_FOUND'],
  }),
  defineOp({
    name: 'schedule.disable', summary: 'Disable a schedule (runs in progress finish)', kind: 'write', permission: 'operator',
    params: () => params({ name }), result: one,
    routes: [{ method: 'POST', path: '/v1/schedules/:name/disable' }],
    errors: ['SCHEDULE_NOT_FOUND'],
  }),
  defineOp({
    name: 'schedule.run-now', summary: 'Run a schedule now', kind: 'write', permission: 'operator',
    params: () => params({ name }),
    result: () => z.union([z.object({ status: z.literal('started'), run: RunRecord() }), z.object({ status: z.literal('queued') })]),
    routes: [{ method: 'POST', path: '/v1/schedules/:name/run-now' }],
    errors: ['SCHEDULE_NOT_FOUND'],
  }),
  defineOp({
    name: 'schedule.rm', summary: 'Remove a schedule', kind: 'write', permission: 'admin',
    params: () => params({ name }), result: () => z.object({ removed: z.string() }),
    routes: [{ method: 'DELETE', path: '/v1/schedules/:name' }],
    errors: ['SCHEDULE_NOT_FOUND'],
  }),
  defineOp({
    name: 'schedule.history', summary: 'The latest runs of a schedule', kind: 'read', permission: 'viewer',
    params: () => params({ name, limit: count(1, 1000, 20).optional() }), result: () => z.object({ runs: z.array(RunRecord()) }),
    routes: [{ method: 'GET', path: '/v1/schedules/:name/history' }],
    errors: ['SCHEDULE_NOT_FOUND'],
  }),
  defineOp({
    name: 'schedule.logs', summary: "A run's output: the given run, or the latest one", kind: 'read', permission: 'viewer',
    params: () => params({ name, run: count(1, Number.MAX_SAFE_INTEGER, 1).optional() }),
    result: () => z.object({ run: RunRecord(), stdout: z.string(), stderr: z.string(), truncated: z.boolean() }),
    routes: [{ method: 'GET', path: '/v1/schedules/:name/logs' }],
    errors: ['SCHEDULE_NOT_FOUND', 'NOT_FOUND'],
  }),
] as const;
