// Schedule runs counted by result since the daemon started (a Prometheus counter starts again at a
// restart; the stored history cannot serve, since old runs are pruned from it).
export class RunCounts {
  private readonly counts = new Map<string, Map<string, number>>();

  record(schedule: string, result: string): void {
    let bySchedule = this.counts.get(schedule);
    if (!bySchedule) {
      bySchedule = new Map();
      this.counts.set(schedule, bySchedule);
    }
    bySchedule.set(result, (bySchedule.get(result) ?? 0) + 1);
  }

  of(schedule: string): Record<string, number> {
    return Object.fromEntries(this.counts.get(schedule) ?? []);
  }

  forget(schedule: string): void {
    this.counts.delete(schedule);
  }
}
