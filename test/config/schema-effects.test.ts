// Nothing accepted and ignored: walks the published JSON Schema of a process and proves that every key
// it accepts changes the ProcessSpec the daemon runs. A key added to the schema without an effect (or
// without a sample here) fails this test. What each spec section then does is proven by the tests of
// its subsystem (health, thresholds, identity, rotation, restart-cron, notifications, dependencies).
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildJsonSchema } from '../../src/config/json-schema.js';
import { toProcessSpec } from '../../src/config/normalize.js';
import { loadProject } from './helpers.js';

type Proc = Record<string, unknown>;
type Schema = { type?: string | string[]; properties?: Record<string, Schema>; anyOf?: Schema[]; additionalProperties?: Schema | boolean };

/** Every key path a person can write in a process, through nested maps and the map forms of unions. */
function keyPaths(schema: Schema, prefix = ''): string[] {
  const out: string[] = [];
  const variants = [schema, ...(schema.anyOf ?? [])];
  for (const v of variants) {
    for (const [key, sub] of Object.entries(v.properties ?? {})) {
      const p = prefix ? `${prefix}.${key}` : key;
      if (!out.includes(p)) out.push(p);
      for (const nested of keyPaths(sub, p)) if (!out.includes(nested)) out.push(nested);
    }
  }
  return out;
}

const BASE: Proc = { command: 'sleep 1' };

/** For each key: the process written with it (and, where needed, the rest of the file it needs). */
const SAMPLES: Record<string, { proc: Proc; top?: Record<string, unknown> }> = {
  command: { proc: { command: 'sleep 2' } },
  argv: { proc: { command: undefined, argv: ['sleep', '1'] } },
  cwd: { proc: { cwd: '/tmp' } },
  env: { proc: { env: { A: '1' } } },
  env_file: { proc: { env_file: 'vars.env' } },
  inherit_env: { proc: { inherit_env: false } },
  group: { proc: { group: 'g' }, top: { groups: { g: { env: { G: '1' } } } } },
  port: { proc: { port: 4100 } },
  restart: { proc: { restart: 'always' } },
  'restart.policy': { proc: { restart: { policy: 'always' } } },
  'restart.exit_codes': { proc: { restart: { exit_codes: [3] } } },
  'restart.no_restart_exit_codes': { proc: { restart: { no_restart_exit_codes: [3] } } },
  'restart.max_restarts': { proc: { restart: { max_restarts: 7 } } },
  'restart.window': { proc: { restart: { window: '2m' } } },
  'restart.delay': { proc: { restart: { delay: '2s' } } },
  'restart.backoff': { proc: { restart: { backoff: 'exponential' } } },
  'restart.backoff_max': { proc: { restart: { backoff_max: '5m' } } },
  'restart.jitter': { proc: { restart: { jitter: 0.3 } } },
  'restart.min_uptime': { proc: { restart: { min_uptime: '9s' } } },
  restart_cron: { proc: { restart_cron: '0 4 * * *' } },
  'restart_cron.cron': { proc: { restart_cron: { cron: '0 5 * * *' } } },
  'restart_cron.tz': { proc: { restart_cron: { cron: '0 5 * * *', tz: 'Europe/Berlin' } } },
  stop_signal: { proc: { stop_signal: 'SIGINT' } },
  stop_timeout: { proc: { stop_timeout: '3s' } },
  start_wait: { proc: { start_wait: '2s' } },
  startup: { proc: { startup: { wait_port: 4101 } } },
  'startup.wait_port': { proc: { startup: { wait_port: 4102 } } },
  'startup.wait_http': { proc: { startup: { wait_http: 'http://127.0.0.1:4103/' } } },
  'startup.wait_http.url': { proc: { startup: { wait_http: { url: 'http://127.0.0.1:4104/' } } } },
  'startup.wait_http.expect_status': { proc: { startup: { wait_http: { url: 'http://127.0.0.1:4104/', expect_status: 204 } } } },
  'startup.wait_log': { proc: { startup: { wait_log: 'listening' } } },
  'startup.wait_exec': { proc: { startup: { wait_exec: 'true' } } },
  'startup.timeout': { proc: { startup: { wait_log: 'x', timeout: '45s' } } },
  health: { proc: { health: { exec: 'true' } } },
  'health.http': { proc: { health: { http: 'http://127.0.0.1:4105/health' } } },
  'health.http.url': { proc: { health: { http: { url: 'http://127.0.0.1:4106/health' } } } },
  'health.http.expect_status': { proc: { health: { http: { url: 'http://127.0.0.1:4106/health', expect_status: 204 } } } },
  'health.tcp': { proc: { health: { tcp: 4107 } } },
  'health.exec': { proc: { health: { exec: 'test -e /' } } },
  'health.send': { proc: { health: { tcp: 4107, send: 'PING' } } },
  'health.interval': { proc: { health: { exec: 'true', interval: '7s' } } },
  'health.timeout': { proc: { health: { exec: 'true', timeout: '2s' } } },
  'health.failure_threshold': { proc: { health: { exec: 'true', failure_threshold: 5 } } },
  'health.success_threshold': { proc: { health: { exec: 'true', success_threshold: 2 } } },
  'health.initial_delay': { proc: { health: { exec: 'true', initial_delay: '4s' } } },
  'health.action': { proc: { health: { exec: 'true', action: 'notify' } } },
  'health.plugin': { proc: { health: { plugin: 'http-body' } } },
  'health.options': { proc: { health: { plugin: 'http-body', options: { path: '/health' } } } },
  limits: { proc: { limits: { memory_max: '512M' } } },
  'limits.memory_max': { proc: { limits: { memory_max: '256M' } } },
  'limits.cpu_max': { proc: { limits: { cpu_max: '50%' } } },
  'limits.pids_max': { proc: { limits: { pids_max: 100 } } },
  max_memory: { proc: { max_memory: '300M' } },
  max_cpu: { proc: { max_cpu: { percent: 80 } } },
  'max_cpu.percent': { proc: { max_cpu: { percent: 70 } } },
  'max_cpu.for': { proc: { max_cpu: { percent: 70, for: '30s' } } },
  log: { proc: { log: { keep: 2 } } },
  'log.max_size': { proc: { log: { max_size: '1M' } } },
  'log.keep': { proc: { log: { keep: 3 } } },
  'log.compress': { proc: { log: { compress: true } } },
  'log.timestamps': { proc: { log: { timestamps: true } } },
  depends_on: { proc: { depends_on: ['other'] }, top: { other: true } },
  extends: { proc: { extends: 'tpl' }, top: { templates: { tpl: { stop_timeout: '4s' } } } },
  user: { proc: { user: 'nobody' } },
  nice: { proc: { nice: 5 } },
  ionice: { proc: { ionice: 'idle' } },
  instances: { proc: { instances: 3 } },
  port_mode: { proc: { port: 4100, port_mode: 'per-instance' } },
  scale: { proc: { scale: { min: 2, max: 4 } } },
  'scale.min': { proc: { scale: { min: 3, max: 4 } } },
  'scale.max': { proc: { scale: { min: 1, max: 5 } } },
  'scale.cpu': { proc: { scale: { min: 1, max: 4, cpu: '50%' } } },
  'scale.memory': { proc: { scale: { min: 1, max: 4, memory: '300M' } } },
  'scale.up_after': { proc: { scale: { min: 1, max: 4, up_after: '10s' } } },
  'scale.down_after': { proc: { scale: { min: 1, max: 4, down_after: '1m' } } },
  'scale.cooldown': { proc: { scale: { min: 1, max: 4, cooldown: '2m' } } },
  'scale.policy': { proc: { scale: { min: 1, max: 4, policy: { command: 'echo 2' } } } },
  'scale.policy.command': { proc: { scale: { min: 1, max: 4, policy: { command: 'echo 3' } } } },
  'scale.policy.module': { proc: { scale: { min: 1, max: 4, policy: { module: './policy.mjs' } } } },
  'scale.policy.timeout': { proc: { scale: { min: 1, max: 4, policy: { command: 'echo 3', timeout: '2s' } } } },
  'scale.policy.plugin': { proc: { scale: { min: 1, max: 4, policy: { plugin: 'queue' } } } },
  'scale.policy.options': { proc: { scale: { min: 1, max: 4, policy: { plugin: 'queue', options: { q: 'jobs' } } } } },
  notify: { proc: { notify: false } },
  'notify.webhooks': { proc: { notify: { webhooks: ['http://127.0.0.1:4108/hook'] } } },
  'notify.plugins': { proc: { notify: { plugins: ['pager'] } } },
  autostart: { proc: { autostart: false } },
  watch: { proc: { watch: true } },
  'watch.paths': { proc: { watch: { paths: ['vars.env'] } } },
  'watch.ignore': { proc: { watch: { ignore: ['*.log'] } } },
  'watch.delay': { proc: { watch: { delay: '2s' } } },
  image: { proc: { image: 'localhost/app:1' } },
  runtime: { proc: { image: 'localhost/app:1', runtime: 'docker' } },
  ports: { proc: { image: 'localhost/app:1', ports: ['8080:80'] } },
  volumes: { proc: { image: 'localhost/app:1', volumes: ['./data:/data'] } },
  container_user: { proc: { image: 'localhost/app:1', container_user: '1000:1000' } },
  nix: { proc: { nix: { packages: ['redis'] } } },
  'nix.packages': { proc: { nix: { packages: ['python3'] } } },
  'nix.file': { proc: { nix: { file: 'shell.nix' } } },
  wrap: { proc: { wrap: { plugin: 'sandbox' } } },
  'wrap.plugin': { proc: { wrap: { plugin: 'jail' } } },
  'wrap.options': { proc: { wrap: { plugin: 'sandbox', options: { profile: 'strict' } } } },
};

function specOf(proc: Proc, top: Record<string, unknown> = {}): string {
  const { other, ...rest } = top;
  const processes: Record<string, Proc> = { p: Object.fromEntries(Object.entries(proc).filter(([, v]) => v !== undefined)) };
  if (other) processes.other = { command: 'sleep 1' };
  const result = loadProject({ 'sentinel.yaml': stringify({ ...rest, processes }), 'vars.env': 'FROM_FILE=1\n' });
  expect(result.messages).toEqual([]);
  const spec = toProcessSpec(result.config!, 'p', { cwd: result.baseDir, baseEnv: { PATH: '/usr/bin:/bin', HOME: '/root' } });
  // each project lives in its own temp dir: compare specs with that dir taken out
  return JSON.stringify(spec).split(result.baseDir).join('<project>');
}

describe('every process key of the schema has an effect', () => {
  const processSchema = (buildJsonSchema().properties as Record<string, Schema>).processes.additionalProperties as Schema;
  const paths = keyPaths(processSchema);

  it('the walk finds the keys (sanity) and every sample names a real key', () => {
    expect(paths.length).toBeGreaterThan(50);
    expect(Object.keys(SAMPLES).filter((k) => !paths.includes(k))).toEqual([]);
  });

  it.each(paths)('%s changes the spec', (key) => {
    const sample = SAMPLES[key];
    expect(sample, `key "${key}" is accepted by the schema but has no sample proving its effect`).toBeDefined();
    const without = specOf(BASE, sample.top);
    const withKey = specOf({ ...BASE, ...sample.proc }, sample.top);
    expect(withKey).not.toBe(without);
  });
});
