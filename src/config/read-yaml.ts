// Step 1 for YAML (and the positions of JSON): parse with line/column of every key and value.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { ConfigIssue } from './issues.js';
import { pathKey, type Loc, type Path, type SourceMap } from './source-map.js';

export interface ReadResult {
  data: unknown;
  map: SourceMap;
  issues: ConfigIssue[];
}

function walk(node: unknown, path: Path, map: SourceMap, at: (offset: number) => Loc): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key as Node | null;
      const name = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
      const valueNode = pair.value as Node | null;
      const key = keyNode?.range ? at(keyNode.range[0]) : undefined;
      const value = valueNode?.range ? at(valueNode.range[0]) : key;
      if (value) map.set(pathKey([...path, name]), { key, value });
      walk(valueNode, [...path, name], map, at);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      const range = (item as Node | null)?.range;
      if (range) map.set(pathKey([...path, i]), { value: at(range[0]) });
      walk(item, [...path, i], map, at);
    });
  }
}

/** Builds the location map of a YAML (or JSON) text; `file` is the name shown in messages. */
export function mapYamlPositions(text: string, file: string): SourceMap {
  const lineCounter = new LineCounter();
  return mapDocPositions(parseDocument(text, { lineCounter, merge: true, uniqueKeys: false }), lineCounter, file);
}

/** The location map of a document already parsed (with its line counter): a file is parsed once. */
function mapDocPositions(doc: ReturnType<typeof parseDocument>, lineCounter: LineCounter, file: string): SourceMap {
  const map: SourceMap = new Map();
  const at = (offset: number): Loc => ({ file, ...lineCounter.linePos(offset) });
  map.set(pathKey([]), { value: { file, line: 1, col: 1 } });
  walk(doc.contents, [], map, at);
  return map;
}

function describeYamlError(code: string, message: string, text: string, offset: number): string {
  if (code === 'DUPLICATE_KEY') {
    const key = text.slice(offset).match(/^["']?([^"':\n]+)/)?.[1]?.trim() ?? '?';
    return `duplicate key "${key}": each key may appear only once in a map`;
  }
  return `YAML syntax error: ${message.split(' at line ')[0].split('\n')[0]}`;
}

export function readYaml(text: string, file: string): ReadResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e): ConfigIssue => {
      const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
      return { path: [], message: describeYamlError(e.code, e.message, text, e.pos[0]), loc: { file, ...pos } };
    });
    return { data: undefined, map: new Map(), issues };
  }
  return { data: doc.toJS({ maxAliasCount: 1000 }) ?? {}, map: mapDocPositions(doc, lineCounter, file), issues: [] };
}
