// export compose: valid against the Compose Specification's JSON Schema, mapped setting by setting, and a
// round trip export → `import` that gives back an equivalent file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import Ajv2019 from 'ajv/dist/2019.js';
import { exportCompose } from '../../src/export/compose.js';
import { importCompose } from '../../src/config/importers/compose.js';
import { exportSourceFromFile } from '../../src/export/from-config.js';
import { stackInput } from './engine-fixture.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const schema = JSON.parse(fs.readFileSync(path.resolve(path.dirname(new URL(import.meta.url).pathname), '../fixtures/schemas/compose-spec.json'), 'utf8'));
// compiled as draft 2019-09 (its "$schema" URI ends in "#", which ajv does not look up); its old-style "id"
// annotations (draft-04 ids, never referenced) are dropped: ajv refuses the keyword
delete schema.$schema;
(function dropIds(node: unknown): void {
  if (!node || typeof node !== 'object') return;
  if (!Array.isArray(node) && typeof (node as Obj).id === 'string') delete (node as Obj).id;
  Object.values(node).forEach(dropIds);
})(schema);
const ajv = new Ajv2019({ strict: false, allErrors: true });
// the spec's own formats: Go durations ("1m30s", "500ms") are checked; the others are left to the engine
ajv.addFormat('duration', /^[-+]?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
for (const loose of ['ports', 'expose', 'subnet_ip_address']) ajv.addFormat(loose, true);
const validate = ajv.compile(schema);

function check(doc: unknown): string {
  return validate(doc) ? '' : ajv.errorsText(validate.errors, { separator: '\n' });
}

describe('export compose', () => {
  it('writes one compose.yaml the compose-spec schema accepts', async () => {
    const out = exportCompose(await stackInput());
    expect(out.files.map((f) => f.file)).toEqual(['compose.yaml']);
    const doc = parse(out.files[0].content);
    expect(check(doc)).toBe('');
  });

  it('the schema is not a rubber stamp: a wrong key or type fails', () => {
    expect(check({ services: { a: { image: 'x', restart_policy: 'always' } } })).toMatch(/additional/);
    expect(check({ services: { a: { image: 'x', depends_on: { b: { condition: 'service_ready' } } } } })).not.toBe('');
    expect(check({ services: { a: { image: 'x', stop_grace_period: '10 seconds' } } })).toMatch(/duration/);
  });

  it('maps command, env, secrets, port, healthcheck, dependencies, restart, stop and deploy settings', async () => {
    const out = exportCompose(await stackInput());
    const { services } = parse(out.files[0].content) as { services: Record<string, Obj> };
    const web = services.web;
    expect(web.entrypoint).toEqual(['node']);
    expect(web.command).toEqual(['server.js', '--port', '8080']);
    expect(web.environment).toMatchObject({
      NODE_ENV: 'production', PORT: '8080', PRICE: '$$5 $$(not a var)',
      DB_PASSWORD: '${DB_PASSWORD:?set the secret DB_PASSWORD}', DB_URL: 'postgres://app:${DB_PASSWORD:?set the secret DB_PASSWORD}@db/app',
    });
    expect(web.ports).toEqual(['8080:8080']);
    expect(web.depends_on).toEqual({ db: { condition: 'service_healthy' }, migrate: { condition: 'service_completed_successfully' } });
    expect(web).toMatchObject({ restart: 'always', stop_signal: 'SIGINT', stop_grace_period: '20s', user: '1000:1000' });
    expect(web.deploy).toEqual({ replicas: 2, resources: { limits: { memory: '536870912b', cpus: '1.5' } } });
    expect(web.healthcheck.test).toEqual(['CMD-SHELL', 'curl -fsS -o /dev/null "http://localhost:8080/ready"']);
    expect(services.db.entrypoint).toEqual(['/bin/sh', '-c']);
    expect(services.db.healthcheck).toEqual({ test: ['CMD-SHELL', 'curl -fsS -o /dev/null "http://localhost:8081/"'], interval: '5s', retries: 4 });
    expect(services.migrate.restart).toBe('no');
    expect(services.worker).toMatchObject({ restart: 'on-failure:5', profiles: ['manual'], healthcheck: { test: ['CMD-SHELL', 'test -f /tmp/worker-alive'] } });
    const w = out.warnings.join('\n');
    expect(w).toMatch(/schedules.nightly not carried: compose has no scheduler/);
    expect(w).toMatch(/worker: restart.window not carried/);
    expect(w).toMatch(/web: 2 instances share the published port 8080/);
    expect(w).toMatch(/set DB_PASSWORD in the environment or an .env file/);
  });

  it('round trip: export compose, then import, gives back an equivalent file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sn-export-rt-'));
    try {
      const original = path.join(dir, 'sentinel.yaml');
      fs.writeFileSync(original, [
        'processes:',
        '  api:',
        '    argv: [node, api.js]',
        '    env: { MODE: prod, GREETING: "a $$HOME b" }',
        '    restart: always',
        '    stop_signal: SIGINT',
        '    stop_timeout: 30s',
        '    health: { exec: "curl -fs localhost:3000/health", interval: 10s, timeout: 2s, failure_threshold: 3, initial_delay: 5s }',
        '    depends_on: { cache: { condition: healthy }, setup: { condition: completed_successfully } }',
        '  cache:',
        '    command: redis-server --port 6380 --save ""',
        '    restart: on-failure',
        '    health: { exec: "redis-cli -p 6380 ping" }',
        '  setup:',
        '    command: ./setup.sh && echo done',
        '  manual:',
        '    argv: [sleep, "1000"]',
        '    autostart: false',
        '',
      ].join('\n'));
      const before = await exportSourceFromFile(original);
      const out = exportCompose({ specs: before.specs, schedules: [], hostEnv: () => false, image: 'app:1' });
      const imported = importCompose(out.files[0].content, 'compose.yaml');
      const back = path.join(dir, 'back.yaml');
      fs.writeFileSync(back, JSON.stringify(imported.config));
      const after = await exportSourceFromFile(back);
      // a shell line comes back as the argv ["/bin/sh", "-c", LINE]: what Sentinel runs for a shell line anyway
      const argv = (s: (typeof before.specs)[number]) => (s.shell ? ['/bin/sh', '-c', s.command] : [s.command, ...s.args]);
      const essence = (specs: typeof before.specs) => Object.fromEntries(specs.map((s) => [s.name, {
        argv: argv(s), cwd: s.cwd, env: s.env, restart: s.restart.mode, maxRestarts: s.restart.maxRestarts,
        stopSignal: s.stopSignal, stopTimeoutMs: s.stopTimeoutMs, liveness: s.liveness, dependsOn: s.source.dependsOn, autostart: s.source.autostart,
      }]));
      expect(essence(after.specs)).toEqual(essence(before.specs));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
