// Finds the lines of a block of log bytes that match a pattern on their own. Why it is fast and safe:
// - When the pattern has a required literal (search-literal.ts), Buffer.indexOf finds the lines holding
//   it without decoding anything; only those lines are decoded and tested. Most blocks hold none and
//   cost one byte search. When such lines are many, the block is scanned whole instead (cheaper then).
//   A pattern that requires one of a set of literals (`ERROR|FATAL`) gets one indexOf pass per literal,
//   merged by offset, and only the lines holding one are tested: 1 GB went from 11.8 s (every line
//   tested) to 0.45 s, grep -c -E 0.83 s. Two memchr passes over a 4 MiB block took 1.9 ms where a JS
//   loop over its bytes with a table of first bytes took 4.7 ms before any check, so passes it is.
// - A whole block is searched with one regex pass (flags "gm") and only the lines holding a match are
//   checked again on their own; a line that matches by itself always holds the block's leftmost match at
//   or before its own, so skipping to the next line after each candidate misses nothing. Both ways give
//   the same lines: a line without the literal cannot match, and lookarounds (which could see past a
//   line end in a block) never get a literal.
// - Every regex runs in a `vm` context with a timeout: a pattern that backtracks catastrophically is
//   stopped by V8 instead of hanging the daemon.
import vm from 'node:vm';
import { SentinelError } from '../core/errors.js';
import { requiredLiterals } from './search-literal.js';

/** Matching lines of one block: byte ranges [start, end) in pairs, and each line's text. */
export interface LineMatches {
  ranges: number[];
  texts: string[];
}

// more candidate lines than this in one block: one decode of the whole block is cheaper than many small ones
const DENSE_CANDIDATES = 1024;
// the most bytes decoded into one string
const DECODE_PIECE = 512 * 1024;

// Run inside the vm context. SCAN_BLOCK: the char ranges [start, end) of the lines of `text` that match.
const SCAN_BLOCK = `(() => {
  const out = [];
  block.lastIndex = 0;
  let m;
  while ((m = block.exec(text)) !== null) {
    const at = m.index;
    const start = at === 0 ? 0 : text.lastIndexOf('\\n', at - 1) + 1;
    let end = text.indexOf('\\n', at);
    if (end < 0) end = text.length;
    if (line.test(text.slice(start, end))) out.push(start, end);
    block.lastIndex = end + 1;
  }
  return out;
})()`;
// TEST_LINES: the indexes of the strings in `lines` that match.
const TEST_LINES = `(() => {
  const out = [];
  for (let i = 0; i < lines.length; i++) if (line.test(lines[i])) out.push(i);
  return out;
})()`;

export class LineMatcher {
  private readonly context: vm.Context;
  private readonly scanBlock = new vm.Script(SCAN_BLOCK);
  private readonly testLines = new vm.Script(TEST_LINES);
  private readonly literals: Buffer[] | null;
  private readonly literalOnly: boolean;
  // the literal is lowercase ASCII to be found in either case
  private readonly foldCase: boolean;

  constructor(
    patterns: { block: RegExp; line: RegExp },
    private readonly pattern: string,
    ignoreCase: boolean,
  ) {
    // the regexes are recreated inside the context so its own RegExp runs them (under the timeout)
    this.context = vm.createContext({ text: '', lines: [], block: null, line: null });
    vm.runInContext(`block = new RegExp(${JSON.stringify(patterns.block.source)}, ${JSON.stringify(patterns.block.flags)}); line = new RegExp(${JSON.stringify(patterns.line.source)}, ${JSON.stringify(patterns.line.flags)});`, this.context);
    this.literals = requiredLiterals(pattern, ignoreCase);
    this.foldCase = ignoreCase;
    // the pattern is its literals as they are, between bars (only a plain `A|B|C` can be: any other
    // character of the pattern would be missing from the literals); never under ignoreCase past ASCII
    this.literalOnly = this.literals !== null && this.literals.map((l) => l.toString('utf8')).join('|') === (ignoreCase ? pattern.toLowerCase() : pattern);
  }

  /** The lines of `buf` (whole lines, no newline at the end) that match; PATTERN_TOO_SLOW past `timeoutMs`. */
  match(buf: Buffer, timeoutMs: () => number): LineMatches {
    const literals = this.literals;
    const candidates = !literals ? null : literals.length === 1 ? this.candidates(buf, literals[0]) : this.candidatesOfAny(buf, literals);
    if (candidates) return this.matchCandidates(buf, candidates, timeoutMs);
    // decoded in pieces small enough to stay on V8's heap (a bigger string is an external one, slower)
    const out: LineMatches = { ranges: [], texts: [] };
    for (let start = 0; ; ) {
      let end = start + DECODE_PIECE >= buf.length ? buf.length : buf.lastIndexOf(10, start + DECODE_PIECE);
      if (end < start) end = buf.indexOf(10, start + DECODE_PIECE);
      if (end < 0) end = buf.length;
      const piece = this.matchBlock(buf.subarray(start, end), timeoutMs());
      for (let i = 0; i < piece.ranges.length; i++) out.ranges.push(start + piece.ranges[i]);
      out.texts.push(...piece.texts);
      if (end >= buf.length) break;
      start = end + 1;
    }
    return out;
  }

  /** Byte ranges of the lines holding the literal, or null when there are too many to be worth it. */
  private candidates(buf: Buffer, literal: Buffer): number[] | null {
    const out: number[] = [];
    // Buffer.indexOf of a whole needle is fast or 50x slower depending on its bytes: look for the byte of
    // the literal that is rarest in this block (memchr), and compare the rest where it is found
    const fold = this.foldCase;
    const k = rarestByteAt(buf, literal, fold);
    const rare = literal[k];
    const upper = fold && rare >= 97 && rare <= 122 ? rare - 32 : -1;
    const tail = literal.length - k;
    let from = k;
    let nextRare = -2;
    let nextUpper = upper < 0 ? -1 : -2;
    for (;;) {
      // the next byte that is the rare one, in either case (each search is kept until passed)
      if (nextRare !== -1 && nextRare < from) nextRare = buf.indexOf(rare, from);
      if (nextUpper !== -1 && nextUpper < from) nextUpper = buf.indexOf(upper, from);
      const r = nextUpper < 0 || (nextRare >= 0 && nextRare < nextUpper) ? nextRare : nextUpper;
      if (r < 0 || r + tail > buf.length) return out;
      const at = r - k;
      if (!startsWith(buf, at, literal, fold)) {
        from = r + 1;
        continue;
      }
      if (out.length >= 2 * DENSE_CANDIDATES) return null;
      const start = buf.lastIndexOf(10, at) + 1;
      let end = buf.indexOf(10, at);
      if (end < 0) end = buf.length;
      out.push(start, end);
      from = end + 1 + k;
    }
  }

  /**
   * Byte ranges of the lines holding any of `literals`, or null when there are too many. The single
   * literal's way, once per literal: each looks for its rarest byte (both cases under fold) with memchr,
   * the next one found among all of them is checked first, and a line found moves them all past it.
   */
  private candidatesOfAny(buf: Buffer, literals: Buffer[]): number[] | null {
    const fold = this.foldCase;
    countBytes(buf, fold);
    // probes: the distinct bytes looked for; each with the literals it stands for, at which index
    const probeByte: number[] = [];
    const probeSkip: number[] = []; // the least index: no match of its literals starts later than this before it
    const probeOf: { literal: Buffer; k: number }[][] = [];
    for (const literal of literals) {
      const k = rarestIndex(literal);
      const b = literal[k];
      for (const byte of fold && b >= 97 && b <= 122 ? [b, b - 32] : [b]) {
        let q = probeByte.indexOf(byte);
        if (q < 0) {
          q = probeByte.length;
          probeByte.push(byte);
          probeSkip.push(k);
          probeOf.push([]);
        }
        probeSkip[q] = Math.min(probeSkip[q], k);
        probeOf[q].push({ literal, k });
      }
    }
    const probes = probeByte.length;
    // each probe's next position (-2: to look for again, -1: none left in the block)
    const next = new Array<number>(probes).fill(-2);
    const out: number[] = [];
    let from = 0; // probe positions before this are done with
    let lineStart = 0; // no candidate starts before this (the lines before are taken)
    for (;;) {
      let r = -1;
      let q = -1;
      for (let j = 0; j < probes; j++) {
        let n = next[j];
        if (n !== -1 && n < from) n = next[j] = buf.indexOf(probeByte[j], Math.max(from, lineStart + probeSkip[j]));
        if (n >= 0 && (r < 0 || n < r)) {
          r = n;
          q = j;
        }
      }
      if (r < 0) return out;
      from = r + 1;
      let at = -1;
      for (const { literal, k } of probeOf[q]) {
        const a = r - k;
        if (a >= lineStart && a + literal.length <= buf.length && startsWith(buf, a, literal, fold)) {
          at = a;
          break;
        }
      }
      if (at < 0) continue;
      if (out.length >= 2 * DENSE_CANDIDATES) return null;
      // a literal holds no newline: the line of its first byte holds it whole
      const start = buf.lastIndexOf(10, at) + 1;
      let end = buf.indexOf(10, at);
      if (end < 0) end = buf.length;
      out.push(start, end);
      from = lineStart = end + 1;
    }
  }

  private matchCandidates(buf: Buffer, candidates: number[], timeoutMs: () => number): LineMatches {
    if (candidates.length === 0) return { ranges: [], texts: [] };
    const lines: string[] = [];
    for (let i = 0; i < candidates.length; i += 2) lines.push(buf.toString('utf8', candidates[i], candidates[i + 1]));
    // the pattern is the literal itself: every line holding it matches, no regex to run
    if (this.literalOnly) return { ranges: candidates, texts: lines };
    this.context.lines = lines;
    let hits: number[];
    try {
      hits = this.run(this.testLines, timeoutMs(), buf.length);
    } finally {
      this.context.lines = [];
    }
    const ranges: number[] = [];
    const texts: string[] = [];
    for (const k of hits) {
      ranges.push(candidates[2 * k], candidates[2 * k + 1]);
      texts.push(lines[k]);
    }
    return { ranges, texts };
  }

  private matchBlock(buf: Buffer, timeoutMs: number): LineMatches {
    const text = buf.toString('utf8');
    this.context.text = text;
    let chars: number[];
    try {
      chars = this.run(this.scanBlock, timeoutMs, buf.length);
    } finally {
      this.context.text = '';
    }
    const ascii = text.length === buf.length;
    // re-encoding gives the byte lengths only of valid UTF-8: where bytes were replaced by U+FFFD,
    // the lines are counted instead
    const exact = ascii || !text.includes('\uFFFD');
    const ranges: number[] = [];
    const texts: string[] = [];
    let charAt = 0;
    let byteAt = 0;
    for (let i = 0; i < chars.length; i += 2) {
      const a = chars[i];
      const b = chars[i + 1];
      const line = text.slice(a, b);
      if (ascii) ranges.push(a, b);
      else if (exact) {
        byteAt += Buffer.byteLength(text.slice(charAt, b));
        charAt = b;
        ranges.push(byteAt - Buffer.byteLength(line), byteAt);
      } else {
        // `a` starts a line: step line by line in the text and in the bytes together
        while (charAt < a) {
          charAt = text.indexOf('\n', charAt) + 1;
          byteAt = buf.indexOf(10, byteAt) + 1;
        }
        const end = b === text.length ? buf.length : buf.indexOf(10, byteAt);
        ranges.push(byteAt, end);
      }
      texts.push(line);
    }
    return { ranges, texts };
  }

  private run(script: vm.Script, timeoutMs: number, bytes: number): number[] {
    try {
      return script.runInContext(this.context, { timeout: Math.max(1, Math.floor(timeoutMs)) }) as number[];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
        throw new SentinelError(
          'PATTERN_TOO_SLOW',
          `the pattern ${JSON.stringify(this.pattern)} took more than the search's time budget on one block of ${Math.round(bytes / 1024)} KiB of logs: it backtracks catastrophically (nested repetition such as (a+)+ or (.*)*); simplify it, or narrow the search with --since and process names`,
        );
      }
      throw err;
    }
  }
}

const SAMPLE = 16 * 1024;
const counts = new Uint32Array(256);

/** The index in `literal` of its byte seen least often (in either case with `fold`) in the start of `buf`. */
function rarestByteAt(buf: Buffer, literal: Buffer, fold: boolean): number {
  countBytes(buf, fold);
  return rarestIndex(literal);
}

/** Counts the bytes of the start of `buf` (lowercased with `fold`) for rarestIndex. */
function countBytes(buf: Buffer, fold: boolean): void {
  counts.fill(0);
  const n = Math.min(buf.length, SAMPLE);
  for (let i = 0; i < n; i++) counts[fold ? lower(buf[i]) : buf[i]]++;
}

/** The index in `literal` of its byte counted least often by the last countBytes. */
function rarestIndex(literal: Buffer): number {
  let best = 0;
  for (let i = 1; i < literal.length; i++) if (counts[literal[i]] < counts[literal[best]]) best = i;
  return best;
}

function lower(byte: number): number {
  return byte >= 65 && byte <= 90 ? byte + 32 : byte;
}

function startsWith(buf: Buffer, at: number, literal: Buffer, fold: boolean): boolean {
  if (fold) {
    for (let i = 0; i < literal.length; i++) if (lower(buf[at + i]) !== literal[i]) return false;
  } else {
    for (let i = 0; i < literal.length; i++) if (buf[at + i] !== literal[i]) return false;
  }
  return true;
}
