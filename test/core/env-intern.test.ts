// Records with the same environment share one frozen copy of it (a thousand processes from one shell
// held a thousand copies); a record's environment cannot be changed in place under another one.
import { describe, expect, it } from 'vitest';
import { internEnv } from '../../src/core/env-intern.js';
import { upgradeSpec } from '../../src/core/spec-upgrade.js';
import { DEFAULT_RESTART_POLICY, type ProcessSpec } from '../../src/core/spec.js';
import { openDb } from '../../src/store/db.js';
import { ProcessRepo } from '../../src/store/processes.js';

const BASE = {
  name: 'web', command: 'sleep', args: ['100'], shell: false, cwd: '/tmp', env: {}, group: null,
  restart: DEFAULT_RESTART_POLICY, stopSignal: 'SIGTERM', stopTimeoutMs: 10_000, startWaitMs: 300, port: null, logMaxBytes: 1024, logKeep: 5, extra: {},
};
const specOf = (name: string, env: Record<string, string>): ProcessSpec => ({ ...upgradeSpec({ ...BASE, name }), env });
const event = { time: 1, processId: null, processName: null, kind: 'created', oldState: null, newState: null, pid: null, exitCode: null, signal: null, reason: 'created', actor: 'test' };

describe('internEnv', () => {
  it('gives equal environments one frozen object with the same names and values', () => {
    const a = internEnv({ PATH: '/usr/bin:/bin', HOME: '/root', LANG: 'C.UTF-8' });
    const b = internEnv(JSON.parse('{"PATH":"/usr/bin:/bin","HOME":"/root","LANG":"C.UTF-8"}') as Record<string, string>);
    expect(b).toBe(a);
    expect(a).toEqual({ PATH: '/usr/bin:/bin', HOME: '/root', LANG: 'C.UTF-8' });
    expect(Object.isFrozen(a)).toBe(true);
  });

  it('keeps environments that differ in one value, or only in order, apart', () => {
    const a = internEnv({ PATH: '/usr/bin', PORT: '3000' });
    const b = internEnv({ PATH: '/usr/bin', PORT: '3001' });
    const c = internEnv({ PORT: '3000', PATH: '/usr/bin' });
    expect(b).not.toBe(a);
    expect(b.PORT).toBe('3001');
    expect(c).not.toBe(a);
    expect(c).toEqual({ PORT: '3000', PATH: '/usr/bin' });
  });

  it('never changes the object it was given', () => {
    const given = { A: '1' };
    internEnv(given);
    given.A = '2';
    expect(given).toEqual({ A: '2' });
    expect(internEnv({ A: '1' }).A).toBe('1');
  });

  it('throws on a change in place, so no record changes another one\'s environment', () => {
    const env = internEnv({ X: '1' }) as Record<string, string>;
    expect(() => { env.PORT = '80'; }).toThrow(TypeError);
    expect(() => { delete env.X; }).toThrow(TypeError);
  });
});

describe('records read from the state database', () => {
  it('share the environment when it is the same, and each keeps its own when it differs', () => {
    const repo = new ProcessRepo(openDb(':memory:'));
    const shell = { PATH: '/usr/local/bin:/usr/bin:/bin', LS_COLORS: 'rs=0:di=01;34:ln=01;36'.repeat(20), TERM: 'xterm' };
    const a = repo.insert(specOf('a', { ...shell }), 1, event);
    const b = repo.insert(specOf('b', { ...shell }), 1, event);
    const c = repo.insert(specOf('c', { ...shell, PORT: '8080' }), 1, event);
    expect(b.spec.env).toBe(a.spec.env);
    expect(c.spec.env).not.toBe(a.spec.env);
    expect(c.spec.env).toEqual({ ...shell, PORT: '8080' });
    const listed = repo.list();
    expect(listed.map((r) => r.spec.env)).toEqual([shell, shell, { ...shell, PORT: '8080' }]);
    expect(listed[0].spec.env).toBe(listed[1].spec.env);
    // the stored spec is unchanged: the row holds the whole environment
    expect(JSON.parse(JSON.stringify(listed[2].spec)).env.PORT).toBe('8080');
  });

  it('a spec stored without an environment reads back with an empty one', () => {
    const spec = upgradeSpec({ ...BASE, env: undefined });
    expect(spec.env).toEqual({});
  });
});
