// `scale`: how many instances of a definition run, changed live — by a person (6, +2, -1, max) or by
// the autoscaler (src/cluster/autoscale-loop.ts) through the same scaleTo. Each change is an event
// with its reason; added instances start when the definition is running, surplus ones stop, last first.
import { SentinelError } from '../../core/errors.js';
import type { ProcessRecord } from '../../store/processes.js';
import type { ProcessSpec, ScaleSection } from '../../core/spec.js';
import type { Daemon, Handlers } from '../context.js';
import { coreCount, MAX_INSTANCES } from '../../cluster/scale-config.js';
import { views } from './processes.js';

/** The count asked for: "6", "+2", "-1" or "max" (the scale maximum, else one per core); refused outside the bounds. */
export function parseCount(raw: string | number, name: string, current: number, scale: ScaleSection | null): number {
  const text = String(raw).trim();
  let n: number;
  if (text === 'max') n = scale ? scale.max : coreCount();
  else if (/^[+-]\d+$/.test(text)) n = current + Number(text);
  else if (/^\d+$/.test(text)) n = Number(text);
  else throw new SentinelError('INVALID_ARGUMENT', `scale ${name} ${JSON.stringify(text)}: expected a count (6), a change (+2, -1) or "max"`);
  if (n < 1) {
    throw new SentinelError('INVALID_ARGUMENT', `cannot scale "${name}" to ${n}: at least one instance runs (it has ${current}); to run none, stop it: sentinel stop ${name}`);
  }
  if (scale && n > scale.max) {
    throw new SentinelError('INVALID_ARGUMENT', `cannot scale "${name}" to ${n}: its scale maximum is ${scale.max} (scale: {min: ${scale.min}, max: ${scale.max}}); raise max in its definition first`);
  }
  if (scale && n < scale.min) {
    throw new SentinelError('INVALID_ARGUMENT', `cannot scale "${name}" to ${n}: its scale minimum is ${scale.min} (scale: {min: ${scale.min}, max: ${scale.max}}); lower min in its definition first`);
  }
  if (n > MAX_INSTANCES) throw new SentinelError('INVALID_ARGUMENT', `cannot scale "${name}" to ${n}: at most ${MAX_INSTANCES} instances`);
  return n;
}

/** One change at a time per definition: a person's and the autoscaler's never interleave. */
const chains = new Map<string, Promise<unknown>>();

function serialized<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const prev = chains.get(name) ?? Promise.resolve();
  const next = prev.catch(() => undefined).then(fn);
  const tail = next.catch(() => undefined);
  chains.set(name, tail);
  void tail.then(() => { if (chains.get(name) === tail) chains.delete(name); });
  return next;
}

/**
 * Brings a definition to `to` instances: the event first (with `reason`), then new records (started when
 * the definition runs) or the last ones stopped and removed. `count` may be computed from the current one.
 */
export function scaleTo(
  d: Daemon, name: string, count: (current: number, first: ProcessRecord) => number, actor: string, reason: (from: number, to: number) => string,
): Promise<{ from: number; to: number }> {
  return serialized(name, async () => {
    const sup = d.supervisor;
    const members = sup.instancesOf(name);
    if (members.length === 0) throw new SentinelError('PROCESS_NOT_FOUND', `no process named "${name}"; run "sentinel list" to see the managed processes`);
    // behind the deploy proxy each instance has a port of its own and a revision: deploys change their number
    if (d.deploys?.proxyOf(name)) {
      throw new SentinelError('INVALID_ARGUMENT', `"${name}" is served through the deploy proxy: change its number of instances with a deploy ("sentinel deploy ${name} --instances N")`);
    }
    const deploying = d.deployRepo?.running(name)[0];
    if (deploying) throw new SentinelError('DEPLOY_IN_PROGRESS', `deploy ${deploying.id} of "${name}" is running; scale it once the deploy ended ("sentinel deploy status ${name}")`, { deployId: deploying.id });
    const first = members[0];
    const from = members.length;
    const to = count(from, first);
    if (to === from) return { from, to };
    const running = members.some((m) => sup.isLive(m) || m.wantRunning || m.state === 'backoff');
    sup.note(first, 'scale', reason(from, to), actor);
    const { added } = await sup.updateSpec(first, { ...first.spec, instances: to }, actor, `scaled: ${from} → ${to}`);
    if (running) {
      const settled = await Promise.allSettled(added.map((m) => sup.start(m, actor)));
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
    }
    return { from, to };
  });
}

/**
 * A definition that scales keeps the count it has (by hand or on load) when its file is applied again
 * (`up`, `reload`): the file's `instances` is only where it starts. Within the file's min..max.
 */
export function keepScaledCounts(d: Daemon, specs: ProcessSpec[]): void {
  for (const spec of specs) {
    const current = d.supervisor.instancesOf(spec.name);
    if (!spec.scale || current.length === 0 || !current[0].spec.scale) continue;
    spec.instances = Math.min(spec.scale.max, Math.max(spec.scale.min, current.length));
  }
}

export function clusterOps(d: Daemon): Handlers<'scale'> {
  return {
    async scale(p, ctx) {
      const rec = d.supervisor.resolve(p.ref);
      if (rec.instance !== 0 && /:\d+$/.test(p.ref)) {
        throw new SentinelError('INVALID_ARGUMENT', `scale acts on a whole definition: "sentinel scale ${rec.name} ${p.count}", not one instance (${p.ref})`);
      }
      // checked before anything changes: a bad count has no side effect
      parseCount(p.count, rec.name, d.supervisor.instancesOf(rec.name).length, rec.spec.scale);
      const { from, to } = await scaleTo(
        d, rec.name, (current, first) => parseCount(p.count, rec.name, current, first.spec.scale), ctx.actor,
        (a, b) => `scaled by ${ctx.actor}: ${a} → ${b}`,
      );
      return { name: rec.name, from, to, processes: views(d, d.supervisor.instancesOf(rec.name)) };
    },
  };
}
