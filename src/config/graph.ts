// The dependency graph over processes and groups: problems (unknown names, cycles), start levels
// for parallel start, the reverse for stop, and the tree `sentinel graph` prints.
import { SentinelError } from '../core/errors.js';
import type { ProcessSpec } from '../core/spec.js';
import { expandedDependencies, groupMembership, readDependsOn, type Condition } from './dependencies.js';
import type { SentinelConfig } from './schema.js';
import { didYouMean } from './suggest.js';
import type { Path } from './source-map.js';

export interface GraphProblem {
  kind: 'unknown' | 'cycle';
  /** Where the bad reference is written, e.g. ["processes", "web", "depends_on"]. */
  path: Path;
  message: string;
}

interface NamedNode {
  kind: 'process' | 'group';
  /** Names (processes or groups) this node waits for; for a group also its members. */
  edges: string[];
  /** What its own depends_on names (checked for unknown names; inherited ones are checked at the group). */
  own: string[];
  path: Path;
}

export class DependencyGraph {
  /** Process name → the processes it waits for, with conditions (groups already expanded). */
  private readonly deps: Map<string, Record<string, Condition>>;
  private readonly groups: Map<string, string | null>;
  private readonly named: Map<string, NamedNode>;

  constructor(deps: Map<string, Record<string, Condition>>, groups: Map<string, string | null>, named?: Map<string, NamedNode>) {
    this.deps = deps;
    this.groups = groups;
    this.named = named ?? new Map([...deps].map(([n, d]) => [n, { kind: 'process' as const, edges: Object.keys(d), own: Object.keys(d), path: ['processes', n, 'depends_on'] }]));
  }

  processes(): string[] {
    return [...this.deps.keys()];
  }

  dependenciesOf(name: string): { name: string; condition: Condition }[] {
    return Object.entries(this.deps.get(name) ?? {}).map(([dep, condition]) => ({ name: dep, condition }));
  }

  dependentsOf(name: string): string[] {
    return this.processes().filter((p) => name in (this.deps.get(p) ?? {}));
  }

  /** Unknown references (naming both sides) and cycles (naming the loop), in user terms. */
  problems(): GraphProblem[] {
    const out: GraphProblem[] = [];
    const known = [...this.named.keys()];
    for (const [name, node] of this.named) {
      for (const dep of node.own) {
        if (this.named.has(dep)) continue;
        const message = `${node.kind} "${name}" depends on "${dep}", which is not a defined process or group${didYouMean(dep, known)}`;
        out.push({ kind: 'unknown', path: node.path, message });
      }
    }
    const inReported = new Set<string>();
    for (const cycle of this.findCycles()) {
      // one cycle per tangle: fixing it shows the next, instead of a list of rotations of one loop
      if (cycle.some((n) => inReported.has(n))) continue;
      for (const n of cycle) inReported.add(n);
      const first = this.named.get(cycle[0]);
      out.push({ kind: 'cycle', path: first?.path ?? [], message: `dependency cycle: ${cycle.join(' -> ')}` });
    }
    return out;
  }

  private findCycles(): string[][] {
    const cycles: string[][] = [];
    const state = new Map<string, 'active' | 'done'>();
    const stack: string[] = [];
    const visit = (name: string): void => {
      state.set(name, 'active');
      stack.push(name);
      for (const dep of this.named.get(name)?.edges ?? []) {
        if (!this.named.has(dep)) continue;
        if (state.get(dep) === 'active') cycles.push([...stack.slice(stack.indexOf(dep)), dep]);
        else if (!state.has(dep)) visit(dep);
      }
      stack.pop();
      state.set(name, 'done');
    };
    for (const name of this.named.keys()) if (!state.has(name)) visit(name);
    return cycles;
  }

  private closure(names: string[], next: (n: string) => string[]): Set<string> {
    const out = new Set<string>();
    const todo = [...names];
    while (todo.length > 0) {
      const name = todo.pop() as string;
      if (out.has(name) || !this.deps.has(name)) continue;
      out.add(name);
      todo.push(...next(name));
    }
    return out;
  }

  /** Levels of processes that can start together; `only` limits to those names plus what they need. */
  startOrder(only?: string[]): string[][] {
    const include = only ? this.closure(only, (n) => Object.keys(this.deps.get(n) ?? {})) : new Set(this.processes());
    const levels: string[][] = [];
    const placed = new Set<string>();
    while (placed.size < include.size) {
      const level = [...include].filter(
        (n) => !placed.has(n) && Object.keys(this.deps.get(n) ?? {}).every((d) => placed.has(d) || !include.has(d)),
      );
      if (level.length === 0) {
        const cycle = this.problems().find((p) => p.kind === 'cycle');
        throw new SentinelError('DEPENDENCY_CYCLE', `${cycle?.message ?? 'dependency cycle'}; remove one of these depends_on entries`);
      }
      for (const n of level) placed.add(n);
      levels.push(level);
    }
    return levels;
  }

  /** Reverse of start order: dependents stop before what they depend on; `only` adds their dependents. */
  stopOrder(only?: string[]): string[][] {
    const include = only ? this.closure(only, (n) => this.dependentsOf(n)) : undefined;
    const levels = this.startOrder(include ? [...include] : undefined);
    return levels.map((l) => l.filter((n) => !include || include.has(n))).filter((l) => l.length > 0).reverse();
  }

  /** The tree `sentinel graph` prints: each top process (nothing depends on it) with what it waits for. */
  printTree(): string {
    const lines: string[] = [];
    const label = (name: string, condition?: Condition): string => {
      const group = this.groups.get(name);
      return `${name}${group ? ` [${group}]` : ''}${condition ? ` (${condition})` : ''}`;
    };
    const walk = (name: string, prefix: string, seen: string[]): void => {
      const deps = this.dependenciesOf(name);
      deps.forEach((dep, i) => {
        const last = i === deps.length - 1;
        const loop = seen.includes(dep.name) ? ' (cycle)' : '';
        lines.push(`${prefix}${last ? '└─ ' : '├─ '}${label(dep.name, dep.condition)}${loop}`);
        if (!loop) walk(dep.name, `${prefix}${last ? '   ' : '│  '}`, [...seen, dep.name]);
      });
    };
    const roots = this.processes().filter((p) => this.dependentsOf(p).length === 0);
    for (const root of roots.length > 0 ? roots : this.processes()) {
      lines.push(label(root));
      walk(root, '', [root]);
    }
    return lines.join('\n');
  }
}

/** The graph of a config (checked or not: invalid shapes are skipped, validation reports them). */
export function graphFromConfig(config: SentinelConfig): DependencyGraph {
  const membership = groupMembership(config);
  const deps = new Map<string, Record<string, Condition>>();
  const named = new Map<string, NamedNode>();
  const groupNames = [...new Set([...Object.keys(config.groups ?? {}), ...Object.values(membership).filter((g): g is string => !!g)])];
  // Groups first, so a cycle between groups is named by its groups.
  for (const group of groupNames) {
    if (group in (config.processes ?? {})) continue; // a group named like a process is reported by the reference checks
    const own = Object.keys(readDependsOn(config.groups?.[group]?.depends_on));
    const members = Object.keys(membership).filter((m) => membership[m] === group);
    // Depending on a group means waiting for its members; the members wait for the group's own dependencies.
    named.set(group, { kind: 'group', edges: [...own, ...members], own, path: ['groups', group, 'depends_on'] });
  }
  for (const name of Object.keys(config.processes ?? {})) {
    deps.set(name, expandedDependencies(config, name));
    const own = Object.keys(readDependsOn(config.processes?.[name]?.depends_on));
    const group = membership[name];
    const inherited = group ? Object.keys(readDependsOn(config.groups?.[group]?.depends_on)) : [];
    named.set(name, { kind: 'process', edges: [...own, ...inherited.filter((d) => !own.includes(d))], own, path: ['processes', name, 'depends_on'] });
  }
  return new DependencyGraph(deps, new Map(Object.entries(membership)), named);
}

/** The graph of normalized specs (source.dependsOn already holds groups expanded to processes). */
export function graphFromSpecs(specs: ProcessSpec[]): DependencyGraph {
  const deps = new Map<string, Record<string, Condition>>();
  for (const spec of specs) deps.set(spec.name, { ...spec.source.dependsOn });
  return new DependencyGraph(deps, new Map(specs.map((s) => [s.name, s.group])));
}
