// Text as a terminal shows it: a process's log line may hold escapes, tabs, control bytes or wide characters,
// and any of them written raw would move the cursor and garble the screen. Everything drawn passes through here.

const CSI = /\x1b\[[0-?]*[ -/]*[@-~]/g;
const OSC = /\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?/g;
const OTHER_ESCAPE = /\x1b[@-_]?/g;
// C0 and C1 controls (tab handled before), and DEL
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;

/** A line safe to draw: escapes removed, tabs expanded to 8-column stops, other controls shown as "?". */
export function sanitize(text: string): string {
  let s = text.replace(OSC, '').replace(CSI, '').replace(OTHER_ESCAPE, '');
  if (s.includes('\t')) {
    let out = '';
    for (const ch of s) out += ch === '\t' ? ' '.repeat(8 - (displayWidth(out) % 8)) : ch;
    s = out;
  }
  return s.replace(CONTROL, '?');
}

/** Columns one code point takes: 0 for combining marks, 2 for wide (CJK, emoji), else 1. */
export function charWidth(cp: number): number {
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) return 2;
  return 1;
}

export function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += charWidth(ch.codePointAt(0)!);
  return w;
}

/** At most `width` columns; a cut shows as "…" in the last column. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (displayWidth(text) <= width) return text;
  let out = '';
  let w = 0;
  for (const ch of text) {
    const cw = charWidth(ch.codePointAt(0)!);
    if (w + cw > width - 1) break;
    out += ch;
    w += cw;
  }
  return out + '…';
}

/** Exactly `width` columns: truncated, then padded on the right (or the left with `right`). */
export function fit(text: string, width: number, right = false): string {
  const t = truncate(text, width);
  const gap = ' '.repeat(Math.max(0, width - displayWidth(t)));
  return right ? gap + t : t + gap;
}
