// The exposition rendered from plain snapshots, checked by Prometheus's own linter (promtool).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createExposition, renderSnapshot } from '../../src/metrics/exposition.js';
import { escapeLabelValue, Family, labelText } from '../../src/metrics/text-format.js';
import type { MetricsSnapshot, ProcessMetrics } from '../../src/metrics/snapshot.js';

function proc(over: Partial<ProcessMetrics> = {}): ProcessMetrics {
  return {
    name: 'web', instance: 0, group: null, state: 'running', cpuSeconds: 1.25, memoryBytes: 4096, openFds: 7,
    startTimeSeconds: 1_700_000_000.5, restarts: 2, health: null, ...over,
  };
}

const snapshot: MetricsSnapshot = {
  processes: [
    proc(),
    proc({ name: 'web', instance: 1, group: 'front', state: 'backoff', cpuSeconds: null, memoryBytes: null, openFds: null, startTimeSeconds: null, restarts: 5, health: 'unhealthy' }),
    proc({ name: 'odd "quoted" \\ back\nline', instance: 0, group: 'ä-group', health: 'healthy' }),
  ],
  schedules: [{ name: 'nightly', runs: { succeeded: 3, failed: 1 }, lastDurationSeconds: 0.75, lastRunSeconds: 1_700_000_100 }],
};

function promtool(text: string): { status: number | null; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: r.status, output: r.stdout + r.stderr };
}

/** The value of one sample line, by its exact name and labels. */
function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('exposition', () => {
  it('renders every process metric with name, instance and group labels, and passes promtool', async () => {
    const { contentType, body } = await (await createExposition()).render(snapshot);
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    const l = 'name="web",instance_index="0",group=""';
    expect(sample(body, `sentinel_process_up{${l}}`)).toBe(1);
    expect(sample(body, `sentinel_process_state{${l},state="running"}`)).toBe(1);
    expect(sample(body, `sentinel_process_state{${l},state="stopped"}`)).toBe(0);
    expect(sample(body, `sentinel_process_restarts_total{${l}}`)).toBe(2);
    expect(sample(body, `sentinel_process_cpu_seconds_total{${l}}`)).toBe(1.25);
    expect(sample(body, `sentinel_process_memory_bytes{${l}}`)).toBe(4096);
    expect(sample(body, `sentinel_process_open_fds{${l}}`)).toBe(7);
    expect(sample(body, `sentinel_process_start_time_seconds{${l}}`)).toBe(1_700_000_000.5);
    expect(body).toMatch(/# TYPE sentinel_process_restarts_total counter/);
    expect(body).toMatch(/# TYPE sentinel_process_memory_bytes gauge/);
    expect(body).toMatch(/^sentinel_daemon_process_resident_memory_bytes \d+/m);
    expect(body).toMatch(/^sentinel_daemon_nodejs_heap_size_used_bytes \d+/m);
    // the event-loop family comes from src/metrics/loop-lag.ts, every gauge once
    for (const g of ['seconds', 'min_seconds', 'max_seconds', 'mean_seconds', 'stddev_seconds', 'p50_seconds', 'p90_seconds', 'p99_seconds']) {
      expect(body.match(new RegExp(`^sentinel_daemon_nodejs_eventloop_lag_${g} [0-9.e-]+$`, 'gm'))).toHaveLength(1);
    }
    const r = promtool(body);
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });

  it('shows a process that is down as up 0, without resource series, with its health state set', async () => {
    const { body } = await (await createExposition()).render(snapshot);
    const l = 'name="web",instance_index="1",group="front"';
    expect(sample(body, `sentinel_process_up{${l}}`)).toBe(0);
    expect(sample(body, `sentinel_process_state{${l},state="backoff"}`)).toBe(1);
    expect(sample(body, `sentinel_process_memory_bytes{${l}}`)).toBeUndefined();
    expect(sample(body, `sentinel_process_cpu_seconds_total{${l}}`)).toBeUndefined();
    expect(sample(body, `sentinel_process_health{${l},status="unhealthy"}`)).toBe(1);
    expect(sample(body, `sentinel_process_health{${l},status="healthy"}`)).toBe(0);
    // no liveness check: no health series at all
    expect(body).not.toMatch(/sentinel_process_health\{name="web",instance_index="0"/);
  });

  it('escapes odd label values and never has a pid label', async () => {
    const { body } = await (await createExposition()).render(snapshot);
    expect(body).toContain('sentinel_process_up{name="odd \\"quoted\\" \\\\ back\\nline",instance_index="0",group="ä-group"} 1');
    expect(body).not.toMatch(/[{,]pid="/);
    expect(promtool(body).status).toBe(0);
  });

  it('counts schedule runs by result, every result present from the start', async () => {
    const { body } = await (await createExposition()).render(snapshot);
    expect(sample(body, 'sentinel_schedule_runs_total{schedule="nightly",result="succeeded"}')).toBe(3);
    expect(sample(body, 'sentinel_schedule_runs_total{schedule="nightly",result="failed"}')).toBe(1);
    expect(sample(body, 'sentinel_schedule_runs_total{schedule="nightly",result="timed-out"}')).toBe(0);
    expect(sample(body, 'sentinel_schedule_last_duration_seconds{schedule="nightly"}')).toBe(0.75);
    expect(sample(body, 'sentinel_schedule_last_run_timestamp_seconds{schedule="nightly"}')).toBe(1_700_000_100);
  });

  it('forgets a process that is gone at the next render; without default metrics it is Sentinel\'s families only', async () => {
    const exp = await createExposition({ defaultMetrics: false });
    const a = await exp.render(snapshot);
    const b = await exp.render({ processes: [proc({ name: 'other' })], schedules: [] });
    expect(a.body).toContain('name="web"');
    expect(b.body).not.toContain('name="web"');
    expect(b.body).not.toContain('sentinel_daemon_');
    expect(sample(b.body, 'sentinel_process_up{name="other",instance_index="0",group=""}')).toBe(1);
    expect(b.body).not.toContain('sentinel_schedule_');
    expect(promtool(b.body).status).toBe(0);
  });

  it('renders an empty snapshot as an empty (valid) exposition of Sentinel\'s families', async () => {
    const { body } = await (await createExposition({ defaultMetrics: false })).render({ processes: [], schedules: [] });
    expect(body).toBe('');
  });
});

describe('text format', () => {
  it('escapes backslash, quote and line feed in label values, and in help text', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeLabelValue('plain-name_1.x')).toBe('plain-name_1.x');
    const f = new Family('x_total', 'counter', 'help with \\ and\nnewline');
    f.add(labelText([['k', 'v"']]), 2, ['extra', 'e\n']);
    f.add('', Number.NaN);
    expect(f.toString()).toBe('# HELP x_total help with \\\\ and\\nnewline\n# TYPE x_total counter\nx_total{k="v\\"",extra="e\\n"} 2\nx_total NaN\n');
  });

  it('hands out the last text again only for an unchanged snapshot: any field of a process or schedule changed renders anew', async () => {
    const exp = await createExposition({ defaultMetrics: false });
    const base = (await exp.render(snapshot)).body;
    expect(base).toBe(renderSnapshot(snapshot));
    expect((await exp.render(structuredClone(snapshot))).body).toBe(base);
    const changes: Array<Partial<ProcessMetrics>> = [
      { name: 'api' }, { instance: 3 }, { group: 'g' }, { state: 'stopped' }, { cpuSeconds: 1.26 }, { memoryBytes: 8192 },
      { openFds: 8 }, { startTimeSeconds: 1_700_000_001 }, { restarts: 3 }, { health: 'healthy' },
    ];
    // every field of ProcessMetrics is among the changes
    expect(new Set(changes.flatMap((c) => Object.keys(c)))).toEqual(new Set(Object.keys(proc())));
    for (const change of changes) {
      const changed = { ...snapshot, processes: [proc(change), ...snapshot.processes.slice(1)] };
      const body = (await exp.render(changed)).body;
      expect(body).not.toBe(base);
      expect(body).toBe(renderSnapshot(changed));
      expect((await exp.render(snapshot)).body).toBe(base);
    }
    const sch = snapshot.schedules[0]!;
    for (const changedSchedule of [{ ...sch, name: 'weekly' }, { ...sch, runs: { succeeded: 4, failed: 1 } }, { ...sch, runs: { succeeded: 3, failed: 1, skipped: 1 } }, { ...sch, lastDurationSeconds: 1 }, { ...sch, lastRunSeconds: 1 }]) {
      const changed = { ...snapshot, schedules: [changedSchedule] };
      expect((await exp.render(changed)).body).toBe(renderSnapshot(changed));
      expect((await exp.render(snapshot)).body).toBe(base);
    }
    // a process more or less
    const more = { ...snapshot, processes: [...snapshot.processes, proc({ name: 'extra' })] };
    expect((await exp.render(more)).body).toBe(renderSnapshot(more));
  });
});
