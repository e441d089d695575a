// Live views: one stream of the whole process table, pushed on every change and on a timer (CPU, memory,
// uptime). The dashboard's overview and `sentinel list --watch` read it instead of polling `list`.
import * as z from 'zod';
import { defineOp, once } from './define.js';
import { DurationMs, params } from './primitives.js';
import { ProcessView } from './results.js';

/** Below this, a refresh costs more than it shows (a /proc scan per tick); above, a table looks frozen. */
export const WATCH_MIN_MS = 500;
export const WATCH_MAX_MS = 60_000;

const interval = DurationMs.check(
  z.refine((ms: number) => ms >= WATCH_MIN_MS && ms <= WATCH_MAX_MS, {
    // the value here is already in milliseconds: say so, not "got 10"
    error: (iss) => `expected an interval from ${WATCH_MIN_MS}ms to ${WATCH_MAX_MS / 1000}s, e.g. "2s", got ${String(iss.input)}ms`,
  }),
).meta({ description: `How often CPU, memory and uptime are refreshed (${WATCH_MIN_MS}ms..${WATCH_MAX_MS / 1000}s, default 2s); changes of state are sent at once` });

export const ProcessSnapshot = once(() => z.object({
  time: z.number().meta({ description: 'Unix time in milliseconds when the table was read' }),
  reason: z.enum(['initial', 'change', 'tick']).meta({ description: 'initial: the first item; change: a process changed state; tick: the refresh interval' }),
  processes: z.array(ProcessView()),
}));

export const watchContracts = [
  defineOp({
    name: 'processes.watch', summary: 'The process table; follow=true streams it again on every change of state and every interval', kind: 'stream', permission: 'viewer', tokenScope: 'filter',
    params: () => params({ interval: interval.optional(), follow: z.boolean().optional().meta({ description: 'Keep streaming (NDJSON): like the follow of logs and events' }) }),
    result: ProcessSnapshot,
    item: ProcessSnapshot,
    routes: [{ method: 'GET', path: '/v1/watch/processes' }],
  }),
] as const;
