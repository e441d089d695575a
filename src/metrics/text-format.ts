// The Prometheus text format (version 0.0.4), written directly: HELP and TYPE once per family, then its
// samples. Sentinel's own families are rendered here rather than through prom-client's labelled gauges,
// which cost ~50 times more CPU per scrape with 100 processes (see bench/metrics-100.mjs).

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type Labels = ReadonlyArray<readonly [string, string]>;

/** A label value: backslash, double quote and line feed escaped, as the format requires. */
export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : value;
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** `{a="1",b="2"}` for a label list ("" for none); callers build it once per series and reuse it. */
export function labelText(labels: Labels): string {
  if (labels.length === 0) return '';
  return `{${labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
}

/** One metric family being written: its samples follow its HELP and TYPE lines. */
export class Family {
  private readonly lines: string[] = [];

  constructor(readonly name: string, readonly type: 'gauge' | 'counter', readonly help: string) {}

  /** `labels` is a prepared labelText(); `extra` adds one more label (e.g. state="running"). */
  add(labels: string, value: number, extra?: readonly [string, string]): void {
    let l = labels;
    if (extra) {
      const more = `${extra[0]}="${escapeLabelValue(extra[1])}"`;
      l = labels === '' ? `{${more}}` : `${labels.slice(0, -1)},${more}}`;
    }
    this.lines.push(`${this.name}${l} ${formatValue(value)}`);
  }

  /** Lines already formatted for this family (see `lines()`), joined by line feeds, no trailing one. */
  addLines(block: string): void {
    if (block !== '') this.lines.push(block);
  }

  /** What add() would write for each of `samples`, as one block to keep and hand to addLines() again. */
  format(labels: string, samples: ReadonlyArray<readonly [number, readonly [string, string]]>): string {
    const before = this.lines.length;
    for (const [value, extra] of samples) this.add(labels, value, extra);
    return this.lines.splice(before).join('\n');
  }

  get size(): number {
    return this.lines.length;
  }

  toString(): string {
    return `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} ${this.type}\n${this.lines.join('\n')}${this.lines.length ? '\n' : ''}`;
  }
}
