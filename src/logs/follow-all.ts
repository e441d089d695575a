// `sentinel logs --follow` with no name: new lines of every process, including processes created
// while it runs (from their first line written after the follow began).
import { logPaths } from './paths.js';
import { createWaker, StreamFollower, type FollowedLine } from './follow.js';
import { selectStreams, type StreamChoice } from './read.js';
import type { LogSource } from './read-all.js';

export interface FollowAllOptions {
  stream?: StreamChoice;
  signal: AbortSignal;
  /** fallback poll interval, also how often new processes are looked for (default 250 ms) */
  pollMs?: number;
}

export interface NamedFollowedLine extends FollowedLine {
  name: string;
}

/** Yields lines appended to the logs of `sources()` (asked again on every round) until `signal` aborts. */
export async function* followAll(logsDir: string, sources: () => LogSource[], options: FollowAllOptions): AsyncGenerator<NamedFollowedLine> {
  const began = Date.now();
  const streams = selectStreams(options.stream);
  const followers = new Map<string, { name: string; followers: StreamFollower[] }>();
  const addNew = (fromStart: boolean): void => {
    for (const s of sources()) {
      if (followers.has(s.key)) continue;
      const files = logPaths(logsDir, s.key);
      followers.set(s.key, { name: s.name, followers: streams.map((st) => new StreamFollower(files[st], st, fromStart ? began : undefined)) });
    }
  };
  addNew(false);
  // a watch on the directory sees writes to every file in it, new ones included
  const waker = createWaker([logsDir], options.pollMs ?? 250, options.signal);
  try {
    while (!options.signal.aborted) {
      addNew(true);
      let more = false;
      for (const { name, followers: list } of followers.values()) {
        for (const f of list) {
          const { lines, more: fMore } = await f.poll();
          more ||= fMore;
          for (const line of lines) {
            if (options.signal.aborted) return;
            yield { ...line, name };
          }
        }
      }
      if (!more) await waker.wait();
    }
  } finally {
    waker.close();
  }
}
