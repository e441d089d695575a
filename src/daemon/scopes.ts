// Scoped processes: a process started with `run --scope PID` (or inside `sentinel shell` / `sentinel scope`)
// lives as long as that pid does. One poll checks every scope (pid + start time, so a recycled pid does not
// keep a scope alive); when a scope's process is gone, its processes are deleted through the same
// operation a client would call. A daemon started for scopes (`--scoped`) exits once nothing is left.
// The poll runs only while a scoped process exists (always in a scoped daemon): a daemon with no scope
// does not wake up twice a second for nothing; `notice` arms it again when a scoped process is created.
import type { ProcessRecord } from '../store/processes.js';
import type { Logger } from './logger.js';

export interface ScopeWatcherDeps {
  list(): ProcessRecord[];
  /** Deletes a definition (stops it first) on behalf of `actor`. */
  remove(name: string, actor: string): Promise<void>;
  isAlive(pid: number, startTime: number): boolean;
  log: Logger;
  pollMs: number;
  /** Scoped daemon only: anything else that keeps the daemon needed (schedules). */
  keepsDaemon?: () => Promise<boolean>;
  /** Scoped daemon only: called once nothing is left in any scope (and nothing else is managed). */
  onEmpty?: () => void;
  /** Scoped daemon only: how long after start an empty daemon waits for its first scoped process. */
  graceMs?: number;
}

export interface ScopeWatcher {
  check(): Promise<void>;
  /** A record was created or its spec changed: polls again if it has a scope. */
  notice(rec: ProcessRecord): void;
  close(): void;
}

export function createScopeWatcher(deps: ScopeWatcherDeps): ScopeWatcher {
  const startedAt = Date.now();
  const removing = new Set<string>();
  let checking = false;
  let closed = false;

  async function check(): Promise<void> {
    if (checking || closed) return;
    checking = true;
    try {
      const ended = new Map<string, string>();
      for (const rec of deps.list()) {
        const scope = rec.spec.scope;
        if (!scope || removing.has(rec.name) || ended.has(rec.name)) continue;
        if (!deps.isAlive(scope.pid, scope.startTime)) ended.set(rec.name, `scope ended (pid ${scope.pid} exited)`);
      }
      await Promise.all([...ended].map(async ([name, actor]) => {
        removing.add(name);
        try {
          await deps.remove(name, actor);
          deps.log.info('SCOPE_ENDED', `${name}: deleted, its ${actor}`);
        } catch (err) {
          deps.log.warn('SCOPE_CLEANUP_FAILED', `${name}: could not delete after its ${actor}: ${(err as Error).message}`);
        } finally {
          removing.delete(name);
        }
      }));
      if (deps.onEmpty && deps.list().length === 0 && Date.now() - startedAt >= (deps.graceMs ?? 5000)) {
        if (!(await deps.keepsDaemon?.())) {
          closed = true;
          deps.onEmpty();
        }
      }
      // nothing scoped left (the ones just ended are deleted): nothing to poll until one is created
      if (!deps.onEmpty && !deps.list().some((rec) => rec.spec.scope)) disarm();
    } finally {
      checking = false;
    }
  }

  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    if (timer || closed) return;
    timer = setInterval(() => void check(), deps.pollMs);
    timer.unref();
  };
  const disarm = () => {
    clearInterval(timer);
    timer = undefined;
  };
  arm();
  return {
    check,
    notice(rec) {
      if (rec.spec.scope) arm();
    },
    close() {
      closed = true;
      disarm();
    },
  };
}
