// The event log stays bounded: old rows go by count and by age (SENTINEL_EVENTS_MAX_ROWS/_MAX_AGE), and
// a storm of events alike is counted on one row.
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/store/db.js';
import { FOLD, ProcessRepo, retentionFromEnv, type EventInput } from '../../src/store/processes.js';

const ev = (over: Partial<EventInput> = {}): EventInput => ({
  time: 1000, processId: null, processName: 'x', kind: 'state', oldState: 'starting', newState: 'exited',
  pid: 1, exitCode: 1, signal: null, reason: 'exit code 1: restarting', actor: 'sentinel', ...over,
});

describe('event retention', () => {
  it('reads its limits from the environment, with defaults', () => {
    expect(retentionFromEnv({})).toEqual({ maxRows: 100_000, maxAgeMs: 30 * 86_400_000 });
    expect(retentionFromEnv({ SENTINEL_EVENTS_MAX_ROWS: '500', SENTINEL_EVENTS_MAX_AGE: '7d' })).toEqual({ maxRows: 500, maxAgeMs: 7 * 86_400_000 });
  });

  it('refuses a malformed limit, naming the variable (it was silently the default)', () => {
    expect(() => retentionFromEnv({ SENTINEL_EVENTS_MAX_ROWS: 'lots' })).toThrow('SENTINEL_EVENTS_MAX_ROWS must be a whole number of rows of at least 1 (got "lots"); unset it for the default of 100000');
    expect(() => retentionFromEnv({ SENTINEL_EVENTS_MAX_ROWS: '0' })).toThrow(/at least 1/);
    expect(() => retentionFromEnv({ SENTINEL_EVENTS_MAX_AGE: 'soon' })).toThrow(/SENTINEL_EVENTS_MAX_AGE: expected a duration like "500ms"/);
    expect(retentionFromEnv({ SENTINEL_EVENTS_MAX_ROWS: '', SENTINEL_EVENTS_MAX_AGE: '' })).toEqual({ maxRows: 100_000, maxAgeMs: 30 * 86_400_000 });
  });

  it('keeps at most max rows (the newest), pruning as it writes and when opened', () => {
    const db = openDb(':memory:');
    const repo = new ProcessRepo(db, { retention: { maxRows: 100, maxAgeMs: 1e12 }, now: () => 5000 });
    for (let i = 0; i < 1234; i++) repo.addEvent(ev({ time: 2000 + i, reason: `event ${i}` }));
    const count = () => (db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
    expect(count()).toBeLessThanOrEqual(100 + 500);
    new ProcessRepo(db, { retention: { maxRows: 100, maxAgeMs: 1e12 }, now: () => 5000 });
    expect(count()).toBe(100);
    expect(repo.events({ limit: 1 })[0].reason).toBe('event 1233');
  });

  it('drops rows older than the max age', () => {
    const db = openDb(':memory:');
    const repo = new ProcessRepo(db, { retention: { maxRows: 1000, maxAgeMs: 60_000 }, now: () => 0 });
    repo.addEvent(ev({ time: 1_000, reason: 'old' }));
    repo.addEvent(ev({ time: 100_000, reason: 'new' }));
    expect(repo.pruneEvents(100_000)).toBe(1);
    expect(repo.events({}).map((e) => e.reason)).toEqual(['new']);
  });
});

describe('event folding', () => {
  it('writes the first events alike as rows and counts the rest on one, per window', () => {
    const repo = new ProcessRepo(openDb(':memory:'), { retention: { maxRows: 1e6, maxAgeMs: 1e12 }, now: () => 0 });
    for (let i = 0; i < 50; i++) repo.addEvent(ev({ processId: 7, time: 1000 + i * 100, pid: 100 + i }));
    // a different kind of event is never folded into these
    repo.addEvent(ev({ processId: 7, time: 6000, newState: 'failed', reason: 'giving up' }));
    const rows = repo.events({ limit: 1000 });
    expect(rows).toHaveLength(FOLD.rowsBefore + 2);
    expect(rows.slice(0, FOLD.rowsBefore).map((r) => r.reason)).toEqual(Array(FOLD.rowsBefore).fill('exit code 1: restarting'));
    expect(rows[FOLD.rowsBefore].reason).toBe(`exit code 1: restarting (${50 - FOLD.rowsBefore} times in a row like this, over 5 s; last pid 149)`);
    expect(rows[FOLD.rowsBefore].pid).toBe(149);
    expect(rows[FOLD.rowsBefore + 1].reason).toBe('giving up');
    // after the window, rows again
    repo.addEvent(ev({ processId: 7, time: 1000 + FOLD.windowMs }));
    expect(repo.events({ limit: 1 })[0].reason).toBe('exit code 1: restarting');
  });

  it('forgets the storms whose window is over (a churn of restarts, each reason its own)', () => {
    const repo = new ProcessRepo(openDb(':memory:'), { retention: { maxRows: 1000, maxAgeMs: 1e12 }, now: () => 0 });
    // 20 restarts a second for 8 windows, the reason holding a delay that is seldom the same twice
    const perWindow = (FOLD.windowMs / 1000) * 20;
    for (let i = 0; i < 8 * perWindow; i++) {
      repo.addEvent(ev({ processId: 1 + (i % 100), time: 1000 + i * 50, reason: `exit code 1: restart 1 in ${100 + (i % 997)}ms` }));
    }
    // what started in the last two windows at most, not one a restart
    expect(repo.foldCount).toBeLessThanOrEqual(2 * perWindow);
  });

  it('follows at most FOLD.maxFolds storms within one window (each event its own reason)', () => {
    const repo = new ProcessRepo(openDb(':memory:'), { retention: { maxRows: 1000, maxAgeMs: 1e12 }, now: () => 0 });
    // all within a tenth of a window: the sweep of windows that are over finds nothing to drop
    const count = FOLD.maxFolds + 500;
    for (let i = 0; i < count; i++) repo.addEvent(ev({ processId: 1, time: 1000 + (i * FOLD.windowMs) / 10 / count, reason: `exit ${i}` }));
    expect(repo.foldCount).toBeLessThanOrEqual(FOLD.maxFolds + 1);
  });

  it('never folds events of different processes together', () => {
    const repo = new ProcessRepo(openDb(':memory:'), { retention: { maxRows: 1e6, maxAgeMs: 1e12 }, now: () => 0 });
    for (let i = 0; i < 10; i++) for (const id of [1, 2]) repo.addEvent(ev({ processId: id, processName: `p${id}`, time: 1000 + i }));
    expect(repo.events({ name: 'p1', limit: 100 })).toHaveLength(FOLD.rowsBefore + 1);
    expect(repo.events({ name: 'p2', limit: 100 })).toHaveLength(FOLD.rowsBefore + 1);
  });
});
