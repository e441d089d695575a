// export nomad: every job valid against the schema derived from Nomad's JSON job specification
// (test/fixtures/schemas/nomad-job.schema.json), cross-references checked, the mapping and warnings.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import Ajv from 'ajv';
import { exportNomad } from '../../src/export/nomad.js';
import { stackInput } from './engine-fixture.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const schema = JSON.parse(fs.readFileSync(path.resolve(path.dirname(new URL(import.meta.url).pathname), '../fixtures/schemas/nomad-job.schema.json'), 'utf8'));
const ajv = new Ajv({ allErrors: true });
const validate = ajv.compile(schema);
const check = (doc: unknown) => (validate(doc) ? '' : ajv.errorsText(validate.errors, { separator: '\n' }));
const S = 1_000_000_000;

async function render() {
  const out = exportNomad(await stackInput({ image: 'registry.example/app:7' }));
  const jobs = new Map(out.files.map((f) => [f.file, JSON.parse(f.content) as Obj]));
  return { out, jobs, job: (file: string) => jobs.get(file)!.Job as Obj };
}

describe('export nomad', () => {
  it('writes one JSON job per process and schedule, each valid against the job specification', async () => {
    const { jobs } = await render();
    expect([...jobs.keys()].sort()).toEqual([
      'db.nomad.json', 'migrate.nomad.json', 'nightly.periodic.nomad.json', 'rerun-worker.periodic.nomad.json', 'tick.periodic.nomad.json', 'web.nomad.json', 'worker.nomad.json',
    ]);
    for (const [file, doc] of jobs) {
      expect(check(doc), file).toBe('');
      // every service and check names a port label the group's network defines
      for (const group of doc.Job.TaskGroups) {
        const labels = new Set((group.Networks ?? []).flatMap((n: Obj) => (n.ReservedPorts ?? []).map((p: Obj) => p.Label)));
        for (const svc of group.Services ?? []) {
          expect(labels.has(svc.PortLabel), `${file}: service port ${svc.PortLabel}`).toBe(true);
          for (const c of svc.Checks ?? []) expect(labels.has(c.PortLabel), `${file}: check port ${c.PortLabel}`).toBe(true);
        }
        for (const task of group.Tasks) for (const p of task.Config.ports ?? []) expect(labels.has(p), `${file}: task port ${p}`).toBe(true);
      }
    }
  });

  it('the schema is not a rubber stamp: an unknown field, a wrong type or an http check without a path fails', () => {
    const base = { Job: { ID: 'a', Name: 'a', Type: 'service', TaskGroups: [{ Name: 'a', Tasks: [{ Name: 'a', Driver: 'docker', Config: { image: 'x' } }] }] } };
    expect(check(base)).toBe('');
    expect(check({ Job: { ...base.Job, Kind: 'x' } })).toMatch(/additional/);
    expect(check({ Job: { ...base.Job, TaskGroups: [{ ...base.Job.TaskGroups[0], Count: 'two' }] } })).toMatch(/integer/);
    const svc = { Name: 'a', PortLabel: 'main', Checks: [{ Type: 'http', Interval: S, Timeout: S }] };
    expect(check({ Job: { ...base.Job, TaskGroups: [{ ...base.Job.TaskGroups[0], Services: [svc] }] } })).toMatch(/Path/);
    expect(check({ Job: { ...base.Job, Type: 'service', Periodic: { Spec: '* * * * *', SpecType: 'cron' } } })).not.toBe('');
  });

  it('maps count, restart, update, port, checks, env, secrets, kill settings, user and resources', async () => {
    const { job, out } = await render();
    const web = job('web.nomad.json');
    const g = web.TaskGroups[0];
    expect(g.Count).toBe(2);
    expect(g.Networks).toEqual([{ ReservedPorts: [{ Label: 'main', Value: 8080, To: 8080 }] }]);
    expect(g.Update).toMatchObject({ MaxParallel: 1, HealthCheck: 'checks', MinHealthyTime: 1 * S, HealthyDeadline: 30 * S });
    expect(g.Services[0].Checks[0]).toMatchObject({ Name: 'ready', Type: 'http', Path: '/ready', PortLabel: 'main' });
    const t = g.Tasks[0];
    expect(t.Config).toEqual({ image: 'registry.example/app:7', command: 'node', args: ['server.js', '--port', '8080'], work_dir: path.dirname(path.resolve('test/fixtures/export/stack.yaml')), ports: ['main'] });
    expect(t.Env).toMatchObject({ NODE_ENV: 'production', PORT: '8080', PRICE: '$5 $(not a var)' });
    expect(t.Env.DB_PASSWORD).toBeUndefined();
    expect(t.Templates[0].EmbeddedTmpl).toContain('{{ with nomadVar "nomad/jobs/web" }}');
    expect(t.Templates[0].EmbeddedTmpl).toContain('DB_URL=postgres://app:{{ .DB_PASSWORD }}@db/app');
    expect(t).toMatchObject({ KillSignal: 'SIGINT', KillTimeout: 20 * S, User: '1000:1000', Resources: { MemoryMB: 512, Cores: 2 } });
    const db = job('db.nomad.json').TaskGroups[0];
    expect(db.RestartPolicy).toEqual({ Attempts: 15, Interval: 600 * S, Delay: 100_000_000, Mode: 'fail' });
    expect(db.Services[0].Checks[0]).toMatchObject({ Type: 'http', Path: '/', Interval: 5 * S, CheckRestart: { Limit: 4, Grace: 0 } });
    expect(job('migrate.nomad.json').TaskGroups[0].RestartPolicy).toEqual({ Attempts: 0, Mode: 'fail' });
    expect(job('worker.nomad.json').TaskGroups[0]).toMatchObject({ Count: 0, RestartPolicy: { Attempts: 5, Interval: 60 * S, Mode: 'fail' } });
    expect(out.files.map((f) => f.content).join('\n')).not.toMatch(/secret:/);
  });

  it('turns schedules into periodic batch jobs', async () => {
    const { job } = await render();
    const nightly = job('nightly.periodic.nomad.json');
    expect(nightly.Type).toBe('batch');
    expect(nightly.Periodic).toEqual({ Enabled: true, Spec: '0 3 * * *', SpecType: 'cron', ProhibitOverlap: true, TimeZone: 'Europe/Paris' });
    expect(nightly.TaskGroups[0].RestartPolicy.Attempts).toBe(2);
    expect(nightly.TaskGroups[0].Tasks[0].Config).toMatchObject({ command: '/bin/sh', args: ['-c', './backup.sh --all'] });
    expect(job('tick.periodic.nomad.json').Periodic).toMatchObject({ Spec: '*/15 * * * *', ProhibitOverlap: false });
    expect(job('rerun-worker.periodic.nomad.json').TaskGroups[0].Tasks[0].Config).toMatchObject({ command: 'python3', args: ['worker.py'] });
  });

  it('names every setting it cannot carry', async () => {
    const { out } = await render();
    const w = out.warnings.join('\n');
    for (const expected of [
      /web: depends_on db \(healthy\) not carried: Nomad orders tasks only inside one job's group/,
      /web: startup.wait_log not carried/,
      /worker: health not carried: Nomad service checks are http or tcp on the task's port \(not a command\)/,
      /worker: nice not carried/,
      /schedules.odd: every 7m has no exact cron form/,
      /schedules.nightly: max_runtime not carried/,
      /put them in the Nomad Variables nomad\/jobs\/web \(DB_PASSWORD\)/,
    ]) expect(w).toMatch(expected);
    expect(w).not.toMatch(/needs an image/);
  });
});
