// The literal prefilter against brute force: generated logs (invalid UTF-8, CRLF, case-folding traps,
// very long and empty lines) searched with many patterns, hand-written and generated, with and without
// ignoreCase. Two checks for each: every line that matches holds one of the required literals (so no
// fallback of the scanner can hide a wrong literal), and the scanner's lines are exactly those a
// line-by-line test of the pattern gives.
import { describe, expect, it } from 'vitest';
import { compilePattern } from '../../src/logs/search.js';
import { requiredLiterals, MAX_LITERALS } from '../../src/logs/search-literal.js';
import { LineMatcher } from '../../src/logs/search-scanner.js';

/** A small seeded generator, so a failure is the same on every run. */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x6d2b79f5) >>> 0;
    let t = x;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// words lines are made of: levels in several cases, the literals patterns look for, characters that case
// folding maps onto ASCII (Kelvin K, long s) or ASCII onto two characters (İ), and multi-byte text
const WORDS = [
  'ERROR', 'error', 'Error', 'FATAL', 'fatal', 'WARN', 'INFO', 'timeout', 'TIMEOUT', 'refused', 'connection',
  'to', 'db', 'after', '404', '500', 'ms', 'ok', 'status', 'STATUS', 'ſtatus', '\u212aelvin', 'kelvin',
  'İstanbul', 'istanbul', 'déjà', 'DÉJÀ', 'vu', '€', '✓', 'a', 'ab', 'abc', 'x', 'xy', 'err', 'fat', '|', '(', ')',
  '.', '-', 'E', 'F', 'e', 'f',
];
// bytes that are not UTF-8: a lone lead byte, a lone continuation byte, a lead byte before a valid é, 0xff
const BAD = [Buffer.from([0xc3]), Buffer.from([0x80]), Buffer.from([0xe0, 0xc3, 0xa9]), Buffer.from([0xff]), Buffer.from([0xe2, 0x82])];

function makeLog(seed: number, lines: number): Buffer {
  const rnd = rng(seed);
  const pick = <T>(a: T[]) => a[Math.floor(rnd() * a.length)];
  const parts: Buffer[] = [];
  for (let n = 0; n < lines; n++) {
    const r = rnd();
    if (r < 0.03) {
      parts.push(Buffer.from(n === lines - 1 ? '' : '\n'));
      continue;
    }
    const words: Buffer[] = [];
    // now and then a line far longer than the rest (21 KB, past the 16 KB of a page's line), with words at both ends
    const long = r < 0.035;
    const count = 1 + Math.floor(rnd() * 8);
    for (let w = 0; w < count; w++) {
      const q = rnd();
      if (q < 0.08) words.push(pick(BAD));
      else if (q < 0.12) words.push(Buffer.from(String(Math.floor(rnd() * 10000))));
      else words.push(Buffer.from(pick(WORDS)));
      // glued to the next word, or spaced
      if (rnd() < 0.7) words.push(Buffer.from(' '));
      if (long && w === 0) words.push(Buffer.from('filler '.repeat(3_000)));
    }
    if (rnd() < 0.15) words.push(Buffer.from('\r'));
    if (n < lines - 1) words.push(Buffer.from('\n'));
    parts.push(Buffer.concat(words));
  }
  return Buffer.concat(parts);
}

/** Each line of `log` (split on \n, decoded on its own) tested with the pattern: [start, end) and text. */
function bruteForce(log: Buffer, line: RegExp): { ranges: number[]; texts: string[] } {
  const ranges: number[] = [];
  const texts: string[] = [];
  for (let start = 0; ; ) {
    let end = log.indexOf(10, start);
    if (end < 0) end = log.length;
    const text = log.toString('utf8', start, end);
    if (line.test(text)) {
      ranges.push(start, end);
      texts.push(text);
    }
    if (end >= log.length) break;
    start = end + 1;
  }
  return { ranges, texts };
}

// patterns that give one literal, a set, or must give nothing (each one compiled with and without i)
const PATTERNS = [
  'ERROR', 'ERROR|FATAL', 'error|fatal|warn', '(ERROR|FATAL)', '(ERROR|FATAL) .*timeout', '(timeout|refused) to db',
  'to (timeout|refused)', '(?:ERROR|FATAL)+', '(ERROR|FATAL)?x', '(ERROR|FATAL)*', '(ERROR|FATAL){2}', '(ERROR|FATAL){0,1}a',
  '(?<lvl>ERROR|FATAL)', 'ERROR|', '|ERROR', 'E(RROR|)', '(E|F)(RROR|ATAL)', '(a|ab|abc)', 'ab|abc', 'abc|ab', 'a|b|c|d|e|f|g|h|i',
  'a|b|c|d|e|f|g|h', 'x|y|z|1|2|3|4|5', '^ERROR|FATAL$', 'ERROR\\b|\\bfatal', '[EF]RROR|FATAL', 'ERRO[R]|FATA[L]',
  '\\(|\\)', '\\||\\.', '(\\(|\\))', 'a\\-b|\\/x', 'err|fat', 'ERR|ERROR', 'status|ſtatus', 'STATUS|kelvin', '\u212aelvin|x',
  'İstanbul|ist', 'İ|x', 'İstanbul', 'İs', 'déjà|vu', 'DÉJÀ vu|€', '€|✓', 'timeout (after|to) [0-9]+', '(?:(?:ERROR|FATAL)|(?:timeout|refused))',
  '((ERROR|FATAL)|(timeout|refused)) (to|after)', 'a(b|c)d', '(ab)+c|xy', '(a)\\1|x', 'x(?=y)|z', '(?<!x)y|z', '.*', '^$',
  '\\r$|ok', 'ok\\r|db', 'ok$|db$', '\\d+ms|404', '(E|e)rror|(F|f)atal', '(ERROR|FATAL', 'ERROR|FATAL)', '[|]', 'a{2}|b',
  'a{,2}|b', 'x{1}y|z', 'filler filler|ERROR', '(ERROR|FATAL)+?x', 'colou?r|db', '(ERROR|FATAL)\\s+(timeout|refused)',
];

/** A random pattern over the words: alternations, groups, quantifiers, classes, anchors and escapes. */
function randomPattern(rnd: () => number, depth = 0): string {
  const pick = <T>(a: T[]) => a[Math.floor(rnd() * a.length)];
  const atom = (): string => {
    const r = rnd();
    if (r < 0.45) return pick(WORDS.filter((w) => !/[|().]/.test(w)));
    if (r < 0.55 && depth < 3) return `(${randomPattern(rnd, depth + 1)})`;
    if (r < 0.6 && depth < 3) return `(?:${randomPattern(rnd, depth + 1)})`;
    // no .* or \w+ here: under a quantifier or before a miss they backtrack quadratically on the long lines
    return pick(['.', '[a-z]', '[EF]', '\\d', '\\s', ' ', '\\b', '^', '$', '\\.', '\\(', '\\|', 'x']);
  };
  const seq = (): string => {
    let s = '';
    const n = 1 + Math.floor(rnd() * 3);
    for (let i = 0; i < n; i++) s += atom() + (rnd() < 0.25 ? pick(['?', '*', '+', '{2}', '{0,2}', '{1,}', '+?']) : '');
    // a repeated group of repeated atoms could backtrack catastrophically: such a pattern is dropped below
    return s;
  };
  const branches = 1 + Math.floor(rnd() * (rnd() < 0.5 ? 1 : 4));
  return Array.from({ length: branches }, seq).join('|');
}

function holdsOne(line: Buffer, literals: Buffer[], fold: boolean): boolean {
  const hay = fold ? Buffer.from(line.map((b) => (b >= 65 && b <= 90 ? b + 32 : b))) : line;
  return literals.some((l) => hay.includes(l));
}

function check(log: Buffer, pattern: string, ignoreCase: boolean): void {
  let compiled: { block: RegExp; line: RegExp };
  try {
    compiled = compilePattern(pattern, ignoreCase);
  } catch {
    return; // not a pattern: refused before any search
  }
  const expected = bruteForce(log, compiled.line);
  const literals = requiredLiterals(pattern, ignoreCase);
  if (literals) {
    expect(literals.length).toBeLessThanOrEqual(MAX_LITERALS);
    for (let i = 0; i < expected.ranges.length; i += 2) {
      const line = log.subarray(expected.ranges[i], expected.ranges[i + 1]);
      if (!holdsOne(line, literals, ignoreCase)) {
        throw new Error(`/${pattern}/${ignoreCase ? 'i' : ''}: the line ${JSON.stringify(expected.texts[i / 2])} matches but holds none of ${JSON.stringify(literals.map(String))}`);
      }
    }
  }
  const got = new LineMatcher(compiled, pattern, ignoreCase).match(log, () => 60_000);
  const label = `/${pattern}/${ignoreCase ? 'i' : ''}`;
  expect(got.ranges, label).toEqual(expected.ranges);
  expect(got.texts, label).toEqual(expected.texts);
}

describe('literal prefilter against brute force', () => {
  const logs = [makeLog(1, 1500), makeLog(2, 1500), makeLog(3, 200)];

  it('the hand-written patterns, with and without ignoreCase', () => {
    for (const log of logs) for (const p of PATTERNS) for (const ic of [false, true]) check(log, p, ic);
  });

  it('generated patterns, with and without ignoreCase', () => {
    const rnd = rng(42);
    for (let n = 0; n < 300; n++) {
      const p = randomPattern(rnd);
      if (/[*+}]\)*[*+{]/.test(p)) continue;
      for (const ic of [false, true]) check(logs[n % 3], p, ic);
    }
  });

  it('a set of literals found on many lines (past the dense limit: the whole block is scanned)', () => {
    const lines: string[] = [];
    for (let i = 0; i < 5000; i++) lines.push(i % 3 === 0 ? `x ERROR ${i}` : i % 3 === 1 ? `y fatal ${i}\r` : `z ok ${i}`);
    const log = Buffer.from(lines.join('\n'));
    for (const p of ['ERROR|FATAL', '(ERROR|FATAL) [0-9]+7$', 'ok|ERROR']) for (const ic of [false, true]) check(log, p, ic);
  });

  it('a literal of the set at the very start and the very end of the block', () => {
    const log = Buffer.from('FATAL first\nmiddle\nlast ERROR');
    for (const p of ['ERROR|FATAL', 'FATAL|ERROR', '^FATAL|ERROR$']) for (const ic of [false, true]) check(log, p, ic);
  });
});
