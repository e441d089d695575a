// Logs of a process (tail, follow, clear) and the daemon itself (status, stop, its own log).
import * as z from 'zod';
import { defineOp, once } from './define.js';
import { count, DurationMs, NoParams, params, Ref } from './primitives.js';
import { epochMs, LogLine } from './results.js';

const since = z
  .union([z.string(), z.number()], { error: 'expected a duration ago like "10m" (a number is seconds) or a date like "2026-11-21T10:00"' })
  .optional()
  .meta({ description: 'Only lines since a duration ago ("10m"; a number is seconds) or a date' });

const NamedLogLine = once(() => LogLine().extend({ name: z.string() }));

export const logContracts = [
  defineOp({
    name: 'logs', summary: 'The last lines of a process log; follow=true streams new lines', kind: 'stream', permission: 'viewer', tokenScope: 'ref',
    params: () => params({
      ref: Ref,
      lines: count(0, 10_000_000, 100).optional(),
      stream: z.enum(['stdout', 'stderr', 'both']).optional(),
      since,
      timestamps: z.boolean().optional(),
      follow: z.boolean().optional(),
    }),
    result: () => z.object({ name: z.string(), lines: z.array(LogLine()) }),
    item: () => LogLine(),
    routes: [{ method: 'GET', path: '/v1/processes/:ref/logs' }],
    errors: ['PROCESS_NOT_FOUND', 'INVALID_DURATION'],
  }),
  defineOp({
    name: 'logs.all', summary: 'The last lines of every process (every instance), merged in time order; follow=true streams new lines, of new processes too', kind: 'stream', permission: 'viewer', tokenScope: 'filter',
    params: () => params({
      lines: count(0, 10_000_000, 100).optional(),
      stream: z.enum(['stdout', 'stderr', 'both']).optional(),
      since,
      timestamps: z.boolean().optional(),
      follow: z.boolean().optional(),
    }),
    result: () => z.object({ lines: z.array(NamedLogLine()) }),
    item: () => NamedLogLine(),
    routes: [{ method: 'GET', path: '/v1/logs' }],
    errors: ['INVALID_DURATION'],
  }),
  defineOp({
    name: 'logs.search', summary: 'Lines matching a regular expression across live and rotated (gzipped) logs, a page at a time', kind: 'read', permission: 'viewer',
    params: () => params({
      pattern: z.string().min(1, { error: 'expected a regular expression, e.g. "error|timeout"' }).meta({ description: 'A regular expression (JavaScript syntax; grep -E patterns work)' }),
      ignoreCase: z.boolean().optional(),
      names: z.array(Ref).optional().meta({ description: 'Processes to search (default: every process, every instance); "web" means all its instances' }),
      stream: z.enum(['stdout', 'stderr', 'both']).optional(),
      since,
      until: since.meta({ description: 'Only lines written before a duration ago ("10m"; a number is seconds) or a date' }),
      limit: count(1, 10_000, 100).optional().meta({ description: 'Hits per page (default 100, at most 10000)' }),
      cursor: z.string().optional().meta({ description: 'The nextCursor of the previous page' }),
      timeout: DurationMs.optional().meta({ description: 'Time budget of this page (default 10s, at most 60s)' }),
    }),
    result: () => z.object({
      hits: z.array(NamedLogLine().extend({ time: epochMs() })),
      nextCursor: z.string().nullable().meta({ description: 'Pass it as cursor for the next page; null when everything was searched' }),
      complete: z.boolean().meta({ description: 'false when the time budget ran out first (nextCursor goes on from there)' }),
      scannedBytes: z.number().int(),
    }),
    routes: [{ method: 'POST', path: '/v1/logs/search' }],
    errors: ['PROCESS_NOT_FOUND', 'INVALID_DURATION', 'INVALID_PATTERN', 'PATTERN_TOO_SLOW'],
  }),
  defineOp({
    name: 'logs.clear', summary: 'Empty the log files of a process', kind: 'write', permission: 'admin', tokenScope: 'ref',
    params: () => params({ ref: Ref }), result: () => z.object({ cleared: z.string(), files: z.array(z.string()) }),
    routes: [{ method: 'DELETE', path: '/v1/processes/:ref/logs' }],
    errors: ['PROCESS_NOT_FOUND'],
  }),
] as const;

export const daemonContracts = [
  defineOp({
    name: 'daemon.status', summary: 'Is the daemon running, since when, with how many processes', kind: 'read', permission: 'viewer', tokenScope: 'filter',
    params: () => NoParams,
    result: () => z.object({
      pid: z.number().int(), version: z.string(), home: z.string(), socket: z.string(), startedAt: z.number(), uptimeMs: z.number(),
      rssBytes: z.number(), processes: z.number().int(), running: z.number().int(),
      api: z.object({ url: z.string(), tls: z.boolean() }).nullable().meta({ description: 'The TCP listener, when it is on' }),
      loaded: z.array(z.string()).meta({ description: 'Optional faces whose code the daemon has loaded (e.g. "tcp"); a daemon without a listener loads none' }),
    }),
    routes: [{ method: 'GET', path: '/v1/daemon' }],
  }),
  defineOp({
    name: 'daemon.stop', summary: 'Stop the daemon and its processes (after this answer)', kind: 'write', permission: 'admin',
    params: () => params({
      keepProcesses: z.boolean().optional().meta({ description: 'Leave every process running; the next daemon re-adopts them (daemon restart)' }),
    }), result: () => z.object({ pid: z.number().int(), stopping: z.literal(true) }),
    routes: [{ method: 'POST', path: '/v1/daemon/stop' }],
  }),
  defineOp({
    name: 'daemon.logs', summary: "The daemon's own log (JSON lines)", kind: 'read', permission: 'viewer',
    params: () => params({ lines: count(1, 1_000_000, 100).optional() }), result: () => z.object({ lines: z.array(z.string()) }),
    routes: [{ method: 'GET', path: '/v1/daemon/logs' }],
  }),
] as const;
