// A log tail that stays fast on a chatty process: lines arrive into a pending queue, are moved into a
// capped buffer once per animation frame, and only the rows in sight exist in the DOM (a fixed pool
// re-filled as the view scrolls). Memory is bounded by CAP lines whatever the process prints; paused,
// new lines wait (capped too) and are counted.
import { h, setText } from '../dom';
import { formatClock } from '../format';
import type { LogItem } from '../types';

interface Line { seq: number; stream: 'stdout' | 'stderr'; text: string; lower: string | null; time: number | undefined }

export const CAP = 20_000;
/** Longer lines are cut for display: one 1 MB line must not stall layout. */
const MAX_CHARS = 4000;
const OVERSCAN = 10;

export class LogView {
  readonly el: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly rowsBox: HTMLElement;
  private readonly status: HTMLElement;
  private readonly pauseBtn: HTMLButtonElement;
  private readonly followBox: HTMLInputElement;
  private readonly search: HTMLInputElement;
  private readonly streamSel: HTMLSelectElement;
  private lines: Line[] = [];
  private pending: Line[] = [];
  private shown: Line[] = this.lines;
  private seq = 0;
  private dropped = 0;
  private paused = false;
  private raf = 0;
  private rowH = 18;
  private pool: HTMLElement[] = [];
  private autoScrolling = false;
  private query = '';
  private streamFilter: 'both' | 'stdout' | 'stderr' = 'both';

  constructor(label: string) {
    this.pauseBtn = h('button', { type: 'button', class: 'btn', 'aria-pressed': 'false', id: 'log-pause' }, 'Pause');
    this.followBox = h('input', { type: 'checkbox', id: 'log-follow', checked: true });
    this.search = h('input', { type: 'search', id: 'log-search', placeholder: 'Search the log', 'aria-label': 'Search the log' });
    this.streamSel = h('select', { id: 'log-stream', 'aria-label': 'Which stream' },
      h('option', { value: 'both' }, 'stdout + stderr'), h('option', { value: 'stdout' }, 'stdout'), h('option', { value: 'stderr' }, 'stderr'));
    this.status = h('span', { class: 'log-status', id: 'log-status' });
    this.spacer = h('div', { class: 'log-spacer' });
    this.rowsBox = h('div', { class: 'log-rows' });
    // the rows sit inside the spacer, which clips them vertically: rows moved down never make the scroll area taller
    this.spacer.append(this.rowsBox);
    this.viewport = h('div', { class: 'log-viewport', id: 'log-viewport', tabindex: 0, role: 'log', 'aria-label': label }, this.spacer);
    this.el = h('div', { class: 'logview' },
      h('div', { class: 'log-tools' },
        h('label', { class: 'check' }, this.followBox, ' Follow'),
        this.pauseBtn, this.streamSel, this.search, this.status,
      ),
      this.viewport,
    );
    this.pauseBtn.addEventListener('click', () => this.setPaused(!this.paused));
    this.followBox.addEventListener('change', () => {
      if (this.followBox.checked) this.scrollToEnd();
    });
    this.search.addEventListener('input', () => {
      this.query = this.search.value.toLowerCase();
      this.refilter();
    });
    this.streamSel.addEventListener('change', () => {
      this.streamFilter = this.streamSel.value as LogView['streamFilter'];
      this.refilter();
    });
    this.viewport.addEventListener('scroll', () => {
      // scrolling up by hand stops following; back at the end, it follows again
      if (!this.autoScrolling) this.followBox.checked = this.atEnd();
      this.autoScrolling = false;
      this.schedule();
    }, { passive: true });
  }

  push(item: LogItem): void {
    const text = item.line.length > MAX_CHARS ? `${item.line.slice(0, MAX_CHARS)} … (${item.line.length - MAX_CHARS} more characters)` : item.line;
    this.pending.push({ seq: this.seq++, stream: item.stream, text, lower: null, time: item.time });
    if (this.pending.length > CAP * 1.5) {
      const cut = this.pending.length - CAP;
      this.pending.splice(0, cut);
      this.dropped += cut;
    }
    if (!this.paused) this.schedule();
    else if (this.pending.length % 256 === 1) this.schedule();
  }

  /** A notice in the log (reconnecting, stream ended), shown as a line of its own. */
  note(text: string): void {
    this.push({ stream: 'stderr', line: `── ${text} ──` });
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    this.pauseBtn.setAttribute('aria-pressed', String(paused));
    this.pauseBtn.textContent = paused ? 'Resume' : 'Pause';
    this.schedule();
  }

  get size(): number {
    return this.lines.length;
  }

  private schedule(): void {
    if (!this.raf) this.raf = requestAnimationFrame(() => this.flush());
  }

  private matches(l: Line): boolean {
    if (this.streamFilter !== 'both' && l.stream !== this.streamFilter) return false;
    if (!this.query) return true;
    l.lower ??= l.text.toLowerCase();
    return l.lower.includes(this.query);
  }

  private refilter(): void {
    this.shown = this.query || this.streamFilter !== 'both' ? this.lines.filter((l) => this.matches(l)) : this.lines;
    this.layout();
  }

  private flush(): void {
    this.raf = 0;
    if (!this.paused && this.pending.length > 0) {
      const incoming = this.pending;
      this.pending = [];
      const filtering = this.shown !== this.lines;
      for (const l of incoming) this.lines.push(l);
      if (filtering) for (const l of incoming) if (this.matches(l)) this.shown.push(l);
      // trimmed in steps, not per line: one splice per frame at most
      if (this.lines.length > CAP) {
        const cut = this.lines.length - CAP;
        this.lines.splice(0, cut);
        this.dropped += cut;
        if (filtering) {
          const first = this.lines[0].seq;
          let i = 0;
          while (i < this.shown.length && this.shown[i].seq < first) i++;
          if (i > 0) this.shown.splice(0, i);
        } else this.shown = this.lines;
      } else if (!filtering) this.shown = this.lines;
    }
    this.layout();
  }

  private atEnd(): boolean {
    return this.viewport.scrollTop + this.viewport.clientHeight >= this.viewport.scrollHeight - this.rowH;
  }

  private scrollToEnd(): void {
    this.autoScrolling = true;
    this.viewport.scrollTop = this.viewport.scrollHeight;
    this.renderWindow();
  }

  private layout(): void {
    this.spacer.style.height = `${this.shown.length * this.rowH}px`;
    const held = this.paused && this.pending.length > 0 ? `; paused, ${this.pending.length} new held` : this.paused ? '; paused' : '';
    const filtered = this.shown !== this.lines ? `${this.shown.length} of ` : '';
    setText(this.status, `${filtered}${this.lines.length} lines${this.dropped ? ` (oldest ${this.dropped} let go; keeps ${CAP})` : ''}${held}`);
    if (this.followBox.checked && !this.paused) this.scrollToEnd();
    else this.renderWindow();
  }

  private renderWindow(): void {
    const first = Math.max(0, Math.floor(this.viewport.scrollTop / this.rowH) - OVERSCAN);
    const count = Math.min(this.shown.length - first, Math.ceil(this.viewport.clientHeight / this.rowH) + 2 * OVERSCAN);
    while (this.pool.length < count) {
      const row = h('div', { class: 'log-row' });
      this.pool.push(row);
      this.rowsBox.append(row);
    }
    for (let i = 0; i < this.pool.length; i++) {
      const row = this.pool[i];
      const l = i < count ? this.shown[first + i] : undefined;
      if (!l) {
        row.hidden = true;
        continue;
      }
      row.hidden = false;
      if (row.dataset.seq === String(l.seq) && row.dataset.q === this.query) continue;
      row.dataset.seq = String(l.seq);
      row.dataset.q = this.query;
      row.className = `log-row ${l.stream}`;
      row.replaceChildren();
      if (l.time !== undefined) row.append(h('span', { class: 'log-time' }, formatClock(l.time)));
      this.appendHighlighted(row, l.text);
    }
    this.rowsBox.style.transform = `translateY(${first * this.rowH}px)`;
  }

  private appendHighlighted(row: HTMLElement, text: string): void {
    if (!this.query) {
      row.append(text);
      return;
    }
    const lower = text.toLowerCase();
    let at = 0;
    for (let i = lower.indexOf(this.query); i >= 0; i = lower.indexOf(this.query, at)) {
      row.append(text.slice(at, i), h('mark', null, text.slice(i, i + this.query.length)));
      at = i + this.query.length;
    }
    row.append(text.slice(at));
  }

  dispose(): void {
    if (this.raf) cancelAnimationFrame(this.raf);
  }
}
