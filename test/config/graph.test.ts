// Dependency graph: levels for parallel start, reverse stop, groups depending on groups, the tree.
import { describe, expect, it } from 'vitest';
import { graphFromConfig, graphFromSpecs } from '../../src/config/graph.js';
import { toProcessSpecs } from '../../src/config/normalize.js';
import type { SentinelConfig } from '../../src/config/schema.js';

const config: SentinelConfig = {
  groups: { data: {}, app: { depends_on: ['data'] } },
  processes: {
    db: { command: 'postgres', group: 'data' },
    cache: { command: 'redis-server', group: 'data' },
    api: { command: 'node api.js', group: 'app', depends_on: { db: { condition: 'healthy' } } },
    web: { command: 'node web.js', group: 'app', depends_on: ['api'] },
    docs: { command: 'serve docs' },
  },
};

describe('dependency graph', () => {
  it('starts independent processes together, dependents after', () => {
    const graph = graphFromConfig(config);
    expect(graph.problems()).toEqual([]);
    expect(graph.startOrder().map((l) => l.sort())).toEqual([['cache', 'db', 'docs'], ['api'], ['web']]);
    expect(graph.stopOrder().map((l) => l.sort())).toEqual([['web'], ['api'], ['cache', 'db', 'docs']]);
  });

  it('expands a group dependency to its members, keeping explicit conditions', () => {
    expect(graphFromConfig(config).dependenciesOf('api')).toEqual([
      { name: 'db', condition: 'healthy' },
      { name: 'cache', condition: 'started' },
    ]);
  });

  it('limits start to the named processes and what they need, stop to them and their dependents', () => {
    const graph = graphFromConfig(config);
    expect(graph.startOrder(['api']).map((l) => l.sort())).toEqual([['cache', 'db'], ['api']]);
    expect(graph.stopOrder(['api'])).toEqual([['web'], ['api']]);
  });

  it('builds the same order from normalized specs', () => {
    const specs = toProcessSpecs(config, { cwd: '/tmp', baseEnv: {} });
    expect(graphFromSpecs(specs).startOrder().map((l) => l.sort())).toEqual([['cache', 'db', 'docs'], ['api'], ['web']]);
  });

  it('prints the tree for `sentinel graph` (members inherit their group\'s dependencies)', () => {
    expect(graphFromConfig(config).printTree()).toBe(
      [
        'web [app]',
        '├─ db [data] (started)',
        '├─ cache [data] (started)',
        '└─ api [app] (started)',
        '   ├─ db [data] (healthy)',
        '   └─ cache [data] (started)',
        'docs',
      ].join('\n'),
    );
  });

  it('refuses to order a cycle, naming it', () => {
    const graph = graphFromConfig({ processes: { a: { command: 'x', depends_on: ['b'] }, b: { command: 'y', depends_on: ['a'] } } });
    expect(graph.problems().map((p) => p.message)).toEqual(['dependency cycle: a -> b -> a']);
    expect(() => graph.startOrder()).toThrow('dependency cycle: a -> b -> a; remove one of these depends_on entries');
  });

  it('names a process that depends on its own group as a cycle', () => {
    const graph = graphFromConfig({ groups: { app: {} }, processes: { web: { command: 'x', group: 'app', depends_on: ['app'] } } });
    expect(graph.problems().map((p) => p.message)).toEqual(['dependency cycle: app -> web -> app']);
  });

  it('names both sides of an unknown dependency, for a group too', () => {
    const graph = graphFromConfig({ groups: { app: { depends_on: ['dat'] } }, processes: { web: { command: 'x', group: 'app' } } });
    expect(graph.problems()).toEqual([
      { kind: 'unknown', path: ['groups', 'app', 'depends_on'], message: 'group "app" depends on "dat", which is not a defined process or group' },
    ]);
  });
});
