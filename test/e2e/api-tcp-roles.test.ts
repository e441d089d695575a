// Every operation in CONTRACT_LIST, called over TCP by a viewer, an operator and an admin token: an
// allowed call is never 401/403, a denied one is 403 naming the role needed, and the denied calls —
// sent with parameters that would work — change nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT_LIST } from '../../src/contracts/index.js';
import type { AnyContract, Permission } from '../../src/contracts/define.js';
import { alive, cleanupHome, cli, cliJson, readPid, tempHome } from '../helpers.js';
import { makeToken, request, startListening, type Target } from './tcp-helpers.js';
import path from 'node:path';

const RANK: Record<Permission, number> = { viewer: 0, operator: 1, admin: 2 };
const ROLES: Permission[] = ['viewer', 'operator', 'admin'];

let home: string;
let target: Target;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  home = tempHome('sn-tr-');
  target = { url: await startListening(home) };
  expect((await cli(home, ['run', 'sleep 300', '--name', 'web'])).code).toBe(0);
  for (const role of ROLES) tokens[role] = await makeToken(home, `t-${role}`, role);
});
afterAll(async () => { await cleanupHome(home); });

/** Path parameters filled with names that exist (the process "web") or plainly do not. */
const PATH_VALUES: Record<string, string> = { ref: 'web', group: 'nogroup', port: '1', name: 'nosuch', index: '99' };

function fill(pattern: string): string {
  return pattern.replace(/:([A-Za-z]+)/g, (_m, key: string) => encodeURIComponent(PATH_VALUES[key] ?? 'x'));
}

/** Parameters that would do something real if the role check let them through. */
const WORKING: Record<string, Record<string, unknown>> = {
  run: { command: 'sleep 300', name: 'intruder' },
  'group.create': { name: 'intruders' },
  'port.allocate': { name: 'intruder' },
  'token.create': { name: 'intruder', role: 'admin' },
  'secret.set': { value: 'stolen' },
  'notify.add-webhook': { url: 'http://127.0.0.1:9/hook' },
  'schedule.add': { name: 'intruder', command: 'true', every: '1h' },
  'daemon.stop': {},
};

const contracts = CONTRACT_LIST as readonly AnyContract[];

async function snapshot(): Promise<string> {
  const admin = tokens.admin;
  const parts: unknown[] = [];
  for (const route of ['/v1/processes', '/v1/groups', '/v1/ports', '/v1/schedules', '/v1/secrets', '/v1/notifications', '/v1/tokens']) {
    const a = await request(target, 'GET', route, { token: admin });
    expect(a.status, `${route}: ${a.text}`).toBe(200);
    // what changes by itself (usage, uptime, last use of a token) is left out
    parts.push(JSON.parse(a.text, (k, v) => (['cpu', 'memory', 'uptimeMs', 'lastUsedAt'].includes(k) ? undefined : v)));
  }
  return JSON.stringify(parts);
}

describe('role × operation over TCP', () => {
  it('refuses every operation above a token\'s role with 403, and the refused calls change nothing', async () => {
    const before = await snapshot();
    const webPid = (await cliJson<{ process: { pid: number } }>(home, ['status', 'web'])).process.pid;
    let denied = 0;
    for (const c of contracts) {
      const route = c.routes[0];
      for (const role of ROLES) {
        if (RANK[role] >= RANK[c.permission]) continue;
        const body = route.method === 'GET' ? undefined : (WORKING[c.name] ?? {});
        const a = await request(target, route.method, fill(route.path), { token: tokens[role], body });
        expect(a.status, `${role} ${c.name}: ${a.text}`).toBe(403);
        expect((a.json.error as { code: string; message: string }).code).toBe('FORBIDDEN');
        expect((a.json.error as { message: string }).message).toContain(`needs the ${c.permission} role`);
        // the by-name route is held to the same rule
        const byName = await request(target, 'POST', `/v1/ops/${c.name}`, { token: tokens[role], body: WORKING[c.name] ?? {} });
        expect(byName.status, `${role} ops/${c.name}`).toBe(403);
        denied++;
      }
    }
    expect(denied).toBeGreaterThan(40);
    expect(await snapshot()).toBe(before);
    expect(alive(readPid(path.join(home, 'daemon.pid'))!)).toBe(true);
    const web = (await cliJson<{ process: { pid: number; status: string } }>(home, ['status', 'web'])).process;
    expect(web).toMatchObject({ pid: webPid, status: 'running' });
  });

  it('lets every role call what its role allows: never 401 or 403 (checked with an unknown parameter, so nothing runs)', async () => {
    const before = await snapshot();
    for (const c of contracts) {
      const route = c.routes[0];
      for (const role of ROLES) {
        if (RANK[role] < RANK[c.permission]) continue;
        const a = route.method === 'GET'
          ? await request(target, 'GET', `${fill(route.path)}?zzNotAParameter=1`, { token: tokens[role] })
          : await request(target, route.method, fill(route.path), { token: tokens[role], body: { zzNotAParameter: 1 } });
        expect(a.status, `${role} ${c.name}: ${a.text}`).not.toBe(401);
        expect(a.status, `${role} ${c.name}: ${a.text}`).not.toBe(403);
        expect(a.status, `${role} ${c.name}: ${a.text}`).toBe(422);
        expect(a.text).toContain('zzNotAParameter');
      }
    }
    expect(await snapshot()).toBe(before);
  });

  it('answers the reads a viewer may make with valid parameters (200, or 404 for what does not exist)', async () => {
    for (const c of contracts) {
      const route = c.routes[0];
      if (route.method !== 'GET' || c.permission !== 'viewer') continue;
      const a = await request(target, 'GET', fill(route.path), { token: tokens.viewer });
      expect([200, 404], `${c.name}: ${a.status} ${a.text.slice(0, 300)}`).toContain(a.status);
      if (route.path.includes(':ref') || !route.path.includes(':')) expect(a.status, c.name).toBe(200);
    }
  });

  it('lets an operator stop and start, and records the token as the actor', async () => {
    const stop = await request(target, 'POST', '/v1/processes/web/stop', { token: tokens.operator, body: {} });
    expect(stop.status, stop.text).toBe(200);
    const start = await request(target, 'POST', '/v1/processes/web/start', { token: tokens.operator, body: {} });
    expect(start.status, start.text).toBe(200);
    const ev = await request(target, 'GET', '/v1/events?name=web&limit=20', { token: tokens.viewer });
    const events = ev.json.events as Array<{ kind: string; newState: string | null; actor: string | null; reason: string | null }>;
    expect(events.filter((e) => e.newState === 'stopping').at(-1)?.actor).toBe('token:t-operator');
    expect(events.filter((e) => e.newState === 'starting').at(-1)?.actor).toBe('token:t-operator');
    expect(events.some((e) => e.kind === 'api' && e.actor === 'token:t-operator' && e.reason === 'stop web over the TCP API')).toBe(true);
  });

  it('records an admin\'s write that names no process in the event log with the token as the actor', async () => {
    const a = await request(target, 'POST', '/v1/tokens', { token: tokens.admin, body: { name: 'made-by-admin', role: 'viewer' } });
    expect(a.status, a.text).toBe(200);
    const ev = await request(target, 'GET', '/v1/events?limit=5', { token: tokens.admin });
    const events = ev.json.events as Array<{ kind: string; actor: string | null; reason: string | null }>;
    expect(events.at(-1)).toMatchObject({ kind: 'api', actor: 'token:t-admin', reason: 'token.create made-by-admin over the TCP API' });
  });
});
