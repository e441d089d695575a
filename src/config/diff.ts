// What `reload` must touch: desired specs against current ones, compared deeply after normalizing,
// so only added, changed and removed processes are started, restarted or stopped.
import type { ProcessSpec } from '../core/spec.js';
import { isPlainObject } from './merge.js';

export interface SpecChange {
  name: string;
  before: ProcessSpec;
  after: ProcessSpec;
  /** Dotted paths of the fields that differ ("restart.mode", "env.PORT"). */
  fields: string[];
}

export interface ReloadPlan {
  added: ProcessSpec[];
  changed: SpecChange[];
  removed: ProcessSpec[];
  unchanged: string[];
}

function differences(a: unknown, b: unknown, path: string, out: string[]): void {
  if (Object.is(a, b)) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length || a.some((v, i) => { const inner: string[] = []; differences(v, b[i], '', inner); return inner.length > 0; })) out.push(path);
    return;
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      differences(a[key], b[key], path ? `${path}.${key}` : key, out);
    }
    return;
  }
  out.push(path);
}

/** Field paths in which two specs differ; empty when they are the same. */
export function diffSpec(before: ProcessSpec, after: ProcessSpec): string[] {
  const out: string[] = [];
  differences(before, after, '', out);
  return out;
}

export function planReload(desired: ProcessSpec[], current: ProcessSpec[]): ReloadPlan {
  const now = new Map(current.map((s) => [s.name, s]));
  const wanted = new Set(desired.map((s) => s.name));
  const plan: ReloadPlan = { added: [], changed: [], removed: [], unchanged: [] };
  for (const spec of desired) {
    const before = now.get(spec.name);
    if (!before) {
      plan.added.push(spec);
      continue;
    }
    const fields = diffSpec(before, spec);
    if (fields.length > 0) plan.changed.push({ name: spec.name, before, after: spec, fields });
    else plan.unchanged.push(spec.name);
  }
  plan.removed = current.filter((s) => !wanted.has(s.name));
  return plan;
}

/** The plan as `reload` prints it before acting (env values are never shown, only their names). */
export function formatPlan(plan: ReloadPlan): string {
  const lines: string[] = [];
  for (const spec of plan.added) lines.push(`+ ${spec.name}  (new: ${[spec.command, ...spec.args].join(' ')})`);
  for (const change of plan.changed) lines.push(`~ ${change.name}  (changed: ${change.fields.join(', ')})`);
  for (const spec of plan.removed) lines.push(`- ${spec.name}  (removed)`);
  if (plan.unchanged.length > 0) lines.push(`= ${plan.unchanged.length} unchanged: ${plan.unchanged.join(', ')}`);
  const counts = `${plan.added.length} to add, ${plan.changed.length} to change, ${plan.removed.length} to remove`;
  return lines.length === 0 ? 'Nothing to do: no processes configured.' : `${lines.join('\n')}\nPlan: ${counts}.`;
}
