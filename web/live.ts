// One processes.watch stream for the whole session: the overview, the process page and the header all
// read the latest snapshot from here. It reconnects with a growing pause when the connection drops.
import { ApiError, type Api } from './api';
import type { Snapshot } from './types';

export type LiveState = 'connecting' | 'live' | 'offline';

export class Live {
  latest: Snapshot | null = null;
  state: LiveState = 'connecting';
  private readonly listeners = new Set<(s: Snapshot) => void>();
  private readonly stateListeners = new Set<(s: LiveState, why: string) => void>();
  private abort = new AbortController();
  private stopped = false;

  constructor(private readonly api: Api, private readonly intervalMs = 2000) {}

  start(): void {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
  }

  subscribe(fn: (s: Snapshot) => void): () => void {
    this.listeners.add(fn);
    if (this.latest) fn(this.latest);
    return () => this.listeners.delete(fn);
  }

  onState(fn: (s: LiveState, why: string) => void): () => void {
    this.stateListeners.add(fn);
    fn(this.state, '');
    return () => this.stateListeners.delete(fn);
  }

  private setState(s: LiveState, why = ''): void {
    this.state = s;
    for (const fn of this.stateListeners) fn(s, why);
  }

  private async run(): Promise<void> {
    let pause = 500;
    while (!this.stopped) {
      try {
        await this.api.stream<Snapshot>('processes.watch', { interval: `${this.intervalMs}ms`, follow: true }, (s) => {
          pause = 500;
          if (this.state !== 'live') this.setState('live');
          this.latest = s;
          for (const fn of this.listeners) fn(s);
        }, this.abort.signal);
        if (this.stopped) return;
        this.setState('offline', 'the stream ended');
      } catch (err) {
        if (this.stopped) return;
        // a refused token ends the session (the app shows the login form); anything else is retried
        if (err instanceof ApiError && (err.status === 401 || err.status === 403)) return;
        this.setState('offline', err instanceof Error ? err.message : String(err));
      }
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, 10_000);
      if (!this.stopped) this.setState('connecting');
    }
  }
}
