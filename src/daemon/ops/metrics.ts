// Metrics operations: the Prometheus exposition (gathered at each scrape from the supervisor, one shared
// /proc scan and the schedules) and the CPU/memory history kept by the daemon.
import { displayName } from '../../core/instances.js';
import { sampleTrees, CLOCK_TICKS_PER_SECOND } from '../../metrics/proc-tree.js';
import { countOpenFdsOfTrees } from '../../metrics/open-fds.js';
import type { Exposition } from '../../metrics/exposition.js';
import type { MetricsSnapshot, ProcessMetrics, ScheduleMetrics } from '../../metrics/snapshot.js';
import type { ProcessRecord } from '../../store/processes.js';
import type * as z from 'zod';
import type { HistorySeries } from '../../contracts/metrics.js';
import type { Daemon, Handlers } from '../context.js';
import { scrapeScanMs } from '../metrics.js';
import { sinceOf } from './logs.js';

/** CPU seconds of a run, kept from going down when a descendant leaves the tree with its ticks (a counter must not fall). */
interface CpuTotal { pid: number; rawTicks: number; ticks: number }

export function metricsOps(d: Daemon): Handlers<'metrics.exposition' | 'metrics.history'> {
  let exposition: Promise<Exposition> | undefined;
  const cpuTotals = new Map<number, CpuTotal>();

  function processMetrics(): ProcessMetrics[] {
    const recs = d.supervisor.list();
    const live = recs.filter((r) => r.pid && d.supervisor.isLive(r));
    const trees = sampleTrees(live.map((r) => r.pid!), d.metrics.scans.get(scrapeScanMs(d.settings.metrics.step)).stats);
    const ids = new Set<number>();
    const treeOf = recs.map((rec) => (rec.pid && d.supervisor.isLive(rec) ? trees.get(rec.pid) : undefined));
    // every tree's open descriptors in one read
    const fds = countOpenFdsOfTrees(treeOf.map((tree) => tree?.pids ?? []));
    const out = recs.map((rec, i): ProcessMetrics => {
      const tree = treeOf[i];
      let cpuSeconds: number | null = null;
      if (tree) {
        ids.add(rec.id);
        cpuSeconds = cpuTotal(rec, tree.cpuTicks) / CLOCK_TICKS_PER_SECOND;
      }
      return {
        name: rec.name,
        instance: rec.instance,
        group: rec.spec.group,
        state: rec.state,
        cpuSeconds,
        memoryBytes: tree ? tree.rssBytes : null,
        openFds: tree ? fds[i]! : null,
        startTimeSeconds: tree && rec.startedAt ? rec.startedAt / 1000 : null,
        restarts: rec.restarts,
        health: rec.spec.liveness ? healthOf(rec) : null,
      };
    });
    for (const id of cpuTotals.keys()) if (!ids.has(id)) cpuTotals.delete(id);
    return out;
  }

  function cpuTotal(rec: ProcessRecord, rawTicks: number): number {
    const t = cpuTotals.get(rec.id);
    if (!t || t.pid !== rec.pid) {
      cpuTotals.set(rec.id, { pid: rec.pid!, rawTicks, ticks: rawTicks });
      return rawTicks;
    }
    t.ticks += Math.max(0, rawTicks - t.rawTicks);
    t.rawTicks = rawTicks;
    return t.ticks;
  }

  async function scheduleMetrics(): Promise<ScheduleMetrics[]> {
    const { schedules } = await d.call('schedule.list', {});
    return schedules.map((s) => {
      const last = s.lastRun && s.lastRun.status !== 'running' ? s.lastRun : null;
      return {
        name: s.name,
        runs: d.metrics.runs.of(s.name),
        lastDurationSeconds: last?.durationMs != null ? last.durationMs / 1000 : null,
        lastRunSeconds: last?.endedAt != null ? last.endedAt / 1000 : null,
      };
    });
  }

  return {
    async 'metrics.exposition'() {
      exposition ??= import('../../metrics/exposition.js').then((m) => m.createExposition());
      const snapshot: MetricsSnapshot = { processes: processMetrics(), schedules: await scheduleMetrics() };
      return (await exposition).render(snapshot);
    },

    'metrics.history'(p) {
      const since = sinceOf(p.since) ?? 0;
      const recs = p.ref === undefined ? d.supervisor.list() : d.supervisor.resolveAll(p.ref);
      const series: Array<z.input<typeof HistorySeries>> = recs.map((rec) => ({
        kind: 'process',
        name: displayName(rec),
        definition: rec.name,
        instance: rec.instance,
        id: rec.id,
        points: d.metrics.history.of(rec.id)?.points(since) ?? [],
      }));
      if (p.ref === undefined) {
        series.push({ kind: 'daemon', name: 'daemon', definition: null, instance: null, id: null, points: d.metrics.history.of('daemon')?.points(since) ?? [] });
      }
      return { stepMs: d.settings.metrics.step, historyMs: d.settings.metrics.history, series };
    },
  };
}

function healthOf(rec: ProcessRecord): 'healthy' | 'unhealthy' | 'unknown' {
  return rec.health === 'healthy' || rec.health === 'unhealthy' ? rec.health : 'unknown';
}
