// Step 2a: merge `include:` files into one document. Paths are relative to the including file;
// a cycle is reported with its chain; a name defined in two files is an error naming both places.
import { existsSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { describeValue } from './schema-primitives.js';
import type { ConfigIssue } from './issues.js';
import { isPlainObject, type Plain } from './merge.js';
import { readConfigSource, type ConfigFormat } from './read.js';
import { formatLoc, locate, mergeMaps, type SourceMap } from './source-map.js';

export interface IncludeResult {
  data: Plain;
  map: SourceMap;
  issues: ConfigIssue[];
  warnings: string[];
  /** Every file read, main file first (absolute paths). */
  files: string[];
}

const NAMED_SECTIONS = ['processes', 'groups', 'ports', 'schedules', 'templates'];

interface Walk {
  baseDir: string;
  result: IncludeResult;
  done: Set<string>;
}

function displayName(walk: Walk, absPath: string): string {
  return relative(walk.baseDir, absPath) || absPath;
}

function mergeSection(walk: Walk, into: Plain, from: Plain, section: string, fromMap: SourceMap): void {
  const target = (into[section] ??= {}) as Plain;
  const source = from[section];
  if (!isPlainObject(source) || !isPlainObject(target)) return;
  for (const [name, value] of Object.entries(source)) {
    if (name in target) {
      const first = locate(walk.result.map, [section, name], 'key');
      const here = locate(fromMap, [section, name], 'key');
      const message = `"${name}" is already defined${first ? ` at ${formatLoc(first)}` : ''}; names must be unique across included files`;
      walk.result.issues.push({ path: [section, name], message, loc: here });
    } else {
      target[name] = value;
    }
  }
}

function mergeIncluded(walk: Walk, from: Plain, fromMap: SourceMap): void {
  const into = walk.result.data;
  for (const [key, value] of Object.entries(from)) {
    if (key === 'include' || key === 'version' || key === '$schema') continue;
    if (NAMED_SECTIONS.includes(key)) mergeSection(walk, into, from, key, fromMap);
    else if (key === 'notifications' && isPlainObject(value) && isPlainObject(into.notifications)) {
      const hooks = [...((into.notifications.webhooks as unknown[]) ?? []), ...((value.webhooks as unknown[]) ?? [])];
      if (value.email !== undefined && into.notifications.email !== undefined) {
        const first = locate(walk.result.map, ['notifications', 'email'], 'key');
        const message = `notifications email is already configured${first ? ` at ${formatLoc(first)}` : ''}; keep one`;
        walk.result.issues.push({ path: ['notifications', 'email'], message, loc: locate(fromMap, ['notifications', 'email'], 'key') });
      }
      into.notifications = { ...value, ...into.notifications, ...(hooks.length > 0 ? { webhooks: hooks } : {}) };
    } else if (key === 'environments' && isPlainObject(value) && isPlainObject(into.environments)) {
      into.environments = { ...value, ...into.environments };
    } else if (!(key in into)) {
      into[key] = value;
    }
  }
  mergeMaps(walk.result.map, fromMap);
}

function loadFile(walk: Walk, absPath: string, chain: string[], format?: ConfigFormat): void {
  walk.done.add(absPath);
  walk.result.files.push(absPath);
  const display = displayName(walk, absPath);
  const read = readConfigSource(absPath, display, format);
  walk.result.warnings.push(...read.warnings);
  if (read.issues.length > 0) {
    walk.result.issues.push(...read.issues);
    return;
  }
  if (!isPlainObject(read.data)) {
    const message = `expected a map of sections (processes, groups, ...) at the top of the file, got ${describeValue(read.data)}`;
    walk.result.issues.push({ path: [], message, loc: { file: display, line: 1, col: 1 } });
    return;
  }
  const data = read.data;
  if (chain.length === 0) {
    walk.result.data = { ...data };
    mergeMaps(walk.result.map, read.map);
  } else {
    mergeIncluded(walk, data, read.map);
  }
  const includes = data.include;
  if (includes === undefined) return;
  if (!Array.isArray(includes)) {
    const message = `expected a list of file paths, got ${describeValue(includes)}`;
    walk.result.issues.push({ path: ['include'], message, loc: locate(read.map, ['include']) });
    return;
  }
  includes.forEach((entry, i) => {
    const loc = locate(read.map, ['include', i]);
    if (typeof entry !== 'string') {
      walk.result.issues.push({ path: ['include', i], message: `expected a file path, got ${describeValue(entry)}`, loc });
      return;
    }
    const target = resolve(dirname(absPath), entry);
    const here = [...chain, absPath];
    if (here.includes(target)) {
      const cycle = [...here.slice(here.indexOf(target)), target].map((f) => displayName(walk, f)).join(' -> ');
      walk.result.issues.push({ path: ['include', i], message: `include cycle: ${cycle}`, loc });
      return;
    }
    if (walk.done.has(target)) return;
    if (!existsSync(target)) {
      walk.result.issues.push({ path: ['include', i], message: `file "${entry}" not found; include paths are relative to the including file`, loc });
      return;
    }
    loadFile(walk, target, here);
  });
}

/** Reads the main file and everything it includes; `data` is the merged document. */
/** `format` overrides the detection of the main file's format. */
export function readWithIncludes(mainPath: string, format?: ConfigFormat): IncludeResult {
  const absPath = resolve(mainPath);
  const walk: Walk = {
    baseDir: dirname(absPath),
    done: new Set(),
    result: { data: {}, map: new Map(), issues: [], warnings: [], files: [] },
  };
  loadFile(walk, absPath, [], format);
  return walk.result;
}
