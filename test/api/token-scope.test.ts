// Roles and process patterns as pure functions: who may call what, and what a limited token sees.
import { describe, expect, it } from 'vitest';
import { CONTRACT_LIST, findContract } from '../../src/contracts/index.js';
import type { AnyContract } from '../../src/contracts/define.js';
import { globRegExp, OWNER, roleAllows, seesProcess, type Principal } from '../../src/contracts/roles.js';
import { checkTokenScope, filterAnswer, itemVisible, requireRole } from '../../src/api/token-scope.js';

const web: Principal = { name: 'w', role: 'operator', processes: 'web*', expiresAt: null };
const c = (name: string) => findContract(name)!;
const names: Record<string, string> = { web: 'web', '1': 'web', db: 'db', '2': 'db', 'web:2': 'web' };
const nameOf = (ref: string) => names[ref];

describe('roles', () => {
  it('orders admin above operator above viewer', () => {
    expect(roleAllows('viewer', 'viewer')).toBe(true);
    expect(roleAllows('viewer', 'operator')).toBe(false);
    expect(roleAllows('operator', 'operator')).toBe(true);
    expect(roleAllows('operator', 'admin')).toBe(false);
    expect(roleAllows('admin', 'viewer')).toBe(true);
    expect(() => requireRole(web, 'admin', '"delete"')).toThrow(/"delete" needs the admin role; token "w" is operator/);
  });

  it('declares the expected permission for the operations whose role matters most', () => {
    const perm = (n: string) => c(n).permission;
    for (const n of ['list', 'status', 'logs', 'events', 'daemon.status', 'auth.whoami', 'api.schema']) expect(perm(n), n).toBe('viewer');
    for (const n of ['start', 'stop', 'restart', 'stopall', 'startall', 'restartall', 'group.start', 'schedule.run-now', 'schedule.enable']) expect(perm(n), n).toBe('operator');
    for (const n of ['run', 'delete', 'up', 'down', 'reload', 'secret.set', 'secret.list', 'token.create', 'token.list', 'token.revoke', 'daemon.stop', 'policy', 'notify.list']) expect(perm(n), n).toBe('admin');
    // every write needs at least operator
    for (const contract of CONTRACT_LIST as readonly AnyContract[]) if (contract.kind === 'write') expect(contract.permission, contract.name).not.toBe('viewer');
  });
});

describe('process patterns', () => {
  it('matches globs on whole names, instances by their definition', () => {
    expect(globRegExp('web*').test('web-1')).toBe(true);
    expect(globRegExp('web*').test('myweb')).toBe(false);
    expect(globRegExp('w?b').test('web')).toBe(true);
    expect(globRegExp('a.b').test('axb')).toBe(false);
    expect(seesProcess(web, 'web:2')).toBe(true);
    expect(seesProcess({ ...web, processes: 'api' }, 'api:3')).toBe(true);
    expect(seesProcess(web, null)).toBe(false);
    expect(seesProcess(OWNER, null)).toBe(true);
  });

  it('refuses a process outside the pattern as not found, by name or id; lets unknown ones reach the operation', () => {
    expect(() => checkTokenScope(web, c('stop'), { ref: 'db' }, nameOf)).toThrow(expect.objectContaining({ code: 'PROCESS_NOT_FOUND' }));
    expect(() => checkTokenScope(web, c('stop'), { ref: '2' }, nameOf)).toThrow(expect.objectContaining({ code: 'PROCESS_NOT_FOUND' }));
    expect(() => checkTokenScope(web, c('stop'), { ref: '1' }, nameOf)).not.toThrow();
    expect(() => checkTokenScope(web, c('stop'), { ref: 'web:2' }, nameOf)).not.toThrow();
    expect(() => checkTokenScope(web, c('stop'), { ref: 'ghost' }, nameOf)).not.toThrow();
    expect(() => checkTokenScope(web, c('events'), { name: 'db' }, nameOf)).toThrow(expect.objectContaining({ code: 'PROCESS_NOT_FOUND' }));
    expect(() => checkTokenScope(OWNER, c('stop'), { ref: 'db' }, nameOf)).not.toThrow();
  });

  it('refuses every operation that cannot be limited to processes', () => {
    for (const contract of CONTRACT_LIST as readonly AnyContract[]) {
      if (contract.tokenScope) continue;
      expect(() => checkTokenScope(web, contract, {}, nameOf), contract.name).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    }
    for (const n of ['stopall', 'up', 'daemon.stop', 'token.create', 'group.start', 'schedule.run-now', 'clean']) expect(c(n).tokenScope, n).toBeUndefined();
  });

  it('cuts lists, events and merged logs down to matching processes', () => {
    expect(filterAnswer(web, c('list'), { processes: [{ name: 'web' }, { name: 'db' }, { name: 'web:2' }] })).toEqual({ processes: [{ name: 'web' }, { name: 'web:2' }] });
    expect(filterAnswer(web, c('events'), { events: [{ processName: 'db' }, { processName: null }, { processName: 'web' }] })).toEqual({ events: [{ processName: 'web' }] });
    expect(filterAnswer(web, c('logs.all'), { lines: [{ name: 'db', line: 'x' }, { name: 'web', line: 'y' }] })).toEqual({ lines: [{ name: 'web', line: 'y' }] });
    expect(itemVisible(web, c('events'), { processName: 'db' })).toBe(false);
    expect(itemVisible(web, c('logs.all'), { name: 'web-api' })).toBe(true);
    const all = { processes: [{ name: 'db' }] };
    expect(filterAnswer(OWNER, c('list'), all)).toBe(all);
  });
});
