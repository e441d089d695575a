// Service discovery as a pure step: the spec a process is spawned with, given the ports held at that moment.
import { describe, expect, it } from 'vitest';
import { serviceEnvPrefix, withServices, type ServiceDirectory } from '../../src/daemon/discovery.js';
import type { ProcessSpec } from '../../src/core/spec.js';

function dir(ports: Record<string, number | null>): ServiceDirectory {
  return { find: (name) => (name in ports ? { spec: { port: ports[name] } } : undefined) };
}

function spec(over: Partial<ProcessSpec> & { dependsOn?: Record<string, 'started'> }): ProcessSpec {
  return {
    name: 'api', command: 'node', args: [], env: {},
    ...over,
    source: { configFile: null, dependsOn: over.dependsOn ?? {}, autostart: true, portName: null, portAuto: false, envFiles: [], secrets: [], secretVersions: {} },
  } as unknown as ProcessSpec;
}

describe('withServices', () => {
  it('resolves markers in command, args and env from the current ports', () => {
    const s = spec({ command: 'client ${service:db.address}', args: ['--port', '${service:db.port}'], env: { URL: 'tcp://${service:db.host}:${service:db.port}/x', KEEP: '$$plain' } });
    const a = withServices(s, dir({ db: 5432 }));
    expect(a.command).toBe('client 127.0.0.1:5432');
    expect(a.args).toEqual(['--port', '5432']);
    expect(a.env).toEqual({ URL: 'tcp://127.0.0.1:5432/x', KEEP: '$$plain' });
    // the same spec, after db moved: the next spawn sees the new port
    expect(withServices(s, dir({ db: 6000 })).args).toEqual(['--port', '6000']);
    // the stored spec is never changed
    expect(s.args).toEqual(['--port', '${service:db.port}']);
  });

  it('adds NAME_PORT, NAME_HOST and NAME_ADDRESS for dependencies with a port, never over a set value', () => {
    const a = withServices(spec({ dependsOn: { 'cache-v2': 'started', db: 'started', worker: 'started' }, env: { DB_HOST: 'db.internal' } }), dir({ 'cache-v2': 7000, db: 5432, worker: null }));
    expect(a.env).toEqual({ CACHE_V2_PORT: '7000', CACHE_V2_HOST: '127.0.0.1', CACHE_V2_ADDRESS: '127.0.0.1:7000', DB_PORT: '5432', DB_HOST: 'db.internal', DB_ADDRESS: '127.0.0.1:5432' });
    expect(serviceEnvPrefix('api.v2-x')).toBe('API_V2_X');
  });

  it('says which process and what to fix when a reference cannot be resolved', () => {
    expect(() => withServices(spec({ env: { P: '${service:nope.port}' } }), dir({}))).toThrow(/process "api" refers to \$\{service:nope...\}, but no process is named "nope"/);
    expect(() => withServices(spec({ env: { P: '${service:db.port}' } }), dir({ db: null }))).toThrow(/give "db" a port \(port: auto, or a number\)/);
    expect(() => withServices(spec({ env: { P: '${service:nope.host}' } }), dir({}))).toThrow(/no process is named "nope"/);
  });
});
