// Log operations: tail, follow, clear; and the purge used by delete --purge and clean.
import { readdirSync, rmSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { SentinelError } from '../../core/errors.js';
import { parseDuration } from '../../core/duration.js';
import type { Daemon, Operation } from '../context.js';
import { optBool, optNumber, optString, reqString, type Params } from '../params.js';
import { readLastLines } from '../log-port.js';

// temporary until the log reader lands
async function tailLines(dir: string, name: string, o: { lines: number; stream: StreamSel; since?: number; timestamps?: boolean }) {
  const out: Array<{ stream: string; line: string }> = [];
  for (const s of ['stdout', 'stderr'] as const) {
    if (o.stream !== 'both' && o.stream !== s) continue;
    for (const line of readLastLines(path.join(dir, `${name}.${s}.log`), o.lines)) out.push({ stream: s, line });
  }
  return out;
}
async function* followLogs(_dir: string, _name: string, _o: { stream: StreamSel; signal: AbortSignal }): AsyncGenerator<unknown> {}

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
  let entries: string[] = [];
  try {
    entries = readdirSync(d.paths.logsDir);
  } catch {
    return;
  }
  for (const f of entries) {
    if (f.startsWith(`${name}.stdout.log`) || f.startsWith(`${name}.stderr.log`)) rmSync(path.join(d.paths.logsDir, f), { force: true });
  }
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
    'logs.clear'(p) {
      const rec = d.supervisor.resolve(reqString(p, 'ref'));
      const stream = streamOf(p);
      for (const s of ['stdout', 'stderr'] as const) {
        if (stream !== 'both' && stream !== s) continue;
        const file = path.join(d.paths.logsDir, `${rec.name}.${s}.log`);
        try {
          truncateSync(file, 0);
        } catch {
          /* nothing to clear */
        }
      }
      return { cleared: rec.name };
    },
  };
}
