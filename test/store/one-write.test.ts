// Many writes, one transaction: the rows of a whole `up` (insertMany) and the state changes of a bulk start
// (inOneWrite) are written together, in order, and nothing reads the store without seeing them.
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/store/db.js';
import { ProcessRepo, type EventInput } from '../../src/store/processes.js';
import { DEFAULT_RESTART_POLICY, DEFAULTS, emptySections, type ProcessSpec } from '../../src/core/spec.js';

const spec = (name: string): ProcessSpec => ({
  name, command: 'sleep', args: ['1'], shell: false, cwd: '/', env: {}, group: null,
  restart: { ...DEFAULT_RESTART_POLICY }, stopSignal: 'SIGTERM', stopTimeoutMs: 1000, startWaitMs: 500, port: null,
  logMaxBytes: DEFAULTS.logMaxBytes, logKeep: 5, ...emptySections(),
});

const ev = (name: string, over: Partial<EventInput> = {}): EventInput => ({
  time: 1000, processId: null, processName: name, kind: 'created', oldState: null, newState: null,
  pid: null, exitCode: null, signal: null, reason: 'created', actor: 'test', ...over,
});

describe('insertMany', () => {
  it('creates every row and its event, in order', () => {
    const repo = new ProcessRepo(openDb(':memory:'));
    const recs = repo.insertMany(['a', 'b', 'c'].map((n) => ({ spec: spec(n), instance: 0, event: ev(n) })), 1000);
    expect(recs.map((r) => [r.name, r.state])).toEqual([['a', 'stopped'], ['b', 'stopped'], ['c', 'stopped']]);
    expect(repo.list().map((r) => r.id)).toEqual(recs.map((r) => r.id));
    expect(repo.events({ oldestFirst: true }).map((e) => [e.processName, e.processId])).toEqual(recs.map((r) => [r.name, r.id]));
  });

  it('creates none when one cannot be', () => {
    const repo = new ProcessRepo(openDb(':memory:'));
    repo.insert(spec('b'), 1000, ev('b'));
    expect(() => repo.insertMany(['a', 'b'].map((n) => ({ spec: spec(n), instance: 0, event: ev(n) })), 1000)).toThrow();
    expect(repo.list().map((r) => r.name)).toEqual(['b']);
  });
});

describe('inOneWrite', () => {
  it('holds the writes until it returns, then makes them all, in order', () => {
    const db = openDb(':memory:');
    const repo = new ProcessRepo(db);
    const [a, b] = repo.insertMany(['a', 'b'].map((n) => ({ spec: spec(n), instance: 0, event: ev(n) })), 1000);
    const stateOf = (id: number) => (db.prepare('SELECT state FROM processes WHERE id = ?').get(id) as { state: string }).state;
    repo.inOneWrite(() => {
      repo.update(a.id, { state: 'starting' }, ev('a', { processId: a.id, kind: 'state', oldState: 'stopped', newState: 'starting' }));
      repo.update(b.id, { state: 'starting' }, ev('b', { processId: b.id, kind: 'state', oldState: 'stopped', newState: 'starting' }));
      // nested: still held by the outer one
      repo.inOneWrite(() => repo.update(a.id, { state: 'running' }, ev('a', { processId: a.id, kind: 'state', oldState: 'starting', newState: 'running' })));
      expect(stateOf(a.id)).toBe('stopped');
    });
    expect([stateOf(a.id), stateOf(b.id)]).toEqual(['running', 'starting']);
    expect(repo.events({ oldestFirst: true }).slice(2).map((e) => `${e.processName}:${e.newState}`)).toEqual(['a:starting', 'b:starting', 'a:running']);
  });

  it('lets a read inside it see what it holds', () => {
    const repo = new ProcessRepo(openDb(':memory:'));
    const [a] = repo.insertMany([{ spec: spec('a'), instance: 0, event: ev('a') }], 1000);
    repo.inOneWrite(() => {
      repo.update(a.id, { state: 'starting' }, ev('a', { processId: a.id, kind: 'state', oldState: 'stopped', newState: 'starting' }));
      expect(repo.events({ limit: 1 })[0].newState).toBe('starting');
      expect(repo.list()[0].state).toBe('starting');
    });
  });
});
