// processes.watch: one shared hub reads the table once per change or tick and hands the same snapshot to
// every watcher, so ten open dashboards cost one /proc scan per interval, not ten.
import type * as z from 'zod';
import type { Daemon, Handlers, OpContext } from '../context.js';
import type { ProcessSnapshot } from '../../contracts/watch.js';
import { views } from './processes.js';

type Snapshot = z.input<ReturnType<typeof ProcessSnapshot>>;

/** State changes that arrive together (a bulk stop, a crash and its restart) become one push. */
const COALESCE_MS = 50;
/** Timer granularity: a watcher's interval is met within this. */
const TICK_MS = 250;

interface Watcher {
  intervalMs: number;
  lastSentAt: number;
  push(s: Snapshot): void;
}

class WatchHub {
  private readonly watchers = new Set<Watcher>();
  private timer: NodeJS.Timeout | null = null;
  private changeTimer: NodeJS.Timeout | null = null;
  private readonly onState = () => {
    this.changeTimer ??= setTimeout(() => {
      this.changeTimer = null;
      this.send('change', () => true);
    }, COALESCE_MS);
  };

  constructor(private readonly d: Daemon) {}

  snapshot(reason: Snapshot['reason']): Snapshot {
    return { time: Date.now(), reason, processes: views(this.d, this.d.supervisor.list()) };
  }

  add(w: Watcher): void {
    this.watchers.add(w);
    if (this.watchers.size === 1) {
      this.d.supervisor.on('state', this.onState);
      this.timer = setInterval(() => {
        const now = Date.now();
        // a watcher is due when its interval has passed (minus half a tick, so 2 s does not drift to 2.25 s)
        this.send('tick', (x) => now - x.lastSentAt >= x.intervalMs - TICK_MS / 2);
      }, TICK_MS);
    }
  }

  remove(w: Watcher): void {
    this.watchers.delete(w);
    if (this.watchers.size === 0) {
      this.d.supervisor.off('state', this.onState);
      if (this.timer) clearInterval(this.timer);
      if (this.changeTimer) clearTimeout(this.changeTimer);
      this.timer = this.changeTimer = null;
    }
  }

  private send(reason: Snapshot['reason'], due: (w: Watcher) => boolean): void {
    const targets = [...this.watchers].filter(due);
    if (targets.length === 0) return;
    const s = this.snapshot(reason);
    for (const w of targets) {
      w.lastSentAt = s.time;
      w.push(s);
    }
  }
}

/** Yields what the hub pushes; a slow reader gets the latest snapshot, never a growing queue. */
async function* follow(hub: WatchHub, intervalMs: number, ctx: OpContext): AsyncGenerator<Snapshot> {
  let latest: Snapshot | null = hub.snapshot('initial');
  let wake: (() => void) | null = null;
  const w: Watcher = {
    intervalMs,
    lastSentAt: latest.time,
    push(s) {
      // a change must not be hidden by a later tick: the reason shown is the most important one waiting
      latest = latest && latest.reason !== 'tick' && s.reason === 'tick' ? { ...s, reason: latest.reason } : s;
      wake?.();
    },
  };
  const aborted = new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r(), { once: true }));
  hub.add(w);
  try {
    while (!ctx.signal.aborted) {
      if (latest) {
        const s: Snapshot = latest;
        latest = null;
        yield s;
        continue;
      }
      await Promise.race([new Promise<void>((r) => (wake = r)), aborted]);
      wake = null;
    }
  } finally {
    hub.remove(w);
  }
}

export function watchOps(d: Daemon): Handlers<'processes.watch'> {
  let hub: WatchHub | undefined;
  return {
    'processes.watch'(p, ctx) {
      hub ??= new WatchHub(d);
      // like logs and events: one answer unless asked to follow
      if (!p.follow) return hub.snapshot('initial');
      return { stream: follow(hub, p.interval ?? 2000, ctx) };
    },
  };
}
