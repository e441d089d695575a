// The daemon's side of --watch against a stand-in supervisor: which processes are watched in which state,
// one restart per burst (fake clock), a burst during a restart gives exactly one more, and a watch that
// cannot start is reported once, as an event and in its state.
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/fake-clock.js';
import type { Supervisor } from '../../src/core/supervisor.js';
import type { ProcessRecord } from '../../src/store/processes.js';
import { connectProcessWatches, type ProcessWatches } from '../../src/watch/process-watches.js';
import { waitFor } from '../helpers.js';

let dir: string;
let watches: ProcessWatches | null = null;
afterEach(() => {
  watches?.close();
  watches = null;
  rmSync(dir, { recursive: true, force: true });
});

function setup(paths: string[] = [], ownDirs: (dir: string) => string[] = () => []) {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sn-pw-'));
  mkdirSync(path.join(dir, 'src'));
  mkdirSync(path.join(dir, '.sentinel/logs'), { recursive: true });
  const rec = { name: 'app', instance: 0, state: 'running', wantRunning: true, spec: { watch: { paths: paths.length ? paths : [dir], ignore: ['*.log'], delayMs: 300 } } } as unknown as ProcessRecord;
  const restarts: Array<{ reason: string; keepReason: boolean }> = [];
  const notes: string[] = [];
  let release: (() => void) | null = null;
  let hold = false;
  const sup = Object.assign(new EventEmitter(), {
    list: () => [rec],
    find: (name: string) => (name === 'app' ? rec : undefined),
    instancesOf: () => [rec],
    async restart(_r: ProcessRecord, actor: string, opts: { reason: string; keepReason: boolean }) {
      expect(actor).toBe('watch');
      restarts.push({ reason: opts.reason, keepReason: opts.keepReason });
      if (hold) await new Promise<void>((r) => (release = r));
    },
    note(_r: ProcessRecord, kind: string, reason: string) {
      notes.push(`${kind}: ${reason}`);
      // the real supervisor emits the note as an event, which comes back to sync
      sup.emit('state', { processName: 'app' });
    },
  });
  const clock = new FakeClock();
  const log = { info: () => undefined, warn: () => undefined };
  watches = connectProcessWatches(sup as unknown as Supervisor, { clock, log, ownDirs: ownDirs(dir) });
  const setState = (state: string, wantRunning = true) => {
    Object.assign(rec, { state, wantRunning });
    sup.emit('state', { processName: 'app' });
  };
  return { rec, clock, restarts, notes, setState, holdRestarts: (v: boolean) => (hold = v), release: () => release?.() };
}

describe('connectProcessWatches', () => {
  it('a burst of changes is one restart, delay after the last, with the files as reason', async () => {
    const { clock, restarts } = setup();
    expect(watches!.stateOf('app')).toEqual({ active: true, directories: 4, error: null, lastChange: null });
    writeFileSync(path.join(dir, 'src/a.js'), '1');
    writeFileSync(path.join(dir, 'src/b.js'), '1');
    writeFileSync(path.join(dir, 'src/c.log'), '1');
    // the kernel's events arrive on the loop; each pushes the debounce further
    expect(await waitFor(() => clock.pending() > 0, 5000)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    clock.advance(299);
    expect(restarts).toEqual([]);
    clock.advance(1);
    expect(restarts).toEqual([{ reason: 'file changed: src/a.js (+1 more)', keepReason: true }]);
    expect(watches!.stateOf('app')?.lastChange?.reason).toBe('file changed: src/a.js (+1 more)');
  });

  it('a burst that ends while a restart is under way gives exactly one more restart after it', async () => {
    const { clock, restarts, holdRestarts, release } = setup();
    holdRestarts(true);
    writeFileSync(path.join(dir, 'src/a.js'), '1');
    expect(await waitFor(() => { clock.advance(300); return restarts.length === 1; }, 5000)).toBe(true);
    writeFileSync(path.join(dir, 'src/b.js'), '1');
    await new Promise((r) => setTimeout(r, 150));
    clock.advance(300);
    writeFileSync(path.join(dir, 'src/c.js'), '1');
    await new Promise((r) => setTimeout(r, 150));
    clock.advance(300);
    expect(restarts).toHaveLength(1);
    holdRestarts(false);
    release();
    expect(await waitFor(() => restarts.length === 2, 5000)).toBe(true);
    expect(restarts[1].reason).toBe('file changed: src/c.js');
    await new Promise((r) => setTimeout(r, 100));
    expect(restarts).toHaveLength(2);
  });

  it('watched while running or crashed; not once a user stopped it; again when started', async () => {
    const { clock, restarts, setState } = setup();
    setState('failed', false);
    expect(watches!.stateOf('app')?.active).toBe(true);
    setState('stopping', false);
    expect(watches!.stateOf('app')?.active).toBe(false);
    setState('stopped', false);
    writeFileSync(path.join(dir, 'src/a.js'), '1');
    await new Promise((r) => setTimeout(r, 150));
    clock.advance(1000);
    expect(restarts).toEqual([]);
    setState('running');
    expect(watches!.stateOf('app')).toMatchObject({ active: true, directories: 4 });
  });

  it('a watch that cannot start is noted once (not on every event), and kept as the failure with its code', () => {
    const missing = path.join(os.tmpdir(), `sn-pw-missing-${process.pid}`);
    const s = setup([missing]);
    expect(s.notes).toEqual([`watch-failed: not watching for changes: watch path ${missing} does not exist; create it, or watch another path`]);
    s.setState('running');
    s.setState('starting');
    expect(s.notes).toHaveLength(1);
    expect((watches!.failureOf('app') as Error & { code: string }).code).toBe('WATCH_PATH_NOT_FOUND');
    expect(watches!.stateOf('app')).toMatchObject({ active: false, error: expect.stringContaining('does not exist') });
  });

  it("never watches the daemon's own home (its logs) when it lies in a watched tree", async () => {
    const { clock, restarts } = setup([], (d) => [path.join(d, '.sentinel')]);
    // the root and src: not .sentinel nor .sentinel/logs
    expect(watches!.stateOf('app')?.directories).toBe(2);
    writeFileSync(path.join(dir, '.sentinel/logs/app.stdout'), 'output');
    await new Promise((r) => setTimeout(r, 200));
    clock.advance(1000);
    expect(restarts).toEqual([]);
  });
});
