// Step 1 for TOML and JSON. smol-toml gives no positions, so a small line scanner finds where
// each table header and key sits; nested inline values fall back to their nearest located parent.
import { parse as parseToml } from 'smol-toml';
import type { ConfigIssue } from './issues.js';
import { mapJsonPositions, type ReadResult } from './read-yaml.js';
import { pathKey, type Path, type SourceMap } from './source-map.js';

function splitDotted(text: string): string[] {
  const parts = text.match(/"[^"]*"|'[^']*'|[^.]+/g) ?? [];
  return parts.map((p) => p.trim().replace(/^["']|["']$/g, ''));
}

function mapTomlPositions(text: string, file: string): SourceMap {
  const map: SourceMap = new Map();
  map.set(pathKey([]), { value: { file, line: 1, col: 1 } });
  let table: Path = [];
  const arrayCounts = new Map<string, number>();
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const header = raw.match(/^(\s*)\[(\[)?\s*([^\]]+?)\s*\]\]?/);
    if (header) {
      table = splitDotted(header[3]);
      if (header[2]) {
        const n = arrayCounts.get(pathKey(table)) ?? 0;
        arrayCounts.set(pathKey(table), n + 1);
        table = [...table, n];
      }
      const loc = { file, line, col: header[1].length + 1 };
      map.set(pathKey(table), { key: loc, value: loc });
      return;
    }
    const entry = raw.match(/^(\s*)((?:"[^"]*"|'[^']*'|[A-Za-z0-9_.\- ]+?))\s*=\s*/);
    if (!entry) return;
    const path = [...table, ...splitDotted(entry[2])];
    map.set(pathKey(path), {
      key: { file, line, col: entry[1].length + 1 },
      value: { file, line, col: entry[0].length + 1 },
    });
  });
  return map;
}

export function readToml(text: string, file: string): ReadResult {
  try {
    return { data: parseToml(text), map: mapTomlPositions(text, file), issues: [] };
  } catch (err) {
    const e = err as { message?: string; line?: number; column?: number };
    const message = `TOML syntax error: ${(e.message ?? String(err)).split('\n')[0].replace(/^Invalid TOML document: /, '')}`;
    return { data: undefined, map: new Map(), issues: [{ path: [], message, loc: { file, line: e.line ?? 0, col: e.column ?? 0 } }] };
  }
}

function offsetToLoc(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: before[before.length - 1].length + 1 };
}

export function readJson(text: string, file: string): ReadResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const at = message.match(/at position (\d+)/);
    const loc = at ? { file, ...offsetToLoc(text, Number(at[1])) } : { file, line: 0, col: 0 };
    const what = message.replace(/ in JSON at position \d+.*$/s, '').replace(/^JSON\.parse: /, '');
    const issue: ConfigIssue = { path: [], message: `JSON syntax error: ${what}`, loc };
    return { data: undefined, map: new Map(), issues: [issue] };
  }
  const { map, issues } = mapJsonPositions(text, file);
  if (issues.length > 0) return { data: undefined, map: new Map(), issues };
  return { data, map, issues: [] };
}
