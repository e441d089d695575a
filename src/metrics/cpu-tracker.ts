// Turns successive tree samples (cumulative CPU ticks) into CPU % of one core over each interval.
import { CLOCK_TICKS_PER_SECOND, type TreeSample } from './proc-tree.js';

interface Previous {
  ticks: number;
  atMs: number;
}

export class CpuTracker {
  private readonly previous = new Map<number, Previous>();

  /**
   * Records the samples taken at `atMs` and returns CPU % per root since its previous sample
   * (100 = one full core). A root seen for the first time has no figure yet; roots missing
   * from `samples` are forgotten.
   */
  update(samples: Map<number, Pick<TreeSample, 'cpuTicks'>>, atMs: number): Map<number, number> {
    const percents = new Map<number, number>();
    for (const [root, sample] of samples) {
      const prev = this.previous.get(root);
      if (prev && atMs > prev.atMs) {
        // A descendant that left the tree (re-parented, or exited unreaped) takes its ticks with it.
        const ticks = Math.max(0, sample.cpuTicks - prev.ticks);
        const percent = ((ticks / CLOCK_TICKS_PER_SECOND) * 1000 * 100) / (atMs - prev.atMs);
        percents.set(root, Math.round(percent * 10) / 10);
      }
      this.previous.set(root, { ticks: sample.cpuTicks, atMs });
    }
    for (const root of this.previous.keys()) if (!samples.has(root)) this.previous.delete(root);
    return percents;
  }

  forget(root: number): void {
    this.previous.delete(root);
  }
}
