// Commander suggests a command for any word within a few edits ("sentinel top" -> "stop"). A suggestion
// is kept only when the word is a near-typo of it, and a destructive command only for a one-edit typo
// that starts with the same letter: a wrong guess must never read as an invitation to stop or delete.
const DESTRUCTIVE = new Set(['stop', 'delete', 'clean', 'stopall', 'down', 'remove', 'free', 'daemon stop', 'disable']);

/** Edit distance with transpositions (optimal string alignment). */
export function typoDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** Whether `word` is close enough to `candidate` to suggest it. */
export function isNearTypo(word: string, candidate: string): boolean {
  const w = word.replace(/^-+/, '').toLowerCase();
  const c = candidate.replace(/^-+/, '').toLowerCase();
  const distance = typoDistance(w, c);
  if (DESTRUCTIVE.has(c)) return distance <= 1 && w[0] === c[0] && w.length >= 3;
  return distance <= (c.length <= 5 ? 1 : 2);
}

/** Filters commander's error text: "(Did you mean X?)" stays only for a near-typo. */
export function keepCloseSuggestions(text: string): string {
  const word = /unknown (?:command|option) '([^']*)'/.exec(text)?.[1];
  const suggestion = /\(Did you mean ([^?]+)\?\)/.exec(text);
  if (word === undefined || !suggestion) return text;
  return isNearTypo(word.split('=')[0], suggestion[1]) ? text : text.replace(/\s*\(Did you mean [^?]+\?\)/, '');
}
