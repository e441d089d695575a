// REST routes over the daemon's operations. Every route is one operation; `POST /v1/ops/:op` reaches
// any operation by name (the CLI's typed client uses it).

export interface Route {
  method: string;
  pattern: string;
  op: string;
}

export const ROUTES: Route[] = [
  { method: 'GET', pattern: '/v1/processes', op: 'list' },
  { method: 'POST', pattern: '/v1/processes', op: 'run' },
  { method: 'GET', pattern: '/v1/processes/:ref', op: 'status' },
  { method: 'DELETE', pattern: '/v1/processes/:ref', op: 'delete' },
  { method: 'POST', pattern: '/v1/processes/:ref/start', op: 'start' },
  { method: 'POST', pattern: '/v1/processes/:ref/stop', op: 'stop' },
  { method: 'POST', pattern: '/v1/processes/:ref/restart', op: 'restart' },
  { method: 'GET', pattern: '/v1/processes/:ref/logs', op: 'logs' },
  { method: 'DELETE', pattern: '/v1/processes/:ref/logs', op: 'logs.clear' },
  { method: 'POST', pattern: '/v1/clean', op: 'clean' },
  { method: 'POST', pattern: '/v1/stopall', op: 'stopall' },
  { method: 'POST', pattern: '/v1/startall', op: 'startall' },
  { method: 'POST', pattern: '/v1/restartall', op: 'restartall' },
  { method: 'GET', pattern: '/v1/events', op: 'events' },
  { method: 'GET', pattern: '/v1/groups', op: 'group.list' },
  { method: 'POST', pattern: '/v1/groups', op: 'group.create' },
  { method: 'GET', pattern: '/v1/groups/:group', op: 'group.list' },
  { method: 'DELETE', pattern: '/v1/groups/:group', op: 'group.delete' },
  { method: 'POST', pattern: '/v1/groups/:group/start', op: 'group.start' },
  { method: 'POST', pattern: '/v1/groups/:group/stop', op: 'group.stop' },
  { method: 'POST', pattern: '/v1/groups/:group/restart', op: 'group.restart' },
  { method: 'POST', pattern: '/v1/groups/:group/members', op: 'group.add' },
  { method: 'DELETE', pattern: '/v1/groups/:group/members/:ref', op: 'group.remove' },
  { method: 'GET', pattern: '/v1/ports', op: 'port.list' },
  { method: 'POST', pattern: '/v1/ports', op: 'port.allocate' },
  { method: 'DELETE', pattern: '/v1/ports/:port', op: 'port.free' },
  { method: 'GET', pattern: '/v1/daemon', op: 'daemon.status' },
  { method: 'POST', pattern: '/v1/daemon/stop', op: 'daemon.stop' },
  { method: 'GET', pattern: '/v1/daemon/logs', op: 'daemon.logs' },
  { method: 'GET', pattern: '/v1/schedules', op: 'schedule.list' },
  { method: 'POST', pattern: '/v1/schedules', op: 'schedule.add' },
  { method: 'GET', pattern: '/v1/schedules/:name', op: 'schedule.get' },
  { method: 'DELETE', pattern: '/v1/schedules/:name', op: 'schedule.rm' },
  { method: 'POST', pattern: '/v1/schedules/:name/enable', op: 'schedule.enable' },
  { method: 'POST', pattern: '/v1/schedules/:name/disable', op: 'schedule.disable' },
  { method: 'POST', pattern: '/v1/schedules/:name/run-now', op: 'schedule.run-now' },
  { method: 'GET', pattern: '/v1/schedules/:name/history', op: 'schedule.history' },
  { method: 'GET', pattern: '/v1/schedules/:name/next', op: 'schedule.next' },
  { method: 'GET', pattern: '/v1/schedules/:name/logs', op: 'schedule.logs' },
  { method: 'POST', pattern: '/v1/processes/:ref/policy', op: 'policy' },
  { method: 'GET', pattern: '/v1/notifications', op: 'notify.list' },
  { method: 'POST', pattern: '/v1/notifications/test', op: 'notify.test' },
  { method: 'POST', pattern: '/v1/ops/:op', op: ':op' },
];

/** Matches a path against the table; path segments become parameters. */
export function matchRoute(method: string, pathname: string, routes: Route[] = ROUTES): { op: string; params: Record<string, unknown> } | null {
  const parts = pathname.split('/').filter(Boolean);
  for (const r of routes) {
    if (r.method !== method) continue;
    const pat = r.pattern.split('/').filter(Boolean);
    if (pat.length !== parts.length) continue;
    const params: Record<string, unknown> = {};
    let ok = true;
    for (let i = 0; i < pat.length && ok; i++) {
      if (pat[i].startsWith(':')) params[pat[i].slice(1)] = decodeURIComponent(parts[i]);
      else ok = pat[i] === parts[i];
    }
    if (!ok) continue;
    if (params.port !== undefined) params.port = Number(params.port);
    const op = r.op === ':op' ? String(params.op) : r.op;
    delete params.op;
    return { op, params };
  }
  return null;
}

/** Query strings carry strings; turn obvious numbers and booleans into their types. */
export function queryParams(search: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of search) {
    out[k] = v === 'true' ? true : v === 'false' ? false : /^-?\d+$/.test(v) ? Number(v) : v;
  }
  return out;
}
