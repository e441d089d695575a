// The daemon's door to --watch. The watcher (src/watch/) is loaded only once some process has a watch
// section: a daemon whose processes watch nothing never loads it.
import { systemClock } from '../core/clock.js';
import type { Supervisor } from '../core/supervisor.js';
import type { ProcessWatches, WatchState } from '../watch/process-watches.js';
import { loadedFaces } from './loaded-faces.js';
import type { Logger } from './logger.js';

export interface WatchPort {
  /** Loads the watcher (once) and returns it. */
  load(): Promise<ProcessWatches>;
  /** null while the watcher is not loaded or the process watches nothing. */
  stateOf(name: string): WatchState | null;
  close(): void;
}

/** `home`: SENTINEL_HOME, never watched (the processes' own logs are written there). */
export function createWatchPort(sup: Supervisor, log: Logger, home: string): WatchPort {
  let loaded: ProcessWatches | null = null;
  let loading: Promise<ProcessWatches> | null = null;
  let closed = false;

  function load(): Promise<ProcessWatches> {
    loading ??= import('../watch/process-watches.js').then(({ connectProcessWatches }) => {
      // daemon status lists it: a daemon whose processes watch nothing never loads it
      loadedFaces.add('watch');
      loaded = connectProcessWatches(sup, { clock: systemClock, log, ownDirs: [home] });
      if (closed) loaded.close();
      sup.off('state', onState);
      return loaded;
    });
    return loading;
  }

  // until loaded: the first process with a watch (created, or updated to have one) loads it
  const onState = (ev: { processName?: string | null }) => {
    const rec = ev.processName ? sup.find(ev.processName.replace(/:\d+$/, '')) : undefined;
    if (rec?.spec.watch) void load().catch((err: Error) => log.error('WATCH_LOAD_FAILED', `cannot load the file watcher: ${err.message}`));
  };
  if (sup.list().some((r) => r.spec.watch)) void load().catch((err: Error) => log.error('WATCH_LOAD_FAILED', `cannot load the file watcher: ${err.message}`));
  else sup.on('state', onState);

  return {
    load,
    stateOf: (name) => loaded?.stateOf(name) ?? null,
    close(): void {
      closed = true;
      sup.off('state', onState);
      loaded?.close();
    },
  };
}
