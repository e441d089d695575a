// The terminal as the monitor uses it: the alternate screen with the cursor hidden and line wrapping off, and
// each frame written as only the lines that changed since the last one (one write per frame). `leave` puts
// the terminal back exactly as it was; it is safe to call twice.

export const ENTER = '\x1b[?1049h\x1b[?25l\x1b[?7l\x1b[2J';
export const LEAVE = '\x1b[0m\x1b[?7h\x1b[?25h\x1b[?1049l';

export interface Output { write(text: string): unknown }

export class Screen {
  private previous: string[] = [];
  private active = false;
  /** Bytes written so far (frames only), for tests and the benchmark. */
  written = 0;

  constructor(private readonly out: Output) {}

  enter(): void {
    if (this.active) return;
    this.active = true;
    this.previous = [];
    this.out.write(ENTER);
  }

  /** Writes the lines that differ from the last frame; returns how many it wrote. */
  draw(lines: readonly string[]): number {
    if (!this.active) return 0;
    let text = '';
    let changed = 0;
    for (let i = 0; i < lines.length; i++) {
      if (this.previous[i] === lines[i]) continue;
      // move to the line, erase it, draw it, reset attributes (erasing after drawing would take a full line's
      // last column with it: the cursor stays on that column when wrapping is off)
      text += `\x1b[${i + 1};1H\x1b[2K${lines[i]}\x1b[0m`;
      changed++;
    }
    // a shorter frame (the terminal shrank): clear below it
    if (this.previous.length > lines.length) text += `\x1b[${lines.length + 1};1H\x1b[J`;
    this.previous = lines.slice();
    if (text) {
      this.out.write(text);
      this.written += text.length;
    }
    return changed;
  }

  /** The next frame is drawn in full on a cleared screen (after a resize, or Ctrl-L). */
  invalidate(): void {
    this.previous = [];
    if (this.active) this.out.write('\x1b[2J');
  }

  leave(): void {
    if (!this.active) return;
    this.active = false;
    this.out.write(LEAVE);
  }
}
