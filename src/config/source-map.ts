// Where each key and value of a loaded config came from (file, line, column), kept through every step
// of the pipeline so an error found after merging still points at the line a person wrote.

export type Path = (string | number)[];

export interface Loc {
  file: string;
  line: number;
  col: number;
}

export interface NodeLoc {
  key?: Loc;
  value: Loc;
}

export type SourceMap = Map<string, NodeLoc>;

export function pathKey(path: Path): string {
  return JSON.stringify(path.map(String));
}

export function formatPath(path: Path): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

export function formatLoc(loc: Loc): string {
  return loc.line > 0 ? `${loc.file}:${loc.line}:${loc.col}` : loc.file;
}

/** The nearest known location of a path: the node itself or its closest ancestor. */
export function locate(map: SourceMap, path: Path, prefer: 'key' | 'value' = 'value'): Loc | undefined {
  for (let n = path.length; n >= 0; n--) {
    const found = map.get(pathKey(path.slice(0, n)));
    if (found) return prefer === 'key' ? (found.key ?? found.value) : found.value;
  }
  return undefined;
}

function startsWith(key: string[], prefix: string[]): boolean {
  return prefix.every((part, i) => key[i] === part);
}

/** Gives the nodes under `from` the same locations under `to` (an overlay or a template moving into place). */
export function copyLocations(map: SourceMap, from: Path, to: Path, overwrite: boolean): void {
  const fromParts = from.map(String);
  const toParts = to.map(String);
  for (const [key, loc] of [...map]) {
    const parts = JSON.parse(key) as string[];
    if (!startsWith(parts, fromParts)) continue;
    const target = pathKey([...toParts, ...parts.slice(fromParts.length)]);
    if (overwrite || !map.has(target)) map.set(target, loc);
  }
}

export function mergeMaps(into: SourceMap, from: SourceMap): void {
  for (const [key, loc] of from) if (!into.has(key)) into.set(key, loc);
}
