// REST routes over the daemon's operations, derived from the contracts: every route is one operation.
// `POST /v1/ops/:op` reaches any operation by name (the CLI's typed client uses it).
import { CONTRACT_LIST } from '../contracts/index.js';
import type { HttpMethod } from '../contracts/define.js';

export interface Route {
  method: HttpMethod;
  pattern: string;
  /** The operation's name, or ":op" for the by-name route. */
  op: string;
}

export const OPS_ROUTE: Route = { method: 'POST', pattern: '/v1/ops/:op', op: ':op' };

export const ROUTES: readonly Route[] = [
  ...CONTRACT_LIST.flatMap((c) => c.routes.map((r) => ({ method: r.method, pattern: r.path, op: c.name }))),
  OPS_ROUTE,
];

/** Matches a path against the table; path segments become (text) parameters. */
export function matchRoute(method: string, pathname: string, routes: readonly Route[] = ROUTES): { op: string; params: Record<string, string> } | null {
  // "/v1//processes" is not "/v1/processes": an empty segment matches nothing (one trailing "/" is allowed)
  const parts = pathname.replace(/(.)\/$/, '$1').split('/').slice(1);
  if (parts.some((p) => p === '')) return null;
  for (const r of routes) {
    if (r.method !== method) continue;
    const pat = r.pattern.split('/').filter(Boolean);
    if (pat.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < pat.length && ok; i++) {
      if (pat[i].startsWith(':')) {
        try {
          params[pat[i].slice(1)] = decodeURIComponent(parts[i]);
        } catch {
          ok = false; // a malformed escape matches no route
        }
      } else ok = pat[i] === parts[i];
    }
    if (!ok) continue;
    const op = r.op === ':op' ? params.op : r.op;
    delete params.op;
    return { op, params };
  }
  return null;
}

/** Query strings as text; the server converts them to the types the operation's schema wants. */
export function queryParams(search: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of search) out[k] = v;
  return out;
}
