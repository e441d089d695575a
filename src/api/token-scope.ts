// What a token limited to some processes (`--processes 'web*'`) may do, from each contract's `scope`:
// an operation that names a process is refused for others as if the process did not exist (404: a
// limited token learns nothing of what it cannot see); lists, events and logs are cut down to matching
// processes; an operation that cannot be limited to processes is refused (403).
import { SentinelError } from '../core/errors.js';
import type { AnyContract } from '../contracts/define.js';
import { roleAllows, seesProcess, type Principal } from '../contracts/roles.js';

/** A role below the operation's permission is refused, naming the role needed. */
export function requireRole(p: Principal, needed: AnyContract['permission'], what: string): void {
  if (roleAllows(p.role, needed)) return;
  throw new SentinelError('FORBIDDEN', `${what} needs the ${needed} role; token "${p.name}" is ${p.role}. Ask an admin for a token with --role ${needed}`, { needed, role: p.role });
}

function hidden(p: Principal, ref: string): SentinelError {
  return new SentinelError('PROCESS_NOT_FOUND', `no process "${ref}" among those token "${p.name}" may see (processes matching "${p.processes}")`);
}

/**
 * Checks checked parameters against the principal's process pattern before the handler runs.
 * `nameOf` resolves a reference (name, "web:2" or id) to its definition's name, undefined when unknown.
 */
export function checkTokenScope(p: Principal, c: AnyContract, params: unknown, nameOf: (ref: string) => string | undefined): void {
  if (p.processes === null || c.tokenScope === 'any') return;
  const values = (params ?? {}) as Record<string, unknown>;
  if (c.tokenScope === 'ref') {
    const ref = String(values.ref);
    const name = nameOf(ref);
    // an unknown process is the operation's own 404
    if (name !== undefined && !seesProcess(p, name)) throw hidden(p, ref);
    return;
  }
  if (c.tokenScope === 'filter') {
    const name = values.name;
    if (typeof name === 'string' && !seesProcess(p, nameOf(name) ?? name)) throw hidden(p, name);
    return;
  }
  throw new SentinelError('FORBIDDEN', `"${c.name}" acts beyond single processes, and token "${p.name}" is limited to processes matching "${p.processes}"; use a token without --processes`, { scope: p.processes });
}

/** Which process an answer's item is about, per operation ("filter" scope). */
const ITEM_NAME: Record<string, (item: Record<string, unknown>) => string | null> = {
  list: (v) => v.name as string,
  events: (v) => v.processName as string | null,
  'logs.all': (v) => v.name as string,
  'hosts.processes': (v) => v.name as string,
};
const LIST_KEY: Record<string, string> = { list: 'processes', events: 'events', 'logs.all': 'lines', 'hosts.processes': 'processes' };

/** One NDJSON item of a stream: kept only when it is about a process the principal may see. */
export function itemVisible(p: Principal, c: AnyContract, item: unknown): boolean {
  const nameOf = ITEM_NAME[c.name];
  if (p.processes === null || !nameOf || typeof item !== 'object' || item === null) return true;
  return seesProcess(p, nameOf(item as Record<string, unknown>));
}

/** A whole answer cut down to what the principal may see. */
export function filterAnswer(p: Principal, c: AnyContract, result: unknown): unknown {
  const key = LIST_KEY[c.name];
  if (p.processes === null || !key || typeof result !== 'object' || result === null) return result;
  const list = (result as Record<string, unknown>)[key];
  if (!Array.isArray(list)) return result;
  return { ...result, [key]: list.filter((item) => itemVisible(p, c, item)) };
}

/** Stream items that are whole tables (the process table of processes.watch): cut down like an answer. */
const TABLE_ITEMS: Record<string, string> = { 'processes.watch': 'processes' };

/** One NDJSON item as the principal may see it: the item, the item cut down, or undefined (not shown). */
export function scopeItem(p: Principal, c: AnyContract, item: unknown): unknown {
  const key = TABLE_ITEMS[c.name];
  if (p.processes === null) return item;
  if (key && typeof item === 'object' && item !== null) {
    const list = (item as Record<string, unknown>)[key];
    return Array.isArray(list) ? { ...item, [key]: list.filter((v) => seesProcess(p, (v as { name?: string }).name ?? null)) } : item;
  }
  return itemVisible(p, c, item) ? item : undefined;
}
