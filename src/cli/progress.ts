// While a command waits for readiness, show the daemon's "waiting for ..." notes on a terminal.
import { getClient } from './common.js';

export function followProgress(name: string): { stop(): void } | null {
  if (!process.stderr.isTTY) return null;
  const ac = new AbortController();
  let shown = false;
  void (async () => {
    try {
      for await (const ev of getClient().stream('events', { name, follow: true, limit: 0 }, { signal: ac.signal })) {
        if (ac.signal.aborted) break;
        if (ev.kind !== 'waiting') continue;
        process.stderr.write(`\r\x1b[K${ev.reason}`);
        shown = true;
      }
    } catch {
      /* the process may not exist yet, or the daemon went away: progress is only a courtesy */
    }
  })();
  return {
    stop() {
      ac.abort();
      if (shown) process.stderr.write('\r\x1b[K');
    },
  };
}
