// A bounded history of one series: time, CPU % and memory in a fixed ring of typed arrays, so an
// hour of samples for a hundred processes costs a known, small amount of memory and no garbage.

/** One point: [Unix ms, CPU % of one core (null when not known yet), memory bytes]. */
export type HistoryPoint = [number, number | null, number];

export class SeriesRing {
  private readonly times: Float64Array;
  private readonly cpu: Float64Array;
  private readonly memory: Float64Array;
  /** Index of the next write. */
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`a series holds at least one point, got ${capacity}`);
    this.times = new Float64Array(capacity);
    this.cpu = new Float64Array(capacity);
    this.memory = new Float64Array(capacity);
  }

  /** Adds a point, dropping the oldest once full. A null CPU is stored as NaN. */
  push(atMs: number, cpuPercent: number | null, memoryBytes: number): void {
    this.times[this.next] = atMs;
    this.cpu[this.next] = cpuPercent ?? Number.NaN;
    this.memory[this.next] = memoryBytes;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  get length(): number {
    return this.size;
  }

  /** The time of the newest point, or null when empty. */
  lastAt(): number | null {
    return this.size === 0 ? null : this.times[(this.next - 1 + this.capacity) % this.capacity];
  }

  /** Points at or after `sinceMs`, oldest first. */
  points(sinceMs = 0): HistoryPoint[] {
    const out: HistoryPoint[] = [];
    const first = (this.next - this.size + this.capacity) % this.capacity;
    for (let k = 0; k < this.size; k++) {
      const i = (first + k) % this.capacity;
      if (this.times[i] < sinceMs) continue;
      const cpu = this.cpu[i];
      out.push([this.times[i], Number.isNaN(cpu) ? null : cpu, this.memory[i]]);
    }
    return out;
  }
}
