// Metrics through a real daemon: GET /metrics on the Unix socket (checked by promtool), a real Prometheus
// scraping it, the textfile export, the history operation and the trend in `sentinel status`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, cleanupHome, cli, readPid, tempHome, waitFor } from '../helpers.js';

let home: string;
let exportDir: string;
let exportFile: string;
let listenUrl: URL;
let scrapeToken: string;
let prometheus: ChildProcess | undefined;
let promPort = 0;
let promData: string;

interface Answer { status: number; headers: http.IncomingHttpHeaders; body: string }

function get(target: string, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: path.join(home, 'sentinel.sock'), path: target, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const metrics = async () => (await get('/metrics')).body;

/** The value of one sample line, by its exact name and labels. */
function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function promtool(text: string): { status: number | null; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: r.status, output: r.stdout + r.stderr };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function promQuery(query: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(query)}`);
  const json = (await res.json()) as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
  expect(json.status).toBe('success');
  return json.data.result;
}

const daemonLog = () => (existsSync(path.join(home, 'daemon.log')) ? readFileSync(path.join(home, 'daemon.log'), 'utf8') : '');

beforeAll(async () => {
  home = tempHome('snm-');
  exportDir = path.join(home, 'textfile');
  exportFile = path.join(exportDir, 'sentinel.prom');
  promData = path.join(home, 'prom');
  mkdirSync(exportDir);
  writeFileSync(path.join(home, 'daemon.yaml'), `api:\n  listen: 127.0.0.1:0\nmetrics:\n  file: ${exportFile}\n  interval: 1s\n  step: 1s\n  history: 10m\n`);
  // a bad value of the history's CPU budget stops the daemon's start, naming the variable
  const refused = await cli(home, ['daemon', 'start'], { env: { SENTINEL_METRICS_CPU_BUDGET: 'lots' } });
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toMatch(/SENTINEL_METRICS_CPU_BUDGET must be a share of one core/);
  // and so does a bad timing read only later (in the middle of a stop), naming it
  const badTiming = await cli(home, ['daemon', 'start'], { env: { SENTINEL_REAP_SWEEP_MS: '1s' } });
  expect(badTiming.code).not.toBe(0);
  expect(badTiming.stderr).toMatch(/SENTINEL_REAP_SWEEP_MS must be a whole number of milliseconds/);
  const badRetention = await cli(home, ['daemon', 'start'], { env: { SENTINEL_EVENTS_MAX_AGE: 'a month' } });
  expect(badRetention.code).not.toBe(0);
  expect(badRetention.stderr).toMatch(/SENTINEL_EVENTS_MAX_AGE: expected a duration like "500ms"/);
  // no CPU budget for the history's ticks: on a loaded machine a tick's cost would otherwise space them
  // wider than the step, and the history test below counts points at the step (the budget: history.test.ts)
  const started = await cli(home, ['daemon', 'start'], { env: { SENTINEL_METRICS_CPU_BUDGET: '0' } });
  expect(started.code, started.stderr).toBe(0);
  for (const args of [
    ['run', '--name', 'web', '--group', 'front', 'sleep 300'],
    ['run', '--name', 'odd.name-1_x', 'sleep 300'],
    ['run', '--name', 'multi', '--instances', '2', 'sleep 300'],
    ['run', '--name', 'crashy', '--restart', 'always', '--max-restarts', '0', '--backoff', 'fixed', '--restart-delay', '300ms', '--wait', '0', 'sleep 1; exit 1'],
    ['run', '--name', 'checked', '--health-exec', 'true', '--health-interval', '1s', 'sleep 300'],
    ['schedule', 'add', 'tick', '--every', '1s', 'true'],
  ]) {
    const r = await cli(home, args);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  }
  // Prometheus scrapes the daemon's TCP listener with a viewer token
  const status = JSON.parse((await cli(home, ['daemon', 'status', '--json'])).stdout) as { api: { url: string } | null };
  listenUrl = new URL(status.api!.url);
  const token = await cli(home, ['token', 'create', 'prometheus', '--role', 'viewer', '--json']);
  expect(token.code, token.stderr).toBe(0);
  scrapeToken = (JSON.parse(token.stdout) as { value: string }).value;
}, 120_000);

afterAll(async () => {
  if (prometheus?.pid && alive(prometheus.pid)) {
    process.kill(prometheus.pid, 'SIGKILL');
    await waitFor(() => !alive(prometheus!.pid!), 5000);
  }
  await cleanupHome(home);
});

describe('GET /metrics on the Unix socket', () => {
  it('answers the Prometheus text format that promtool accepts, with every process and instance', async () => {
    const a = await get('/metrics');
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const r = promtool(a.body);
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
    expect(sample(a.body, 'sentinel_process_up{name="web",instance_index="0",group="front"}')).toBe(1);
    expect(sample(a.body, 'sentinel_process_state{name="web",instance_index="0",group="front",state="running"}')).toBe(1);
    expect(sample(a.body, 'sentinel_process_up{name="odd.name-1_x",instance_index="0",group=""}')).toBe(1);
    expect(sample(a.body, 'sentinel_process_up{name="multi",instance_index="1",group=""}')).toBe(1);
    expect(sample(a.body, 'sentinel_process_memory_bytes{name="web",instance_index="0",group="front"}')).toBeGreaterThan(0);
    expect(sample(a.body, 'sentinel_process_open_fds{name="web",instance_index="0",group="front"}')).toBeGreaterThan(0);
    const start = sample(a.body, 'sentinel_process_start_time_seconds{name="web",instance_index="0",group="front"}')!;
    expect(Math.abs(start - Date.now() / 1000)).toBeLessThan(600);
    expect(a.body).toMatch(/^sentinel_daemon_process_resident_memory_bytes \d+/m);
    expect(a.body).toMatch(/^sentinel_daemon_nodejs_heap_size_used_bytes \d+/m);
  });

  it('never labels a series with a pid', async () => {
    const body = await metrics();
    expect(body).not.toMatch(/[{,]pid="/);
    const web = JSON.parse((await cli(home, ['status', 'web', '--json'])).stdout) as { process: { pid: number } };
    expect(body).not.toContain(`"${web.process.pid}"`);
  });

  it('shows the liveness verdict and counts schedule runs by result', async () => {
    expect(await waitFor(async () => sample(await metrics(), 'sentinel_process_health{name="checked",instance_index="0",group="",status="healthy"}') === 1, 15_000, 250)).toBe(true);
    expect(await waitFor(async () => (sample(await metrics(), 'sentinel_schedule_runs_total{schedule="tick",result="succeeded"}') ?? 0) >= 1, 15_000, 250)).toBe(true);
    const body = await metrics();
    expect(sample(body, 'sentinel_schedule_runs_total{schedule="tick",result="failed"}')).toBe(0);
    expect(sample(body, 'sentinel_schedule_last_duration_seconds{schedule="tick"}')).toBeGreaterThanOrEqual(0);
  });

  it('is what `sentinel metrics` prints, and HEAD answers without a body', async () => {
    const r = await cli(home, ['metrics']);
    expect(r.code).toBe(0);
    expect(promtool(r.stdout).status).toBe(0);
    expect(sample(r.stdout, 'sentinel_process_up{name="web",instance_index="0",group="front"}')).toBe(1);
    const head = await get('/metrics', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    const post = await get('/metrics', 'POST');
    expect(post.status).toBe(404);
    expect(JSON.parse(post.body).error.code).toBe('ROUTE_NOT_FOUND');
  });
});

describe('a real Prometheus scraping the daemon', () => {
  it('sees the target up and queries the values of a running process, and restarts_total grows after a crash', async () => {
    promPort = await freePort();
    const port = Number(listenUrl.port);
    const config = path.join(home, 'prometheus.yml');
    writeFileSync(config, [
      'global: {scrape_interval: 1s, evaluation_interval: 1s}',
      'scrape_configs:',
      '  - job_name: sentinel',
      `    static_configs: [{targets: ["127.0.0.1:${port}"]}]`,
      `    authorization: {credentials: ${scrapeToken}}`,
      '',
    ].join('\n'));
    prometheus = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${promData}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: 'ignore' });
    const up = await waitFor(async () => {
      try {
        const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/targets`);
        const json = (await res.json()) as { data: { activeTargets: Array<{ health: string }> } };
        return json.data.activeTargets.some((t) => t.health === 'up');
      } catch {
        return false;
      }
    }, 60_000, 500);
    expect(up).toBe(true);
    expect(await waitFor(async () => (await promQuery('sentinel_process_up{name="web"} == 1')).length === 1, 20_000, 500)).toBe(true);
    const [upWeb] = await promQuery('sentinel_process_up{name="web"}');
    expect(upWeb.metric).toMatchObject({ name: 'web', instance_index: '0', group: 'front', job: 'sentinel', instance: `127.0.0.1:${port}` });
    expect(upWeb.metric.exported_instance).toBeUndefined();
    expect(upWeb.metric.pid).toBeUndefined();
    const mem = await promQuery('sentinel_process_memory_bytes{name="web"} > 0');
    expect(mem).toHaveLength(1);
    expect(Number(mem[0].value[1])).toBeGreaterThan(0);
    const before = Number((await promQuery('sentinel_process_restarts_total{name="crashy"}'))[0].value[1]);
    const grew = await waitFor(async () => {
      const now = await promQuery('sentinel_process_restarts_total{name="crashy"}');
      return now.length === 1 && Number(now[0].value[1]) > before;
    }, 20_000, 500);
    expect(grew).toBe(true);
    expect(await promQuery('up{job="sentinel"} == 1')).toHaveLength(1);
  }, 120_000);
});

describe('textfile export', () => {
  it('writes the file at start and rewrites it on its interval, valid for promtool, with no temporary file', async () => {
    expect(existsSync(exportFile)).toBe(true);
    expect(promtool(readFileSync(exportFile, 'utf8')).status).toBe(0);
    const first = statSync(exportFile).mtimeMs;
    expect(await waitFor(() => statSync(exportFile).mtimeMs > first, 10_000, 100)).toBe(true);
    // while the daemon writes, a hidden temporary file (never named *.prom, so the collector skips it) may
    // exist for a moment; none may stay
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      for (const f of readdirSync(exportDir)) {
        expect(f).toMatch(/^(sentinel\.prom|\.sentinel\.prom\.\d+\.tmp)$/);
        if (f !== 'sentinel.prom') seen.add(f);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const tmp of seen) expect(await waitFor(() => !existsSync(path.join(exportDir, tmp)), 2000, 20), tmp).toBe(true);
    expect(sample(readFileSync(exportFile, 'utf8'), 'sentinel_process_up{name="web",instance_index="0",group="front"}')).toBe(1);
  });

  it('logs a vanished directory once, not every interval, and writes again when it is back', async () => {
    rmSync(exportDir, { recursive: true });
    await new Promise((r) => setTimeout(r, 3500));
    expect(daemonLog().match(/METRICS_FILE_FAILED/g)).toHaveLength(1);
    expect(daemonLog()).toMatch(/could not write the metrics file .*sentinel\.prom.*ENOENT/);
    mkdirSync(exportDir);
    expect(await waitFor(() => existsSync(exportFile), 10_000, 100)).toBe(true);
    expect(await waitFor(() => daemonLog().includes('METRICS_FILE_RECOVERED'), 5000, 100)).toBe(true);
  });

  it('refuses to start a daemon whose export directory does not exist, and leaves nothing behind', async () => {
    const other = tempHome('snm-');
    try {
      const missing = path.join(other, 'no-such-dir', 'sentinel.prom');
      writeFileSync(path.join(other, 'daemon.yaml'), `metrics:\n  file: ${missing}\n`);
      const r = await cli(other, ['daemon', 'start']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('metrics.file');
      expect(r.stderr).toMatch(/no-such-dir does not exist; create it/);
      expect(existsSync(path.join(other, 'no-such-dir'))).toBe(false);
      expect(existsSync(path.join(other, 'sentinel.sock'))).toBe(false);
      const pid = readPid(path.join(other, 'daemon.pid'));
      expect(pid === null || !alive(pid)).toBe(true);
    } finally {
      await cleanupHome(other);
    }
  });

  it('refuses history settings that would hold too much, naming the key', async () => {
    const other = tempHome('snm-');
    try {
      writeFileSync(path.join(other, 'daemon.yaml'), 'metrics:\n  step: 100ms\n');
      const r = await cli(other, ['daemon', 'start']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/metrics\.step must be at least 1s \(got 100 ms\)/);
      expect(existsSync(path.join(other, 'sentinel.sock'))).toBe(false);
    } finally {
      await cleanupHome(other);
    }
  });
});

describe('history', () => {
  interface History { stepMs: number; series: Array<{ kind: string; name: string; id: number | null; points: Array<[number, number | null, number]> }> }

  it('keeps CPU and memory points per process and for the daemon, and filters by process and time', async () => {
    expect(await waitFor(async () => {
      const h = JSON.parse((await get('/v1/metrics/history?ref=web')).body) as History;
      return h.series[0]?.points.length >= 3;
    }, 15_000, 250)).toBe(true);
    const all = JSON.parse((await get('/v1/metrics/history')).body) as History;
    expect(all.stepMs).toBe(1000);
    expect(all.series.map((s) => s.name)).toEqual(expect.arrayContaining(['web', 'multi:0', 'multi:1', 'daemon']));
    const web = all.series.find((s) => s.name === 'web')!;
    expect(web.points.every(([t, , mem]) => t > 0 && mem > 0)).toBe(true);
    expect(web.points.slice(1).every(([, cpu]) => cpu !== null && cpu >= 0)).toBe(true);
    const multi = JSON.parse((await get('/v1/metrics/history?ref=multi')).body) as History;
    expect(multi.series.map((s) => s.name)).toEqual(['multi:0', 'multi:1']);
    const recent = JSON.parse((await get('/v1/metrics/history?ref=web&since=2s')).body) as History;
    expect(recent.series[0].points.length).toBeLessThan(web.points.length);
    expect(recent.series[0].points.every(([t]) => t >= Date.now() - 5000)).toBe(true);
  });

  it('answers bad parameters with a clear 4xx', async () => {
    const missing = await get('/v1/metrics/history?ref=nope');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body).error.code).toBe('PROCESS_NOT_FOUND');
    const since = await get('/v1/metrics/history?since=banana');
    expect(since.status).toBe(422);
    expect(JSON.parse(since.body).error.message).toMatch(/since/);
    const extra = await get('/v1/metrics/history?bogus=1');
    expect(extra.status).toBeGreaterThanOrEqual(400);
    expect(extra.status).toBeLessThan(500);
    expect(JSON.parse(extra.body).error.message).toMatch(/bogus/);
  });

  it('gives `sentinel status` a CPU and memory trend', async () => {
    const r = await cli(home, ['status', 'web']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/CPU \(15m\): min \d+\.\d% +avg \d+\.\d% +max \d+\.\d%/);
    expect(r.stdout).toMatch(/Mem \(15m\): min [\d.]+ MB +avg/);
    const json = JSON.parse((await cli(home, ['status', 'web', '--json'])).stdout) as Record<string, unknown>;
    expect(json.trend).toBeUndefined();
  });
});

describe('daemon stop', () => {
  it('leaves the last export and no temporary file behind', async () => {
    const r = await cli(home, ['daemon', 'stop']);
    expect(r.code).toBe(0);
    expect(readdirSync(exportDir)).toEqual(['sentinel.prom']);
    expect(promtool(readFileSync(exportFile, 'utf8')).status).toBe(0);
  });
});
