// A burst of changes (a `git checkout`, a build writing hundreds of files, an editor's save through a
// temporary file and a rename) is one restart: changes are collected and flushed once `delayMs` has
// passed with no new change. Time comes in through a Clock so this is tested with a fake one.
import type { Clock } from '../core/clock.js';

/** Names kept per burst: enough to say which files changed, bounded for a checkout of 50,000 files. */
const KEEP = 20;

export interface ChangeBurst {
  /** The first files that changed (relative paths), in order, at most 20. */
  first: string[];
  /** How many distinct paths changed in all. */
  count: number;
}

export interface Debouncer {
  push(path: string): void;
  /** Drops what is pending (the process was stopped or deleted). */
  cancel(): void;
  pending(): boolean;
}

export function createDebouncer(opts: { delayMs: number; clock: Clock; onFlush(burst: ChangeBurst): void }): Debouncer {
  let timer: unknown = null;
  let first: string[] = [];
  let seen = new Set<string>();

  function flush(): void {
    timer = null;
    const burst = { first, count: seen.size };
    first = [];
    seen = new Set();
    opts.onFlush(burst);
  }

  return {
    push(path: string): void {
      if (!seen.has(path)) {
        seen.add(path);
        if (first.length < KEEP) first.push(path);
      }
      if (timer !== null) opts.clock.clearTimeout(timer);
      timer = opts.clock.setTimeout(flush, opts.delayMs);
    },
    cancel(): void {
      if (timer !== null) opts.clock.clearTimeout(timer);
      timer = null;
      first = [];
      seen = new Set();
    },
    pending: () => timer !== null,
  };
}

/** "file changed: src/app.js (+12 more)", the reason of the restart a burst causes. */
export function describeBurst(burst: ChangeBurst): string {
  const head = burst.first[0] ?? '(unknown file)';
  return `file changed: ${head}${burst.count > 1 ? ` (+${burst.count - 1} more)` : ''}`;
}
