// Reads `depends_on` (list or map) and expands group references to their member processes.
import type { SentinelConfig } from './schema.js';
import { isPlainObject } from './merge.js';

export type Condition = 'started' | 'ready' | 'healthy' | 'completed_successfully';

/** `[a, b]` or `{a: {condition}}` → {a: condition}; tolerant of invalid shapes (validation reports those). */
export function readDependsOn(value: unknown): Record<string, Condition> {
  const out: Record<string, Condition> = {};
  if (Array.isArray(value)) {
    for (const name of value) if (typeof name === 'string') out[name] = 'started';
  } else if (isPlainObject(value)) {
    for (const [name, spec] of Object.entries(value)) {
      const condition = isPlainObject(spec) && typeof spec.condition === 'string' ? spec.condition : 'started';
      out[name] = condition as Condition;
    }
  }
  return out;
}

const memberships = new WeakMap<SentinelConfig, { processes: unknown; groups: unknown; out: Record<string, string | null> }>();

/**
 * The group of each process: its own `group:` or the group that lists it. Worked out once per config
 * (asked for every process while a file is normalized: a thousand processes made it quadratic).
 */
export function groupMembership(config: SentinelConfig): Record<string, string | null> {
  const known = memberships.get(config);
  if (known && known.processes === config.processes && known.groups === config.groups) return known.out;
  const out = computeMembership(config);
  memberships.set(config, { processes: config.processes, groups: config.groups, out });
  return out;
}

function computeMembership(config: SentinelConfig): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [name, proc] of Object.entries(config.processes ?? {})) out[name] = isPlainObject(proc) && typeof proc.group === 'string' ? proc.group : null;
  for (const [group, def] of Object.entries(config.groups ?? {})) {
    const members = isPlainObject(def) && Array.isArray(def.processes) ? def.processes : [];
    for (const member of members) if (typeof member === 'string' && member in out && out[member] === null) out[member] = group;
  }
  return out;
}

export function groupMembers(config: SentinelConfig, group: string): string[] {
  const membership = groupMembership(config);
  return Object.keys(membership).filter((name) => membership[name] === group);
}

/** What a process waits for, in process names: its own dependencies and its group's, groups expanded. */
export function expandedDependencies(config: SentinelConfig, name: string): Record<string, Condition> {
  const membership = groupMembership(config);
  const proc = config.processes?.[name];
  const group = membership[name];
  const direct: Record<string, Condition> = {
    ...(group ? readDependsOn(config.groups?.[group]?.depends_on) : {}),
    ...readDependsOn(proc?.depends_on),
  };
  const out: Record<string, Condition> = {};
  for (const [dep, condition] of Object.entries(direct)) {
    if (dep in (config.processes ?? {})) out[dep] = condition;
    else for (const member of Object.keys(membership)) if (membership[member] === dep && member !== name) out[member] = condition;
  }
  return out;
}
