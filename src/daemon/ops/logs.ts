// Log operations: tail, follow, clear; and the purge used by delete --purge and clean.
import { SentinelError } from '../../core/errors.js';
import { parseDuration } from '../../core/duration.js';
import type { Daemon, Operation } from '../context.js';
import { optBool, optNumber, optString, reqString, type Params } from '../params.js';
import { tailLines } from '../../logs/read.js';
import { followLogs } from '../../logs/follow.js';
import { purgeLogs } from '../../logs/clear.js';
import { logPaths } from '../../logs/paths.js';

type StreamSel = 'stdout' | 'stderr' | 'both';

function streamOf(p: Params): StreamSel {
  const s = optString(p, 'stream') ?? 'both';
  if (s !== 'stdout' && s !== 'stderr' && s !== 'both') {
    throw new SentinelError('INVALID_ARGUMENT', `--stream ${JSON.stringify(s)}: expected stdout or stderr`);
  }
  return s;
}

function sinceOf(p: Params): number | undefined {
  const s = optString(p, 'since');
  if (s === undefined) return undefined;
  const asDate = Date.parse(s);
  if (!/^\d+(\.\d+)?(ms|s|m|h|d)?$/.test(s) && !Number.isNaN(asDate)) return asDate;
  return Date.now() - parseDuration(s, '--since');
}

/** Removes every log file of a process (current, rotated, index). */
export function purgeProcessLogs(d: Daemon, name: string): void {
  purgeLogs(d.paths.logsDir, name);
}

export function logOps(d: Daemon): Record<string, Operation> {
  return {
    async logs(p, ctx) {
      const rec = d.supervisor.resolve(reqString(p, 'ref'));
      const stream = streamOf(p);
      const lines = optNumber(p, 'lines') ?? 50;
      if (!Number.isInteger(lines) || lines < 0) throw new SentinelError('INVALID_ARGUMENT', `--lines ${lines}: expected a whole number of lines, e.g. --lines 100`);
      const since = sinceOf(p);
      const timestamps = optBool(p, 'timestamps') ?? false;
      const past = await tailLines(d.paths.logsDir, rec.name, { lines, stream, since, timestamps });
      if (!optBool(p, 'follow')) return { name: rec.name, lines: past };
      return {
        stream: (async function* () {
          for (const l of past) yield l;
          yield* followLogs(d.paths.logsDir, rec.name, { stream, signal: ctx.signal });
        })(),
      };
    },
    async 'logs.clear'(p) {
      const rec = d.supervisor.resolve(reqString(p, 'ref'));
      await d.rotation.clear(rec.name);
      return { cleared: rec.name, files: Object.values(logPaths(d.paths.logsDir, rec.name)) };
    },
  };
}
