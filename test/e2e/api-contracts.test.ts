// The REST API against a real daemon, through its contracts: unknown operations are 404, bad
// parameters 422 with their key path, every answer matches its result schema, secrets stay hidden,
// and the OpenAPI document is served and valid.
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { findContract } from '../../src/contracts/index.js';
import { cleanupHome, cli, tempHome } from '../helpers.js';

let home: string;
const SECRET = 'sn-very-secret-4f1c9';

beforeAll(async () => {
  home = tempHome();
  const r = await cli(home, ['run', 'sleep 300', '--name', 'anchor']);
  expect(r.code).toBe(0);
});
afterAll(async () => { await cleanupHome(home); });

interface Answer { status: number; text: string; json: Record<string, unknown> }

function request(method: string, route: string, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? '' : JSON.stringify(body);
    const req = http.request({ socketPath: path.join(home, 'sentinel.sock'), path: route, method, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(text);
        } catch {
          /* NDJSON or empty */
        }
        resolve({ status: res.statusCode ?? 0, text, json });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** Calls an operation by name and checks its answer against the operation's result schema. */
async function callChecked(op: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const a = await request('POST', `/v1/ops/${op}`, params);
  expect(a.status, `${op}: ${a.text}`).toBe(200);
  const parsed = findContract(op)!.result.safeParse(a.json);
  expect(parsed.success, `${op}: ${parsed.error?.message}`).toBe(true);
  expect(a.text, op).not.toContain(SECRET);
  return a.json;
}

describe('unknown operations', () => {
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'explode'])('POST /v1/ops/%s is 404', async (name) => {
    const a = await request('POST', `/v1/ops/${name}`, {});
    expect(a.status).toBe(404);
    expect(a.json.error).toEqual({ code: 'ROUTE_NOT_FOUND', message: `no operation "${name}"; GET /v1/openapi.json (or "sentinel api schema") lists the operations` });
  });

  it('is 404 on REST routes too, and the daemon keeps answering', async () => {
    for (const route of ['/v1/constructor', '/v1/__proto__', '/v1/processes/anchor/toString']) {
      const a = await request('GET', route);
      expect(a.status, route).toBe(404);
      expect((a.json.error as { code: string }).code).toBe('ROUTE_NOT_FOUND');
    }
    const proc = await request('GET', '/v1/processes/constructor');
    expect(proc.status).toBe(404);
    expect((proc.json.error as { code: string }).code).toBe('PROCESS_NOT_FOUND');
    const escaped = await request('POST', '/v1/ops/%5F%5Fproto%5F%5F', {});
    expect(escaped.status).toBe(404);
    await callChecked('list');
  });
});

describe('parameters', () => {
  it('answers 422 INVALID_ARGUMENT naming each bad or unknown parameter, changing nothing', async () => {
    const a = await request('POST', '/v1/processes/anchor/stop', { timeout: 'soon', forse: true });
    expect(a.status).toBe(422);
    expect(a.json.error).toEqual({
      code: 'INVALID_ARGUMENT',
      message: 'parameter "timeout": expected a duration like "5s", got "soon"; parameter "forse" is not known; "stop" takes: ref, force, timeout',
      details: { op: 'stop' },
    });
    const q = await request('GET', '/v1/processes/anchor/logs?lines=many');
    expect(q.status).toBe(422);
    expect((q.json.error as { message: string }).message).toBe('parameter "lines": expected a whole number from 0 to 10000000, e.g. 100, got "many"');
    const status = await callChecked('status', { ref: 'anchor' });
    expect((status.process as { status: string }).status).toBe('running');
  });

  it('reads query parameters as the types the schema wants', async () => {
    const a = await request('GET', '/v1/events?name=anchor&limit=2&follow=false');
    expect(a.status, a.text).toBe(200);
    expect((a.json.events as unknown[]).length).toBeLessThanOrEqual(2);
  });

  it('takes a bare number of seconds as a duration, like the config file', async () => {
    await callChecked('run', { command: 'sleep 300', name: 'secs', stopTimeout: 7, cwd: home });
    const s = await callChecked('status', { ref: 'secs' });
    expect((s.spec as { stopTimeoutMs: number }).stopTimeoutMs).toBe(7000);
    const stop = await request('POST', '/v1/processes/secs/stop', { timeout: 1 });
    expect(stop.status, stop.text).toBe(200);
  });
});

describe('results', () => {
  it('every answer matches its result schema (and never shows a secret value)', async () => {
    await callChecked('secret.set', { name: 'API_TOKEN', value: SECRET });
    await callChecked('secret.list');
    await callChecked('run', { command: `echo ${SECRET}; sleep 300`, name: 'leaky', cwd: home });
    await callChecked('status', { ref: 'leaky' });
    await callChecked('list');
    const logs = await callChecked('logs', { ref: 'leaky', lines: 5 });
    expect(JSON.stringify(logs)).toContain('***');
    await callChecked('events', { limit: 20 });
    await callChecked('restart', { ref: 'leaky' });
    await callChecked('policy', { ref: 'leaky', restart: 'on-failure', restartDelay: '1s', maxRestarts: 3 });
    await callChecked('stop', { ref: 'leaky' });
    await callChecked('start', { ref: 'leaky', noWait: true });
    await callChecked('logs.clear', { ref: 'leaky' });
    await callChecked('group.create', { group: 'g', envVars: ['A=1'] });
    await callChecked('group.add', { group: 'g', ref: 'leaky' });
    await callChecked('group.list');
    await callChecked('group.list', { group: 'g' });
    await callChecked('group.restart', { group: 'g' });
    await callChecked('group.stop', { group: 'g' });
    await callChecked('group.start', { group: 'g' });
    await callChecked('group.remove', { group: 'g', ref: 'leaky' });
    await callChecked('group.delete', { group: 'g' });
    const port = await callChecked('port.allocate', { name: 'p1' });
    await callChecked('port.list');
    await callChecked('port.free', { port: (port.port as { port: number }).port });
    await callChecked('schedule.add', { name: 'tick', every: 3600, command: 'true', cwd: home });
    await callChecked('schedule.list');
    await callChecked('schedule.get', { name: 'tick' });
    await callChecked('schedule.next', { name: 'tick', n: 2 });
    await callChecked('schedule.run-now', { name: 'tick' });
    await new Promise((r) => setTimeout(r, 500));
    await callChecked('schedule.history', { name: 'tick' });
    await callChecked('schedule.logs', { name: 'tick' });
    await callChecked('schedule.disable', { name: 'tick' });
    await callChecked('schedule.enable', { name: 'tick' });
    await callChecked('schedule.rm', { name: 'tick' });
    await callChecked('notify.add-webhook', { url: 'http://127.0.0.1:9/hook', secret: 'whsec', events: ['crash'], timeout: 1 });
    await callChecked('notify.list');
    await callChecked('notify.remove', { index: 1 });
    await callChecked('config.schema');
    await callChecked('init', { template: 'node' });
    await callChecked('daemon.status');
    await callChecked('daemon.logs', { lines: 5 });
    await callChecked('stopall', { timeout: '2s' });
    await callChecked('startall', { noWait: true });
    await callChecked('restartall', { noWait: true });
    await callChecked('delete', { ref: 'leaky', purge: true });
    await callChecked('stopall');
    await callChecked('clean');
    await callChecked('secret.rm', { name: 'API_TOKEN' });
  });
});

describe('OpenAPI', () => {
  it('GET /v1/openapi.json serves a valid document, the same "sentinel api schema" prints', async () => {
    const a = await request('GET', '/v1/openapi.json');
    expect(a.status).toBe(200);
    const result = await new Validator().validate(a.json);
    expect(result.valid).toBe(true);
    const paths = a.json.paths as Record<string, Record<string, Record<string, unknown>>>;
    expect(paths['/v1/openapi.json'].get['x-sentinel-permission']).toBe('viewer');
    const printed = await cli(home, ['api', 'schema']);
    expect(printed.code).toBe(0);
    expect(JSON.parse(printed.stdout)).toEqual(a.json);
  });
});
