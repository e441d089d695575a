// Step 1 for YAML: duplicate keys are found by our own walk (yaml parses with uniqueKeys: false), so these
// check that every duplicate yaml's own check would report is reported the same (message, place, order),
// and that the location map is what the former walk (pathKey of spread path arrays) built.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/issues.js';
import { readJson } from '../../src/config/read-toml.js';
import { mapYamlPositions, readYaml } from '../../src/config/read-yaml.js';
import { pathKey, type Loc, type Path, type SourceMap } from '../../src/config/source-map.js';

const messages = (text: string): string[] => readYaml(text, 'sentinel.yaml').issues.map(formatIssue);
const dup = (key: string, where: string): string =>
  `duplicate key "${key}": each key may appear only once in a map (sentinel.yaml:${where})`;

/** Where yaml itself (uniqueKeys on, its default) reports duplicate keys, "line:col" in its order. */
function yamlDuplicates(text: string): string[] {
  const doc = parseDocument(text, { lineCounter: new LineCounter(), merge: true, prettyErrors: true });
  return doc.errors.filter((e) => e.code === 'DUPLICATE_KEY').map((e) => `${e.linePos?.[0].line}:${e.linePos?.[0].col}`);
}

/** The walk as it was before keys were checked in it: the reference the location map must still match. */
function referenceMap(text: string, file: string): SourceMap {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, uniqueKeys: false });
  const map: SourceMap = new Map();
  const at = (offset: number): Loc => ({ file, ...lineCounter.linePos(offset) });
  const walk = (node: unknown, path: Path): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as Node | null;
        const name = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
        const valueNode = pair.value as Node | null;
        const key = keyNode?.range ? at(keyNode.range[0]) : undefined;
        const value = valueNode?.range ? at(valueNode.range[0]) : key;
        if (value) map.set(pathKey([...path, name]), { key, value });
        walk(valueNode, [...path, name]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const range = (item as Node | null)?.range;
        if (range) map.set(pathKey([...path, i]), { value: at(range[0]) });
        walk(item, [...path, i]);
      });
    }
  };
  map.set(pathKey([]), { value: { file, line: 1, col: 1 } });
  walk(doc.contents, []);
  return map;
}

describe('readYaml: duplicate keys', () => {
  it('reports a duplicate process at its second key, as the CLI prints it', () => {
    const text = 'processes:\n  web:\n    command: node server.js\n  web:\n    command: other\n';
    expect(messages(text)).toEqual([dup('web', '4:3')]);
    expect(readYaml(text, 'sentinel.yaml')).toMatchObject({ data: undefined, map: new Map() });
  });

  it('reports every duplicate, one issue per repeat, in the order of the file', () => {
    expect(messages('a: 1\nb: 2\na: 3\nb: 4\na: 5\n')).toEqual([dup('a', '3:1'), dup('b', '4:1'), dup('a', '5:1')]);
  });

  it('checks each map on its own, nested ones before a later repeat of their parent key', () => {
    expect(messages('x:\n  a: 1\n  a: 2\ny:\n  a: 1\nx: 3\n')).toEqual([dup('a', '3:3'), dup('x', '6:1')]);
    expect(messages('a:\n  - x: 1\n    x: 2\n  - x: 3\n')).toEqual([dup('x', '3:5')]);
  });

  it('reports a flow map repeat after the duplicates inside its value, as yaml does', () => {
    expect(messages('m: {a: {b: 1, b: 2}, a: 3}\n')).toEqual([dup('b', '1:15'), dup('a', '1:22')]);
  });

  it('compares parsed values as yaml does: 1 and "1" differ, 1 and 0x1 or true and True do not', () => {
    expect(messages('1: a\n"1": b\n')).toEqual([]);
    expect(messages('1: a\n0x1: b\n')).toEqual([dup('0x1', '2:1')]);
    expect(messages('true: a\nTrue: b\n"true": c\n')).toEqual([dup('True', '2:1')]);
    expect(messages('"web": 1\nweb: 2\n')).toEqual([dup('web', '2:1')]);
    // NaN is not === to itself: yaml never calls two .nan keys equal
    expect(messages('.nan: a\n.NaN: b\n')).toEqual([]);
  });

  it('lets a map have several merge keys, but not two quoted "<<" keys', () => {
    const merges = 'a: &a {x: 1}\nb: &b {y: 2}\nm:\n  <<: *a\n  <<: *b\n  x: 3\n';
    expect(readYaml(merges, 'sentinel.yaml')).toMatchObject({ issues: [], data: { m: { x: 3, y: 2 } } });
    expect(messages('a: &a {x: 1}\nm:\n  "<<": *a\n  "<<": 1\n')).toEqual([dup('<<', '4:3')]);
    // a key the merge brings in is overridden, not duplicated
    expect(messages('a: &a {x: 1}\nm:\n  <<: *a\n  x: 2\n')).toEqual([]);
  });

  it('looks inside keys that are maps, and never calls two collection keys equal', () => {
    expect(messages('? {a: 1, a: 2}\n: x\n')).toEqual([dup('a', '1:10')]);
    expect(messages('? [a, b]\n: 1\n? [a, b]\n: 2\n')).toEqual([]);
  });

  it('reports a duplicate among syntax errors in yaml order', () => {
    expect(messages('a: 1\na: 2\nb: [1, 2\n')).toEqual([
      dup('a', '2:1'),
      'YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ] (sentinel.yaml:4:1)',
    ]);
  });

  it('finds exactly the duplicates yaml finds, at the same places', () => {
    const texts = [
      'processes:\n  web:\n    command: a\n  api:\n    command: b\n  web:\n    command: c\n  api: {}\n',
      'null: a\n~: b\n: c\n',
      '-0: a\n0: b\n1.0: c\n1: d\n',
      '&x web: 1\nweb: 2\n!!str web: 3\n',
      '? web\n: 1\n? web\n: 2\n',
      '{ a: 1,\n  a: 2 }\n',
      '- {a: 1, a: 2}\n- [a: 1, a: 2]\n- a: 1\n  a: 2\n',
      'x: &a\n  p: 1\n  p: 2\ny: *a\n',
      'b:\n  <<: {a: 1, a: 2}\n  <<: {c: 1}\n',
      'list: [1, 2, {k: v, "k": w}]\n',
    ];
    for (const text of texts) {
      const ours = readYaml(text, 'f.yaml').issues.map((i) => `${i.loc?.line}:${i.loc?.col}`);
      expect(ours, text).toEqual(yamlDuplicates(text));
      expect(ours.length, text).toBeGreaterThan(0);
    }
  });

  it('reports a key repeated in a JSON object at the repeat (JSON.parse would keep the last and drop the first unseen)', () => {
    const result = readJson('{\n  "processes": {\n    "web": {"argv": ["a"]},\n    "web": {"argv": ["b"]}\n  }\n}\n', 'sentinel.json');
    expect(result.data).toBeUndefined();
    expect(result.issues.map((i) => `${i.message} (${i.loc?.file}:${i.loc?.line}:${i.loc?.col})`)).toEqual([
      'duplicate key "web": each key may appear only once in an object (JSON keeps only the last, dropping the others) (sentinel.json:4:5)',
    ]);
  });

  it('JSON: equal strings are equal keys whatever their escapes; every repeat is reported; nested objects each have their own keys', () => {
    const result = readJson('{"a": 1, "\\u0061": 2, "b": {"a": 1, "x": {"a": 2}}, "a": 3, "w\\"q": 1, "w\\"q": 2}', 'f.json');
    expect(result.issues.map((i) => `${i.message.split(':')[0]} @${i.loc?.line}:${i.loc?.col}`)).toEqual([
      'duplicate key "a" @1:10',
      'duplicate key "a" @1:53',
      'duplicate key "w\\"q" @1:72',
    ]);
  });

  it('JSON without repeats: the data and the location map as before; "<<" is a plain key', () => {
    const result = readJson('{\n  "a": 1,\n  "<<": {"b": 2},\n  "c": [{"a": 1}, {"a": 2}]\n}\n', 'sentinel.json');
    expect(result.issues).toEqual([]);
    expect(result.data).toEqual({ a: 1, '<<': { b: 2 }, c: [{ a: 1 }, { a: 2 }] });
    expect(result.map.get(pathKey(['a']))?.key).toEqual({ file: 'sentinel.json', line: 2, col: 3 });
  });
});

describe('readYaml: location map', () => {
  const stack = (n: number): string => {
    let text = 'processes:\n';
    for (let i = 0; i < n; i++) text += `  s${i}:\n    argv: [sleep, "77777"]\n`;
    return text;
  };
  const samples = [
    stack(50),
    'processes:\n  "we\\"b":\n    env: {A: 1, "b c": [x, {d: e}]}\n    argv:\n      - node\n      -\n      - [1, 2]\n',
    'base: &b {cwd: /srv}\nprocesses:\n  web:\n    <<: *b\n    command: x\n  ? [a, b]\n  : 1\n  ~: null\n  1: one\n',
    '- a\n- b: [c, d]\n',
    'plain\n',
    '',
  ];

  it('holds the same entries, in the same order, as the walk before', () => {
    for (const text of samples) {
      const expected = [...referenceMap(text, 'f.yaml')];
      expect([...readYaml(text, 'f.yaml').map], text).toEqual(expected);
      expect([...mapYamlPositions(text, 'f.yaml')], text).toEqual(expected);
    }
  });

  it('keys the entries by pathKey of their path', () => {
    const { map } = readYaml(stack(2), 'f.yaml');
    expect(map.get(pathKey([]))).toEqual({ value: { file: 'f.yaml', line: 1, col: 1 } });
    expect(map.get(pathKey(['processes', 's1', 'argv', 1]))).toEqual({ value: { file: 'f.yaml', line: 5, col: 19 } });
    expect(map.get(pathKey(['processes', 's1']))).toEqual({
      key: { file: 'f.yaml', line: 4, col: 3 },
      value: { file: 'f.yaml', line: 5, col: 5 },
    });
  });
});
