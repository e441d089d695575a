// The literals a pattern requires, as UTF-8 bytes: a set such that every match of the pattern holds at
// least one of them. A block of logs without any of those bytes holds no matching line, and Buffer.indexOf
// finds them without decoding the block. One literal (`connection refused`, or the longest run of plain
// characters at the top level) or several, one from each branch of an alternation (`ERROR|FATAL`,
// `(ERROR|FATAL): .*`), where one branch without a literal of its own gives nothing for the alternation.
// Why it is safe:
// - a sequence's parts are each required, so any one of them serves; a character followed by a quantifier
//   leaves its run, and a group counts only when its quantifier makes it appear at least once;
// - anything not understood gives no literal at all (the caller then scans every block), and so does a
//   lookaround, which could see across a line end, and so do line ends and lone surrogates in the pattern
//   (a literal must be findable as bytes within one line of valid UTF-8);
// - under ignoreCase a literal is lowercase printable ASCII, to be found in either case, and holds no k or
//   s (Unicode case folding maps K and ſ onto them, other bytes). The run is cut into such pieces before
//   it is lowercased: 'İ'.toLowerCase() is 'i̇', whose 'i' /İ/iu never matches.
const IDENTITY_ESCAPES = new Set('^$\\.*+?()[]{}|/-');
const ATOM_ESCAPES = new Set('dDwWsSbBntrfv');
// More literals than this are one indexOf pass each over every block: past it, the pattern is left to the
// scan of every line (an alternation of many branches is rarely rarer than the lines it would skip).
export const MAX_LITERALS = 8;
// deeper nesting than this is given up (no recursion to the stack's limit on a hostile pattern)
const MAX_DEPTH = 32;

/** Literals every match of a sequence or alternation holds one of; null when none is proven. */
type Need = string[] | null;

class NotUnderstood extends Error {}

/**
 * Literals (lowercased under ignoreCase) such that every match of `pattern` holds at least one, or null
 * when none can be proven. At most MAX_LITERALS, none empty, none holding another (that one suffices).
 */
export function requiredLiterals(pattern: string, ignoreCase: boolean): Buffer[] | null {
  if (/\(\?<?[=!]/.test(pattern)) return null;
  let need: Need;
  try {
    need = new NeedParser(pattern, ignoreCase).parse();
  } catch (err) {
    if (err instanceof NotUnderstood) return null;
    throw err;
  }
  return need ? need.map((s) => Buffer.from(s, 'utf8')) : null;
}

/** The one literal every match holds, or null (none proven, or only a set of several). */
export function requiredLiteral(pattern: string, ignoreCase: boolean): Buffer | null {
  const set = requiredLiterals(pattern, ignoreCase);
  return set && set.length === 1 ? set[0] : null;
}

class NeedParser {
  private i = 0;
  private depth = 0;

  constructor(
    private readonly p: string,
    private readonly ignoreCase: boolean,
  ) {}

  parse(): Need {
    const need = this.alternation();
    if (this.i < this.p.length) throw new NotUnderstood(); // a `)` with no `(`
    return need;
  }

  /** Branches up to the end or to a `)` (left for the caller): each must give literals. */
  private alternation(): Need {
    const branches: Need[] = [this.sequence()];
    while (this.p[this.i] === '|') {
      this.i++;
      branches.push(this.sequence());
    }
    if (branches.length === 1) return branches[0];
    const all: string[] = [];
    for (const b of branches) {
      if (!b) return null;
      all.push(...b);
    }
    return minimal(all);
  }

  /** Atoms up to `|`, `)` or the end: the best of the needs of its parts, all required. */
  private sequence(): Need {
    const p = this.p;
    const parts: string[][] = [];
    let run = '';
    const endRun = () => {
      for (const piece of this.pieces(run)) parts.push([piece]);
      run = '';
    };
    while (this.i < p.length && p[this.i] !== '|' && p[this.i] !== ')') {
      const c = p[this.i];
      const code = p.charCodeAt(this.i);
      if (code === 10 || code === 13 || code === 0xfffd || (code >= 0xd800 && code <= 0xdfff)) throw new NotUnderstood();
      // one atom: a plain character (char), a group (group), or anything else (neither)
      let char: string | null = null;
      let group: Need = null;
      if (c === '(') group = this.group();
      else if (c === '[') this.i = skipClass(p, this.i);
      else if (c === '\\') {
        const next = p[this.i + 1];
        if (next !== undefined && IDENTITY_ESCAPES.has(next)) char = next;
        else if (next === undefined || !ATOM_ESCAPES.has(next)) throw new NotUnderstood();
        this.i += 2;
      } else {
        // `.`, `^` and `$` are atoms without a literal; a quantifier with no atom before it (a syntax
        // error, or a lone `{` taken as itself without the u flag) is given up by quantifierMin
        if (c !== '.' && c !== '^' && c !== '$' && !isQuantifier(c)) char = c;
        if (!isQuantifier(c)) this.i++;
      }
      const min = this.quantifierMin();
      if (char !== null && min < 0) {
        run += char;
        continue;
      }
      // a quantified character is optional or repeated: it leaves the run, as anything not a character does
      endRun();
      if (group && min !== 0) parts.push(group);
    }
    endRun();
    let best: string[] | null = null;
    for (const part of parts) if (!best || score(part) > score(best)) best = part;
    return best;
  }

  /** The group at `(`, through its `)`. */
  private group(): Need {
    const p = this.p;
    if (++this.depth > MAX_DEPTH) throw new NotUnderstood();
    this.i++;
    if (p[this.i] === '?') {
      if (p[this.i + 1] === ':') this.i += 2;
      else if (p[this.i + 1] === '<') {
        // a named group (lookbehinds were refused before parsing)
        const close = p.indexOf('>', this.i);
        if (close < 0) throw new NotUnderstood();
        this.i = close + 1;
      } else throw new NotUnderstood();
    }
    const need = this.alternation();
    if (p[this.i] !== ')') throw new NotUnderstood();
    this.i++;
    this.depth--;
    return need;
  }

  /** Consumes the quantifiers at i: the fewest times they let the atom before them appear, -1 for none. */
  private quantifierMin(): number {
    const p = this.p;
    let min = -1;
    while (this.i < p.length && isQuantifier(p[this.i])) {
      let m: number;
      if (p[this.i] === '{') {
        const q = /^\{(\d+)(,\d*)?\}/.exec(p.slice(this.i, this.i + 40));
        if (!q) throw new NotUnderstood();
        m = Number(q[1]);
        this.i += q[0].length;
      } else {
        m = p[this.i] === '+' ? 1 : 0;
        this.i++;
      }
      if (p[this.i] === '?') this.i++; // lazy
      min = min < 0 ? m : Math.min(min, m);
    }
    return min;
  }

  /** A run's usable pieces: whole, or under ignoreCase its printable ASCII without k or s, lowercased. */
  private pieces(run: string): string[] {
    if (!run) return [];
    if (!this.ignoreCase) return [run];
    return run
      .split(/[^\x20-\x7e]+|[ksKS]+/)
      .filter((piece) => piece.length > 0)
      .map((piece) => piece.toLowerCase());
  }
}

function isQuantifier(c: string): boolean {
  return c === '*' || c === '+' || c === '?' || c === '{';
}

/** How good a set is to scan for: its shortest literal, shared by its literals (each costs a pass). */
function score(set: string[]): number {
  let shortest = Infinity;
  for (const s of set) shortest = Math.min(shortest, Buffer.byteLength(s));
  return shortest / set.length;
}

/** The set without repeats or literals holding another of it; null past MAX_LITERALS. */
function minimal(set: string[]): Need {
  const out: string[] = [];
  for (const s of set) {
    if (set.some((t, j) => t !== s && s.includes(t)) || out.includes(s)) continue;
    out.push(s);
  }
  return out.length > 0 && out.length <= MAX_LITERALS ? out : null;
}

/** Index just past the `]` closing the class opened at `at`. */
function skipClass(p: string, at: number): number {
  for (let i = at + 1; i < p.length; i++) {
    if (p[i] === '\\') i++;
    else if (p[i] === ']') return i + 1;
  }
  throw new NotUnderstood();
}
