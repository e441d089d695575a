// --watch for managed processes: a process whose spec has a `watch` section is restarted (every instance)
// when files under its watched paths change, once per burst. Its trees are watched while the process is
// meant to run — also after it crashed, so a fix restarts it — and not once a user stopped or deleted it.
import type { Clock } from '../core/clock.js';
import type { WatchSection } from '../core/spec.js';
import type { Supervisor } from '../core/supervisor.js';
import type { ProcessRecord } from '../store/processes.js';
import { createDebouncer, describeBurst, type Debouncer } from './debounce.js';
import { createIgnoreMatcher } from './ignore.js';
import { watchTrees, type TreeWatcher } from './tree-watcher.js';

export interface WatchLog {
  info(code: string, message: string, fields?: Record<string, unknown>): void;
  warn(code: string, message: string, fields?: Record<string, unknown>): void;
}

/** What `status` shows about a process's watch. */
export interface WatchState {
  active: boolean;
  directories: number;
  /** Why it does not watch (a path gone, the inotify limit), or null. */
  error: string | null;
  lastChange: { at: number; reason: string } | null;
}

export interface ProcessWatches {
  /** Starts, changes or stops one process's watch to match its record; returns the error when it cannot watch. */
  sync(name: string): Error | null;
  /** Why a process's watch could not start, as thrown (with its error code), or null. */
  failureOf(name: string): Error | null;
  stateOf(name: string): WatchState | null;
  close(): void;
}

interface Entry {
  key: string;
  tree: TreeWatcher | null;
  debounce: Debouncer | null;
  error: Error | null;
  lastChange: WatchState['lastChange'];
  restarting: boolean;
  /** A burst ended while a restart was under way: restart once more after it. */
  again: string | null;
}

/** Watched while meant to run: running, starting, or ended on its own (not stopped by a user). */
function wantsWatch(rec: ProcessRecord | undefined): rec is ProcessRecord & { spec: { watch: WatchSection } } {
  if (!rec?.spec.watch) return false;
  if (rec.state === 'stopped') return false;
  return rec.state !== 'stopping' || rec.wantRunning;
}

/** `ownDirs`: the daemon's own directories (SENTINEL_HOME): never watched, or a process's logs would restart it in a loop. */
export function connectProcessWatches(sup: Supervisor, deps: { clock: Clock; log: WatchLog; rootPollMs?: number; ownDirs?: string[] }): ProcessWatches {
  const entries = new Map<string, Entry>();

  function stopEntry(e: Entry): void {
    e.tree?.close();
    e.debounce?.cancel();
    e.tree = null;
    e.debounce = null;
  }

  async function restartAll(name: string, reason: string): Promise<void> {
    const e = entries.get(name);
    if (!e) return;
    if (e.restarting) {
      e.again = reason;
      return;
    }
    e.restarting = true;
    try {
      deps.log.info('WATCH_RESTART', `${name}: restarting, ${reason}`, { process: name });
      for (const rec of sup.instancesOf(name)) {
        if (!wantsWatch(rec)) continue;
        await sup.restart(rec, 'watch', { reason, keepReason: true }).catch((err: Error) => {
          deps.log.warn('WATCH_RESTART_FAILED', `${name}: restart after a file change failed: ${err.message}`, { process: name });
        });
      }
    } finally {
      e.restarting = false;
    }
    const again = e.again;
    e.again = null;
    if (again !== null && entries.get(name) === e && e.tree) await restartAll(name, again);
  }

  function start(name: string, watch: WatchSection, e: Entry): void {
    e.debounce = createDebouncer({
      delayMs: watch.delayMs,
      clock: deps.clock,
      onFlush: (burst) => {
        const reason = describeBurst(burst);
        e.lastChange = { at: deps.clock.now(), reason };
        void restartAll(name, reason);
      },
    });
    const debounce = e.debounce;
    e.tree = watchTrees({
      roots: watch.paths.map((p) => {
        const own = (deps.ownDirs ?? []).filter((d) => d.startsWith(`${p}/`)).map((d) => `/${d.slice(p.length + 1)}/`);
        return { path: p, ignore: createIgnoreMatcher(p, [...watch.ignore, ...own]) };
      }),
      onChange: (rel) => debounce.push(rel),
      onWarning: (message) => deps.log.warn('WATCH_WARNING', `${name}: ${message}`, { process: name }),
      rootPollMs: deps.rootPollMs,
    });
  }

  function sync(name: string): Error | null {
    const rec = sup.find(name);
    const old = entries.get(name);
    if (!wantsWatch(rec)) {
      if (old) stopEntry(old);
      if (!rec?.spec.watch) entries.delete(name);
      else if (old) old.error = null;
      return null;
    }
    const key = JSON.stringify(rec.spec.watch);
    if (old && old.key === key && (old.tree || old.error)) return null;
    if (old) stopEntry(old);
    const e: Entry = old ?? { key, tree: null, debounce: null, error: null, lastChange: null, restarting: false, again: null };
    e.key = key;
    entries.set(name, e);
    try {
      start(name, rec.spec.watch, e);
      if (e.error !== null) deps.log.info('WATCH_RESUMED', `${name}: watching again`, { process: name });
      e.error = null;
      return null;
    } catch (err) {
      stopEntry(e);
      const message = (err as Error).message;
      const known = e.error?.message === message;
      // set before the note: the note's event comes back here and must find the failure known
      e.error = err as Error;
      if (!known) {
        deps.log.warn('WATCH_FAILED', `${name}: not watching for changes: ${message}`, { process: name });
        sup.note(rec, 'watch-failed', `not watching for changes: ${message}`);
      }
      return err as Error;
    }
  }

  for (const rec of sup.list()) if (rec.instance === 0) sync(rec.name);
  const onState = (ev: { processName?: string | null }) => {
    if (ev.processName) sync(ev.processName.replace(/:\d+$/, ''));
  };
  sup.on('state', onState);

  return {
    sync,
    stateOf(name: string): WatchState | null {
      const e = entries.get(name);
      if (!e) return null;
      return { active: e.tree !== null, directories: e.tree?.directories() ?? 0, error: e.error?.message ?? null, lastChange: e.lastChange };
    },
    failureOf: (name) => entries.get(name)?.error ?? null,
    close(): void {
      sup.off('state', onState);
      for (const e of entries.values()) stopEntry(e);
      entries.clear();
    },
  };
}
