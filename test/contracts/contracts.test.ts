// The list of operation contracts: names, routes and permissions are consistent; parameters are
// checked with key-path messages; durations and sizes follow one rule; unknown names find nothing.
import { describe, expect, it } from 'vitest';
import { CONTRACT_LIST, CONTRACTS, findContract } from '../../src/contracts/index.js';
import type { AnyContract } from '../../src/contracts/define.js';
import { coerceText, parseParams } from '../../src/contracts/validate.js';
import { matchRoute, ROUTES } from '../../src/api/routes.js';
import { SentinelError } from '../../src/core/errors.js';

const list = CONTRACT_LIST as readonly AnyContract[];

function paramError(op: string, params: unknown): SentinelError {
  try {
    parseParams(findContract(op)!, params);
  } catch (err) {
    return err as SentinelError;
  }
  throw new Error(`${op} accepted ${JSON.stringify(params)}`);
}

describe('the list', () => {
  it('has unique names, at least one route each, and a kind and permission from the known sets', () => {
    expect(new Set(list.map((c) => c.name)).size).toBe(list.length);
    for (const c of list) {
      expect(c.routes.length, c.name).toBeGreaterThan(0);
      expect(['read', 'write', 'stream']).toContain(c.kind);
      expect(['viewer', 'operator', 'admin']).toContain(c.permission);
      if (c.kind === 'stream') expect(c.item, c.name).toBeDefined();
    }
  });

  it('gives every path parameter a parameter of the operation, and no two routes the same method and path', () => {
    const seen = new Set<string>();
    for (const c of list) {
      const shape = (c.params as unknown as { shape: Record<string, unknown> }).shape;
      for (const r of c.routes) {
        for (const m of r.path.matchAll(/:([A-Za-z]+)/g)) expect(Object.keys(shape), `${c.name} ${r.path}`).toContain(m[1]);
        const key = `${r.method} ${r.path.replace(/:[A-Za-z]+/g, ':')}`;
        expect(seen.has(key), key).toBe(false);
        seen.add(key);
      }
    }
  });

  it('assigns permissions by what an operation does', () => {
    const perm = (name: string) => findContract(name)!.permission;
    for (const name of ['list', 'status', 'logs', 'events', 'group.list', 'port.list', 'schedule.list', 'daemon.status', 'api.schema']) expect(perm(name), name).toBe('viewer');
    for (const name of ['start', 'stop', 'restart', 'stopall', 'startall', 'restartall', 'group.start', 'group.stop', 'schedule.run-now']) expect(perm(name), name).toBe('operator');
    for (const name of ['run', 'delete', 'clean', 'policy', 'group.create', 'group.delete', 'port.allocate', 'schedule.add', 'schedule.rm', 'up', 'down', 'reload', 'secret.set', 'secret.rm', 'notify.add-webhook', 'daemon.stop']) expect(perm(name), name).toBe('admin');
    for (const c of list) if (c.kind === 'read' || c.kind === 'stream') expect(c.permission === 'operator', c.name).toBe(false);
  });

  it('finds nothing for names that live on every object', () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(findContract(name), name).toBeUndefined();
      expect(CONTRACTS.has(name)).toBe(false);
    }
  });

  it('derives the route table from the contracts, with POST /v1/ops/:op last', () => {
    expect(ROUTES.length).toBe(list.reduce((n, c) => n + c.routes.length, 0) + 1);
    expect(ROUTES[ROUTES.length - 1]).toEqual({ method: 'POST', pattern: '/v1/ops/:op', op: ':op' });
    expect(matchRoute('POST', '/v1/processes/web/stop')).toEqual({ op: 'stop', params: { ref: 'web' } });
    expect(matchRoute('DELETE', '/v1/groups/g1/members/web')).toEqual({ op: 'group.remove', params: { group: 'g1', ref: 'web' } });
    expect(matchRoute('POST', '/v1/ops/constructor')).toEqual({ op: 'constructor', params: {} });
    expect(matchRoute('GET', '/v1/processes/%E0%A4%A')).toBeNull();
    expect(matchRoute('PATCH', '/v1/processes')).toBeNull();
  });
});

describe('parameters at the door', () => {
  it('names the key path of each wrong value and what was expected', () => {
    const e = paramError('up', { file: '/srv/sentinel.yaml', names: ['web', 3], timeout: 'soon' });
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.status).toBe(422);
    expect(e.message).toBe('parameter "names[1]": expected a string, got 3; parameter "timeout": expected a duration like "5s", got "soon"');
  });

  it('rejects unknown parameters, saying which the operation takes', () => {
    expect(paramError('stop', { ref: 'web', timout: '5s' }).message).toBe('parameter "timout" is not known; "stop" takes: ref, force, timeout');
    expect(paramError('list', { all: true }).message).toBe('parameter "all" is not known; "list" takes no parameters');
  });

  it('says a required parameter is missing, and which values an enum takes', () => {
    expect(paramError('status', {}).message).toBe('parameter "ref" is required');
    expect(paramError('logs', { ref: 'web', stream: 'all' }).message).toBe('parameter "stream": expected "stdout", "stderr" or "both", got "all"');
    expect(paramError('config.validate', { file: 'sentinel.yaml' }).message).toBe('parameter "file": expected an absolute path, got "sentinel.yaml"');
    expect(paramError('schedule.history', { name: 'x', limit: 0 }).message).toBe('parameter "limit": expected a whole number from 1 to 1000, e.g. 20, got 0');
  });

  it('rejects what is not an object at all', () => {
    expect(paramError('list', [1, 2]).code).toBe('INVALID_ARGUMENT');
    expect(paramError('list', null).code).toBe('INVALID_ARGUMENT');
  });
});

describe('units: one rule for every duration and size', () => {
  const parse = (op: string, p: Record<string, unknown>) => parseParams(findContract(op)!, p) as Record<string, unknown>;

  it('reads a bare number as seconds and a string with its unit, handing milliseconds to the operation', () => {
    expect(parse('stop', { ref: 'a', timeout: 2 }).timeout).toBe(2000);
    expect(parse('stop', { ref: 'a', timeout: 0.5 }).timeout).toBe(500);
    expect(parse('stop', { ref: 'a', timeout: '500ms' }).timeout).toBe(500);
    expect(parse('stopall', { timeout: '2m' }).timeout).toBe(120_000);
    expect(parse('up', { file: '/x.yaml', timeout: '1h' }).timeout).toBe(3_600_000);
    const s = parse('schedule.add', { name: 's', every: 60, maxRuntime: '1m30s', retryDelay: 1, jitter: '250ms' });
    expect([s.every, s.maxRuntime, s.retryDelay, s.jitter]).toEqual([60_000, 90_000, 1000, 250]);
  });

  it('checks the durations and sizes run and policy pass on as written', () => {
    expect(parse('run', { command: 'x', stopTimeout: 3, logMaxSize: 1024, maxMemory: '512K', wait: '1s' }).stopTimeout).toBe(3);
    expect(paramError('run', { command: 'x', stopTimeout: -1 }).message).toBe('parameter "stopTimeout": expected a duration like "5s", got -1');
    expect(paramError('run', { command: 'x', logMaxSize: 'lots' }).message).toBe('parameter "logMaxSize": expected a size like "500M", got "lots"');
    expect(paramError('policy', { ref: 'a', restartDelay: 'later' }).message).toBe('parameter "restartDelay": expected a duration like "5s", got "later"');
  });

  it('turns query and path text into the types the schema wants, and only those', () => {
    expect(coerceText(findContract('logs')!, { ref: '42', lines: '10', follow: 'true', since: '10' })).toEqual({ ref: '42', lines: '10', follow: true, since: '10' });
    expect(coerceText(findContract('port.free')!, { port: '8080' })).toEqual({ port: '8080' });
    expect(parse('port.free', { port: '8080' }).port).toBe(8080);
  });
});

describe('results', () => {
  it('turns an answer that does not match its contract into an INTERNAL error naming the operation and the path', async () => {
    const { checkResult } = await import('../../src/contracts/validate.js');
    expect(() => checkResult(findContract('list')!, { processes: [] })).not.toThrow();
    let err: SentinelError | undefined;
    try {
      checkResult(findContract('list')!, { processes: [{ id: 'one' }] });
    } catch (e) {
      err = e as SentinelError;
    }
    expect(err?.code).toBe('INTERNAL');
    expect(err?.message).toMatch(/^operation "list" answered with a result that does not match its contract: at "processes\[0\]\.id": /);
  });
});
