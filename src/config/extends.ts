// Step 4: `extends: NAME` starts a process (or template) from a template or another process.
// Maps merge deeply, other values are replaced, null removes; chains are followed, cycles named.
import type { ConfigIssue } from './issues.js';
import { deepMerge, isPlainObject, type Plain } from './merge.js';
import { copyLocations, locate, type Path, type SourceMap } from './source-map.js';
import { didYouMean } from './suggest.js';

type Section = 'templates' | 'processes';

interface Ctx {
  data: Plain;
  map: SourceMap;
  issues: ConfigIssue[];
  done: Set<string>;
  failed: Path[];
  /** Entries already named in a reported cycle: one message per cycle. */
  inCycle: Set<string>;
}

function sectionOf(ctx: Ctx, section: Section): Plain {
  return isPlainObject(ctx.data[section]) ? (ctx.data[section] as Plain) : {};
}

function findBase(ctx: Ctx, name: string): Section | undefined {
  if (name in sectionOf(ctx, 'templates')) return 'templates';
  if (name in sectionOf(ctx, 'processes')) return 'processes';
  return undefined;
}

/** Resolves one entry in place; `chain` holds the entries being resolved, to name a cycle. */
function resolveEntry(ctx: Ctx, section: Section, name: string, chain: string[]): boolean {
  const id = `${section}.${name}`;
  if (ctx.done.has(id)) return true;
  if (ctx.inCycle.has(id)) return false;
  const entry = sectionOf(ctx, section)[name];
  if (!isPlainObject(entry) || entry.extends === undefined) {
    ctx.done.add(id);
    return true;
  }
  const path: Path = [section, name, 'extends'];
  const baseName = entry.extends;
  if (typeof baseName !== 'string') return false; // validation reports the type
  if (chain.includes(id)) {
    ctx.failed.push([section, name]);
    const loop = chain.slice(chain.indexOf(id));
    for (const member of loop) ctx.inCycle.add(member);
    const names = [...loop, id].map((c) => c.split('.').slice(1).join('.'));
    ctx.issues.push({ path, message: `extends cycle: ${names.join(' -> ')}`, loc: locate(ctx.map, path) });
    return false;
  }
  const baseSection = findBase(ctx, baseName);
  if (!baseSection) {
    const candidates = [...Object.keys(sectionOf(ctx, 'templates')), ...Object.keys(sectionOf(ctx, 'processes'))];
    ctx.failed.push([section, name]);
    const message = `no template or process named "${baseName}"${didYouMean(baseName, candidates)}`;
    ctx.issues.push({ path, message, loc: locate(ctx.map, path) });
    return false;
  }
  if (!resolveEntry(ctx, baseSection, baseName, [...chain, id])) {
    ctx.failed.push([section, name]);
    return false;
  }
  const base = sectionOf(ctx, baseSection)[baseName];
  const { extends: _ignored, ...own } = entry;
  const merged = deepMerge(isPlainObject(base) ? base : {}, own) as Plain;
  sectionOf(ctx, section)[name] = merged;
  copyLocations(ctx.map, [baseSection, baseName], [section, name], false);
  ctx.done.add(id);
  return true;
}

/** Returns the problems and the entries that could not be resolved (their other errors are noise). */
export function applyExtends(data: Plain, map: SourceMap): { issues: ConfigIssue[]; failed: Path[] } {
  const ctx: Ctx = { data, map, issues: [], done: new Set(), failed: [], inCycle: new Set() };
  for (const section of ['templates', 'processes'] as const) {
    for (const name of Object.keys(sectionOf(ctx, section))) resolveEntry(ctx, section, name, []);
  }
  return { issues: ctx.issues, failed: ctx.failed };
}
