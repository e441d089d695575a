// Metrics: the Prometheus exposition (also served raw at GET /metrics) and the in-memory CPU/memory history.
import * as z from 'zod';
import { defineOp } from './define.js';
import { NoParams, params, Ref } from './primitives.js';

const Point = z
  .tuple([z.number(), z.number().nullable(), z.number()])
  .meta({ description: '[Unix ms, CPU % of one core (null for the first point of a run), resident memory in bytes] — whole process tree' });

export const HistorySeries = z.object({
  kind: z.enum(['process', 'daemon']),
  /** "web", "web:1", or "daemon". */
  name: z.string(),
  definition: z.string().nullable(),
  instance: z.number().int().nullable(),
  id: z.number().int().nullable(),
  points: z.array(Point),
});

export const metricsContracts = [
  defineOp({
    name: 'metrics.exposition', summary: 'Every metric in the Prometheus text format (GET /metrics serves the same text raw)', kind: 'read', permission: 'viewer',
    params: () => NoParams,
    result: () => z.object({ contentType: z.string(), body: z.string() }),
    routes: [{ method: 'GET', path: '/v1/metrics' }],
  }),
  defineOp({
    name: 'metrics.history', summary: 'CPU and memory history of processes and of the daemon (in memory: the last hour at 5 s by default)', kind: 'read', permission: 'viewer',
    params: () => params({
      ref: Ref.optional().meta({ description: 'One process (or every instance of a definition); absent: every process and the daemon itself' }),
      since: z
        .union([z.string(), z.number()], { error: 'expected a duration ago like "15m" (a number is seconds) or a date like "2026-11-21T10:00"' })
        .optional()
        .meta({ description: 'Only points since a duration ago ("15m"; a number is seconds) or a date' }),
    }),
    result: () => z.object({ stepMs: z.number(), historyMs: z.number(), series: z.array(HistorySeries) }),
    routes: [{ method: 'GET', path: '/v1/metrics/history' }],
    errors: ['PROCESS_NOT_FOUND', 'INVALID_DURATION'],
  }),
] as const;
