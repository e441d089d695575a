// Step 1 for YAML (and the positions of JSON): parse with line/column of every key and value.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { ConfigIssue } from './issues.js';
import type { Loc, SourceMap } from './source-map.js';

export interface ReadResult {
  data: unknown;
  map: SourceMap;
  issues: ConfigIssue[];
}

/** What one walk over a parsed document fills: the location map and, for YAML, the offsets of duplicate keys. */
interface Walk {
  map: SourceMap;
  at: (offset: number) => Loc;
  /** undefined: keys are not checked (JSON, whose JSON.parse lets the last of equal keys win) */
  duplicates: number[] | undefined;
}

/**
 * Notes a key of a map in `seen`, or its offset in `duplicates` when an equal key came before.
 * Equal is what yaml's own uniqueKeys check calls equal (`mapIncludes`: the same node, or two scalars
 * whose parsed values are ===): `1` and `"1"` differ (number and string), `1` and `0x1` or `true` and
 * `True` are the same, every plain `<<` is a fresh Symbol under merge:true so merge keys never clash, and
 * a key that is a map, a list or an alias is never equal to another. A Set compares by SameValueZero,
 * which differs from === only for NaN: a NaN key (`.nan`) is never equal to anything, so it is not noted.
 */
function noteKey(keyNode: unknown, seen: Set<unknown>, duplicates: number[]): void {
  if (!isScalar(keyNode)) return;
  const value = keyNode.value;
  if (value !== value) return;
  if (!seen.has(value)) seen.add(value);
  // the offset yaml reports too: where the key's own text starts, after any anchor or tag
  else if (keyNode.range) duplicates.push(keyNode.range[0]);
}

/**
 * Fills the map under `node`, whose path key is `prefix` + "]" (a pathKey() without its closing bracket):
 * each child's key is the parent's prefix plus one JSON-quoted part, so no path array is spread and no
 * whole path is stringified again per pair, as `pathKey([...path, name])` twice per pair did.
 * `prefix` undefined: the node is a key that is itself a collection; only its duplicates are looked for.
 *
 * Duplicates are noted in the order yaml's composer reports them, so the issues read as they did when
 * yaml checked: in a block map a key is checked before its value is read, in a flow map after it.
 */
function walk(node: unknown, prefix: string | undefined, w: Walk): void {
  if (isMap(node)) {
    const items = node.items;
    const seen = w.duplicates && items.length > 1 ? new Set<unknown>() : undefined;
    const flow = node.flow === true;
    for (let i = 0; i < items.length; i++) {
      const pair = items[i];
      if (!isPair(pair)) continue;
      const keyNode = pair.key as Node | null;
      const valueNode = pair.value as Node | null;
      // a key that is a map or a list has keys of its own, read (and checked) before the pair
      if (w.duplicates && (isMap(keyNode) || isSeq(keyNode))) walk(keyNode, undefined, w);
      if (seen && !flow) noteKey(keyNode, seen, w.duplicates!);
      let child: string | undefined;
      if (prefix !== undefined) {
        const name = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
        child = (prefix.length > 1 ? `${prefix},` : prefix) + JSON.stringify(name);
        const key = keyNode?.range ? w.at(keyNode.range[0]) : undefined;
        const value = valueNode?.range ? w.at(valueNode.range[0]) : key;
        if (value) w.map.set(`${child}]`, { key, value });
      }
      walk(valueNode, child, w);
      if (seen && flow) noteKey(keyNode, seen, w.duplicates!);
    }
  } else if (isSeq(node)) {
    const items = node.items;
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as Node | null;
      let child: string | undefined;
      if (prefix !== undefined) {
        child = `${prefix.length > 1 ? `${prefix},` : prefix}"${i}"`;
        const range = item?.range;
        if (range) w.map.set(`${child}]`, { value: w.at(range[0]) });
      }
      walk(item, child, w);
    }
  }
}

/** Builds the location map of a YAML (or JSON) text; `file` is the name shown in messages. */
export function mapYamlPositions(text: string, file: string): SourceMap {
  const lineCounter = new LineCounter();
  return mapDocPositions(parseDocument(text, { lineCounter, merge: true, uniqueKeys: false }), lineCounter, file, undefined);
}

/**
 * The location map of a JSON text JSON.parse took, and an issue for each key repeated in its object:
 * JSON.parse keeps the last of equal keys and drops the others without a word, which would lose a setting
 * (or a whole process) unseen. Keys are equal when their strings are (`"a"` and `"\u0061"` too).
 */
export function mapJsonPositions(text: string, file: string): { map: SourceMap; issues: ConfigIssue[] } {
  const lineCounter = new LineCounter();
  // parsed as YAML for the positions (JSON is YAML 1.2's flow style), no `<<` merge: in JSON it is a key like any other
  const doc = parseDocument(text, { lineCounter, merge: false, uniqueKeys: false });
  const duplicates: number[] = [];
  const map = mapDocPositions(doc, lineCounter, file, duplicates);
  const issues = duplicates.map((offset): ConfigIssue => {
    const pos = lineCounter.linePos(offset);
    return { path: [], message: describeJsonDuplicate(text, offset), loc: { file, line: pos.line, col: pos.col } };
  });
  return { map, issues };
}

/** The message for a repeated key at `offset` (its opening quote) in a JSON text. */
function describeJsonDuplicate(text: string, offset: number): string {
  let key: string;
  try {
    key = JSON.parse(text.slice(offset).match(/^"(?:[^"\\\n]|\\.)*"/)?.[0] ?? '"?"') as string;
  } catch {
    key = '?';
  }
  return `duplicate key ${JSON.stringify(key)}: each key may appear only once in an object (JSON keeps only the last, dropping the others)`;
}

/**
 * The location map of a document already parsed (with its line counter): a file is parsed once.
 * With `duplicates`, the same walk collects the offsets of duplicate keys.
 */
function mapDocPositions(
  doc: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
  file: string,
  duplicates: number[] | undefined,
): SourceMap {
  const map: SourceMap = new Map();
  const at = (offset: number): Loc => {
    const pos = lineCounter.linePos(offset);
    return { file, line: pos.line, col: pos.col };
  };
  // pathKey([]) is "[]"; the walk's prefixes are pathKey()s without their closing bracket
  map.set('[]', { value: { file, line: 1, col: 1 } });
  walk(doc.contents, '[', { map, at, duplicates });
  return map;
}

function describeYamlError(code: string, message: string, text: string, offset: number): string {
  if (code === 'DUPLICATE_KEY') {
    const key = text.slice(offset).match(/^["']?([^"':\n]+)/)?.[1]?.trim() ?? '?';
    return `duplicate key "${key}": each key may appear only once in a map`;
  }
  return `YAML syntax error: ${message.split(' at line ')[0].split('\n')[0]}`;
}

/** The issues of a text yaml finds errors in, every error as yaml reports it, duplicate keys among them. */
function yamlErrors(text: string, file: string): ConfigIssue[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: true });
  return doc.errors.map((e): ConfigIssue => {
    const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
    return { path: [], message: describeYamlError(e.code, e.message, text, e.pos[0]), loc: { file, ...pos } };
  });
}

export function readYaml(text: string, file: string): ReadResult {
  // yaml's own duplicate check (uniqueKeys, on by default) compares each key with every key before it in
  // its map: O(n²) per map, ~half a million comparisons for 1000 processes. Keys are checked instead in
  // the walk that builds the location map, with a Set per map (noteKey). Measured for 1000 processes with
  // the daemon's V8 flags (CPU time, medians, on a loaded 2-core machine): 694 -> 605 ms for the first
  // call in a fresh process, 269 -> 206 ms warm. Most of what is left is yaml's parse itself.
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, uniqueKeys: false });
  // a text with syntax errors is parsed again with yaml's check: its duplicate keys are then reported
  // among the syntax errors in yaml's order, as they always were; only a broken file pays the second parse
  if (doc.errors.length > 0) return { data: undefined, map: new Map(), issues: yamlErrors(text, file) };
  const duplicates: number[] = [];
  const map = mapDocPositions(doc, lineCounter, file, duplicates);
  if (duplicates.length > 0) {
    const issues = duplicates.map((offset): ConfigIssue => {
      const pos = lineCounter.linePos(offset);
      const message = describeYamlError('DUPLICATE_KEY', '', text, offset);
      return { path: [], message, loc: { file, line: pos.line, col: pos.col } };
    });
    return { data: undefined, map: new Map(), issues };
  }
  return { data: doc.toJS({ maxAliasCount: 1000 }) ?? {}, map, issues: [] };
}
