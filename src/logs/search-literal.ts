// The longest run of plain characters that every match of a pattern must contain, as UTF-8 bytes: a block
// of logs without those bytes holds no matching line, and Buffer.indexOf finds them without decoding the
// block. Why it is safe: only the top level of the pattern is read (a run inside a group or alternative
// may be skipped by the match), a character followed by a quantifier leaves the run, anything not
// understood gives no literal at all (the caller then scans every block), and so does a lookaround,
// which could see across a line end. Under ignoreCase the literal is lowercase printable ASCII, to be found
// in either case, and holds no k or s (Unicode case folding maps K and ſ onto them, other bytes).
const IDENTITY_ESCAPES = new Set('^$\\.*+?()[]{}|/-');
const ATOM_ESCAPES = new Set('dDwWsSbBntrfv');

/** The required literal of `pattern` as bytes (lowercased under ignoreCase), or null when none can be proven. */
export function requiredLiteral(pattern: string, ignoreCase: boolean): Buffer | null {
  if (/\(\?<?[=!]/.test(pattern)) return null;
  const runs = topLevelRuns(pattern);
  if (!runs) return null;
  let best = '';
  // under ignoreCase, only the parts of a run in printable ASCII without k or s
  const pieces = ignoreCase ? runs.flatMap((run) => run.toLowerCase().split(/[^\x20-\x7e]+|[ks]+/)) : runs;
  for (const piece of pieces) if (piece.length > best.length) best = piece;
  return best.length > 0 ? Buffer.from(best, 'utf8') : null;
}

/** The runs of literal characters at the top level, or null for a pattern not understood. */
function topLevelRuns(p: string): string[] | null {
  const runs: string[] = [];
  let run = '';
  let lastWasLiteral = false;
  const endRun = () => {
    if (run) runs.push(run);
    run = '';
    lastWasLiteral = false;
  };
  for (let i = 0; i < p.length; ) {
    const c = p[i];
    const code = p.charCodeAt(i);
    if (c === '|' || c === ')' || code === 10 || code === 13 || code === 0xfffd || (code >= 0xd800 && code <= 0xdfff)) return null;
    if (c === '*' || c === '+' || c === '?' || c === '{') {
      // the quantified atom is optional or repeated: a literal character before it leaves the run
      if (lastWasLiteral) run = run.slice(0, -1);
      endRun();
      if (c === '{') {
        const q = /^\{\d+(,\d*)?\}/.exec(p.slice(i));
        if (!q) return null;
        i += q[0].length;
      } else i++;
      continue;
    }
    if (c === '(') {
      const end = skipGroup(p, i);
      if (end < 0) return null;
      endRun();
      i = end;
      continue;
    }
    if (c === '[') {
      const end = skipClass(p, i);
      if (end < 0) return null;
      endRun();
      i = end;
      continue;
    }
    if (c === '.' || c === '^' || c === '$') {
      endRun();
      i++;
      continue;
    }
    if (c === '\\') {
      const next = p[i + 1];
      if (next === undefined) return null;
      if (IDENTITY_ESCAPES.has(next)) {
        run += next;
        lastWasLiteral = true;
      } else if (ATOM_ESCAPES.has(next)) {
        endRun();
      } else return null;
      i += 2;
      continue;
    }
    run += c;
    lastWasLiteral = true;
    i++;
  }
  endRun();
  return runs;
}

/** Index just past the `)` closing the group opened at `at`, or -1. */
function skipGroup(p: string, at: number): number {
  let depth = 0;
  for (let i = at; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') i++;
    else if (c === '[') {
      const end = skipClass(p, i);
      if (end < 0) return -1;
      i = end - 1;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
  }
  return -1;
}

/** Index just past the `]` closing the class opened at `at`, or -1. */
function skipClass(p: string, at: number): number {
  for (let i = at + 1; i < p.length; i++) {
    if (p[i] === '\\') i++;
    else if (p[i] === ']') return i + 1;
  }
  return -1;
}
