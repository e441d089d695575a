// Group operations: named sets of processes with a shared environment, started and stopped together.
import { SentinelError } from '../../core/errors.js';
import { validateName } from '../../core/names.js';
import type { Daemon, Handlers } from '../context.js';
import { parseEnvPairs } from '../params.js';
import { views } from './processes.js';

function groupOf(d: Daemon, p: { group?: string }) {
  const name = p.group ?? '';
  const g = d.groups.get(name);
  if (!g) throw new SentinelError('GROUP_NOT_FOUND', `no group named "${name}"; create it with "sentinel group create ${name}"`);
  return g;
}

function members(d: Daemon, group: string) {
  return d.supervisor.list().filter((r) => r.spec.group === group);
}

async function settleAll<T>(items: T[], action: (t: T) => Promise<unknown>) {
  const out = await Promise.allSettled(items.map(action));
  return out.map((s) => (s.status === 'fulfilled' ? { ok: true } : { ok: false, error: (s.reason as Error).message }));
}

type GroupOp = 'group.create' | 'group.list' | 'group.add' | 'group.remove' | 'group.start' | 'group.stop' | 'group.restart' | 'group.delete';

export function groupOps(d: Daemon): Handlers<GroupOp> {
  const sup = d.supervisor;
  return {
    'group.create'(p) {
      const name = validateName(p.group, 'group name');
      if (d.groups.get(name)) throw new SentinelError('NAME_TAKEN', `group "${name}" already exists; "sentinel group list" shows the groups`);
      const env = parseEnvPairs(p.envVars ?? []);
      return { group: d.groups.create(name, env, Date.now()) };
    },
    'group.list'(p) {
      if (p.group !== undefined && p.group !== '') {
        const g = groupOf(d, p);
        return { group: g, processes: views(d, members(d, g.name)) };
      }
      return { groups: d.groups.list().map((g) => ({ ...g, envKeys: Object.keys(g.env), processes: members(d, g.name).map((r) => r.name) })) };
    },
    async 'group.add'(p, ctx) {
      const g = groupOf(d, p);
      const rec = sup.resolve(p.ref);
      await sup.updateSpec(rec, { ...rec.spec, group: g.name }, ctx.actor, `added to group ${g.name}`);
      return { group: g.name, process: rec.name };
    },
    async 'group.remove'(p, ctx) {
      const g = groupOf(d, p);
      const rec = sup.resolve(p.ref);
      if (rec.spec.group !== g.name) throw new SentinelError('INVALID_ARGUMENT', `process "${rec.name}" is not in group "${g.name}"`);
      await sup.updateSpec(rec, { ...rec.spec, group: null }, ctx.actor, `removed from group ${g.name}`);
      return { group: g.name, process: rec.name };
    },
    async 'group.start'(p, ctx) {
      const g = groupOf(d, p);
      const recs = members(d, g.name).filter((r) => !sup.isLive(r));
      const results = await settleAll(recs, (r) => sup.start(r, ctx.actor));
      return { group: g.name, results: results.map((r, i) => ({ name: recs[i].name, ...r })) };
    },
    async 'group.stop'(p, ctx) {
      const g = groupOf(d, p);
      const recs = members(d, g.name);
      const results = await settleAll(recs, (r) => sup.stop(r, ctx.actor, { force: p.force ?? false }));
      return { group: g.name, results: results.map((r, i) => ({ name: recs[i].name, ...r })) };
    },
    async 'group.restart'(p, ctx) {
      const g = groupOf(d, p);
      const recs = members(d, g.name);
      const results = await settleAll(recs, (r) => sup.restart(r, ctx.actor));
      return { group: g.name, results: results.map((r, i) => ({ name: recs[i].name, ...r })) };
    },
    async 'group.delete'(p, ctx) {
      const g = groupOf(d, p);
      const recs = members(d, g.name);
      if (p.stop) await settleAll(recs, (r) => sup.stop(r, ctx.actor));
      for (const r of recs) await sup.updateSpec(r, { ...r.spec, group: null }, ctx.actor, `group ${g.name} deleted`);
      d.groups.remove(g.name);
      return { deleted: g.name, processes: recs.map((r) => r.name), stopped: p.stop ?? false };
    },
  };
}
