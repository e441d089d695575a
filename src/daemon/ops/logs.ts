// Log operations: tail, follow, clear; and the purge used by delete --purge and clean.
import { parseDuration } from '../../core/duration.js';
import { SentinelError } from '../../core/errors.js';
import type { Daemon, Handlers } from '../context.js';
import { displayName, instanceKey } from '../../core/instances.js';
import { tailLines } from '../../logs/read.js';
import { followLogs } from '../../logs/follow.js';
import { followAll } from '../../logs/follow-all.js';
import { tailAll, type LogSource } from '../../logs/read-all.js';
import { purgeLogs } from '../../logs/clear.js';
import { logPaths } from '../../logs/paths.js';

/** `since`: a duration ago ("10m"; a bare number is seconds, as everywhere) or a date. */
export function sinceOf(s: string | number | undefined): number | undefined {
  if (s === undefined) return undefined;
  if (typeof s === 'string') {
    const asDate = Date.parse(s);
    if (!/^\d+(\.\d+)?(ms|s|m|h|d)?$/.test(s) && !Number.isNaN(asDate)) return asDate;
  }
  return Date.now() - parseDuration(s, 'parameter "since"');
}

/** Removes every log file of a process (current, rotated, index). */
export function purgeProcessLogs(d: Daemon, name: string): void {
  purgeLogs(d.paths.logsDir, name);
}

/** Every instance of every process, in list order. */
function allSources(d: Daemon): LogSource[] {
  return d.supervisor.list().map((r) => ({ key: instanceKey(r), name: displayName(r) }));
}

/** The instances a search covers: every one, or those of the names given ("web" is all of web's). */
function searchSources(d: Daemon, names: string[] | undefined): LogSource[] {
  if (!names?.length) return allSources(d);
  const out: LogSource[] = [];
  for (const ref of names) {
    for (const m of d.supervisor.resolveAll(ref)) {
      const key = instanceKey(m);
      if (!out.some((o) => o.key === key)) out.push({ key, name: displayName(m) });
    }
  }
  return out;
}

const SEARCH_BUDGET_MS = 10_000;
const SEARCH_BUDGET_MAX_MS = 60_000;

export function logOps(d: Daemon): Handlers<'logs' | 'logs.all' | 'logs.clear' | 'logs.search'> {
  return {
    async logs(p, ctx) {
      const rec = d.supervisor.resolve(p.ref);
      const stream = p.stream ?? 'both';
      const lines = p.lines ?? 50;
      const since = sinceOf(p.since);
      const timestamps = p.timestamps ?? false;
      const key = instanceKey(rec);
      const past = await tailLines(d.paths.logsDir, key, { lines, stream, since, timestamps });
      if (!p.follow) return { name: displayName(rec), lines: past };
      return {
        stream: (async function* () {
          for (const l of past) yield l;
          yield* followLogs(d.paths.logsDir, key, { stream, signal: ctx.signal });
        })(),
      };
    },
    async 'logs.all'(p, ctx) {
      const stream = p.stream ?? 'both';
      const options = { lines: p.lines ?? 50, stream, since: sinceOf(p.since), timestamps: p.timestamps ?? false };
      const past = await tailAll(d.paths.logsDir, allSources(d), options);
      if (!p.follow) return { lines: past };
      return {
        stream: (async function* () {
          for (const l of past) yield l;
          for await (const l of followAll(d.paths.logsDir, () => allSources(d), { stream, signal: ctx.signal })) {
            yield options.timestamps ? l : { name: l.name, stream: l.stream, line: l.line };
          }
        })(),
      };
    },
    async 'logs.search'(p) {
      const budgetMs = p.timeout ?? SEARCH_BUDGET_MS;
      if (budgetMs <= 0 || budgetMs > SEARCH_BUDGET_MAX_MS) {
        throw new SentinelError('INVALID_ARGUMENT', `timeout ${budgetMs}ms is out of range: expected more than 0 and at most ${SEARCH_BUDGET_MAX_MS / 1000}s (page through longer searches with the cursor)`);
      }
      const since = sinceOf(p.since);
      const until = p.until === undefined ? undefined : sinceOf(p.until);
      if (since !== undefined && until !== undefined && until < since) {
        throw new SentinelError('INVALID_ARGUMENT', `until (${new Date(until).toISOString()}) is before since (${new Date(since).toISOString()}): nothing can match; swap them`);
      }
      const { searchLogs } = await import('../../logs/search.js');
      const stream = p.stream ?? 'both';
      return searchLogs(d.paths.logsDir, searchSources(d, p.names), {
        pattern: p.pattern, ignoreCase: p.ignoreCase, streams: stream === 'both' ? ['stdout', 'stderr'] : [stream],
        since, until, limit: p.limit ?? 100, cursor: p.cursor, budgetMs,
      });
    },
    async 'logs.clear'(p) {
      const rec = d.supervisor.resolve(p.ref);
      await d.rotation.clear(instanceKey(rec));
      return { cleared: displayName(rec), files: Object.values(logPaths(d.paths.logsDir, instanceKey(rec))) };
    },
  };
}
