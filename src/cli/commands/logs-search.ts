// `sentinel logs --grep REGEX [NAMES...|all]`: pages through the logs.search operation until every match
// is printed or --max is reached; each hit with its time, process and stream.
import type { OpResult } from '../../contracts/index.js';
import { SentinelError } from '../../core/errors.js';
import { act } from '../common.js';
import { println } from '../output.js';

export interface GrepOpts {
  grep: string;
  ignoreCase?: boolean;
  stream?: 'stdout' | 'stderr';
  since?: string;
  until?: string;
  max: number;
  timeout?: string;
  json?: boolean;
}

type Hit = OpResult<'logs.search'>['hits'][number];

export function renderHit(h: Hit): string {
  return `${new Date(h.time).toISOString()} ${h.name} ${h.stream === 'stderr' ? '[err]' : '[out]'} ${h.line}`;
}

export async function grepLogs(refs: string[], opts: GrepOpts): Promise<void> {
  const names = refs.length === 0 || (refs.length === 1 && refs[0] === 'all') ? undefined : refs;
  if (refs.includes('all') && refs.length > 1) {
    throw new SentinelError('INVALID_ARGUMENT', '"all" already means every process: give names, or "all" alone');
  }
  await act(
    opts,
    async (c) => {
      const hits: Hit[] = [];
      let cursor: string | undefined;
      let scannedBytes = 0;
      let more = false;
      for (;;) {
        const page = await c.call('logs.search', {
          pattern: opts.grep, ignoreCase: opts.ignoreCase, names, stream: opts.stream, since: opts.since, until: opts.until,
          limit: Math.min(10_000, opts.max - hits.length), cursor, timeout: opts.timeout,
        });
        hits.push(...page.hits);
        scannedBytes += page.scannedBytes;
        cursor = page.nextCursor ?? undefined;
        if (!cursor) break;
        if (hits.length >= opts.max) {
          more = true;
          break;
        }
      }
      return { hits, scannedBytes, truncated: more, nextCursor: more ? cursor ?? null : null };
    },
    (r) => {
      for (const h of r.hits) println(renderHit(h));
      if (r.truncated) process.stderr.write(`(stopped at --max ${opts.max} hits; there are more: raise --max or narrow the search with --since or names)\n`);
      else if (r.hits.length === 0) process.stderr.write(`no line matches ${JSON.stringify(opts.grep)}\n`);
    },
  );
}
