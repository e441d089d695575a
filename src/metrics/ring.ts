// A bounded history of one series: time, CPU % and memory in a ring of typed arrays, so an hour of
// samples for a thousand processes costs a known amount of memory and no garbage.
// Twelve bytes a point, not 24: the time is a 32-bit offset in ms from the series' base (49 days of
// range), CPU and memory are 32-bit floats. Memory loses nothing: an RSS is a whole number of 4 KiB
// pages, and a float32 holds every multiple of 4096 exactly up to 64 GiB. CPU keeps 7 significant
// digits and is given back rounded to them. The arrays start small and double as points come, up to
// the capacity: a fresh daemon with a thousand processes does not hold an hour of empty points
// (17 MiB at the default 720) before it has sampled anything.

/** One point: [Unix ms, CPU % of one core (null when not known yet), memory bytes]. */
export type HistoryPoint = [number, number | null, number];

/** The first allocation of a series, in points. */
const INITIAL_POINTS = 16;
/** The widest offset a point's time can have from the series' base. */
const MAX_OFFSET_MS = 0xffff_ffff;

export class SeriesRing {
  private offsets: Uint32Array;
  private cpu: Float32Array;
  private memory: Float32Array;
  /** The time every offset counts from: the first point's, or the oldest kept after a rebase. */
  private baseMs = 0;
  /** Index of the next write. */
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`a series holds at least one point, got ${capacity}`);
    const initial = Math.min(capacity, INITIAL_POINTS);
    this.offsets = new Uint32Array(initial);
    this.cpu = new Float32Array(initial);
    this.memory = new Float32Array(initial);
  }

  /** Adds a point, dropping the oldest once full. A null CPU is stored as NaN. */
  push(atMs: number, cpuPercent: number | null, memoryBytes: number): void {
    if (this.size === 0) this.baseMs = atMs;
    else if (atMs < this.baseMs || atMs - this.baseMs > MAX_OFFSET_MS) this.rebase(atMs);
    if (this.size === this.offsets.length && this.size < this.capacity) this.grow();
    const slots = this.offsets.length;
    this.offsets[this.next] = Math.round(atMs - this.baseMs);
    this.cpu[this.next] = cpuPercent ?? Number.NaN;
    this.memory[this.next] = memoryBytes;
    this.next = (this.next + 1) % slots;
    if (this.size < slots) this.size++;
  }

  get length(): number {
    return this.size;
  }

  /** The bytes its arrays hold now: 12 a point, for the points allocated so far. */
  get bytes(): number {
    return this.offsets.byteLength + this.cpu.byteLength + this.memory.byteLength;
  }

  /** The time of the newest point, or null when empty. */
  lastAt(): number | null {
    const slots = this.offsets.length;
    return this.size === 0 ? null : this.baseMs + this.offsets[(this.next - 1 + slots) % slots];
  }

  /** Points at or after `sinceMs`, oldest first. */
  points(sinceMs = 0): HistoryPoint[] {
    const out: HistoryPoint[] = [];
    const slots = this.offsets.length;
    const first = (this.next - this.size + slots) % slots;
    for (let k = 0; k < this.size; k++) {
      const i = (first + k) % slots;
      const at = this.baseMs + this.offsets[i];
      if (at < sinceMs) continue;
      const cpu = this.cpu[i];
      out.push([at, Number.isNaN(cpu) ? null : Number(cpu.toPrecision(7)), this.memory[i]]);
    }
    return out;
  }

  /** Doubles the arrays (up to the capacity), the points kept in order from index 0. */
  private grow(): void {
    const kept = this.points();
    const slots = Math.min(this.capacity, this.offsets.length * 2);
    this.offsets = new Uint32Array(slots);
    this.cpu = new Float32Array(slots);
    this.memory = new Float32Array(slots);
    this.refill(kept);
  }

  /**
   * A point whose time does not fit the offsets (the clock stepped back before the base, or 49 days passed
   * since it): the base moves so that the new point and every point within 49 days of it fit; older
   * points are dropped.
   */
  private rebase(atMs: number): void {
    let kept: HistoryPoint[];
    if (atMs < this.baseMs) {
      kept = this.points().filter((p) => p[0] - atMs <= MAX_OFFSET_MS);
      this.baseMs = atMs;
    } else {
      kept = this.points().filter((p) => atMs - p[0] <= MAX_OFFSET_MS);
      this.baseMs = kept.reduce((min, p) => Math.min(min, p[0]), atMs);
    }
    this.refill(kept);
  }

  private refill(points: HistoryPoint[]): void {
    this.next = 0;
    this.size = 0;
    const slots = this.offsets.length;
    for (const [at, cpu, memory] of points) {
      this.offsets[this.next] = Math.round(at - this.baseMs);
      this.cpu[this.next] = cpu ?? Number.NaN;
      this.memory[this.next] = memory;
      this.next = (this.next + 1) % slots;
      this.size++;
    }
  }
}
