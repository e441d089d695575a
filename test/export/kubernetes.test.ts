// export kubernetes: every object validated by the validators generated from the Kubernetes OpenAPI document
// (kubernetes-models), and the mapping checked setting by setting, warnings included.
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Service } from 'kubernetes-models/v1/Service';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { exportKubernetes, dnsLabel } from '../../src/export/kubernetes.js';
import { stackInput } from './engine-fixture.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const MODELS: Record<string, new (data: Obj) => { validate(): void }> = { Deployment, Service, CronJob };

async function render() {
  const out = exportKubernetes(await stackInput({ images: { web: 'registry.example/web:1.2' } }));
  const docs = out.files.flatMap((f) => parseAllDocuments(f.content).map((d) => ({ file: f.file, doc: d.toJS() as Obj })));
  return { out, docs, find: (kind: string, name: string) => docs.find((d) => d.doc.kind === kind && d.doc.metadata.name === name)?.doc };
}

describe('export kubernetes', () => {
  it('produces objects the Kubernetes OpenAPI schemas accept', async () => {
    const { docs } = await render();
    expect(docs.length).toBeGreaterThanOrEqual(8);
    for (const { file, doc } of docs) {
      const Model = MODELS[doc.kind];
      expect(Model, `${file}: ${doc.kind}`).toBeDefined();
      expect(() => new Model(doc).validate(), `${file}: ${doc.kind} ${doc.metadata.name}`).not.toThrow();
    }
  });

  it('the validator is not a rubber stamp: a wrong type or a missing field fails', () => {
    expect(() => new Deployment({ metadata: { name: 'x' }, spec: { replicas: 'two', selector: {}, template: {} } } as Obj).validate()).toThrow();
    expect(() => new CronJob({ metadata: { name: 'x' }, spec: { jobTemplate: {} } } as Obj).validate()).toThrow(/schedule/);
  });

  it('maps command, image, env, secrets, port, probes, limits, user and instances', async () => {
    const { find, out } = await render();
    const web = find('Deployment', 'web')!;
    expect(web.spec.replicas).toBe(2);
    const pod = web.spec.template.spec;
    const c = pod.containers[0];
    expect(c.image).toBe('registry.example/web:1.2');
    expect(c.command).toEqual(['node', 'server.js', '--port', '8080']);
    expect(c.ports).toEqual([{ name: 'main', containerPort: 8080, protocol: 'TCP' }]);
    const env = Object.fromEntries(c.env.map((e: Obj) => [e.name, e]));
    expect(env.DB_PASSWORD).toEqual({ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'sentinel-secrets', key: 'DB_PASSWORD' } } });
    // a secret inside a value goes through a helper variable defined before it
    expect(env.DB_URL.value).toBe('postgres://app:$(SECRET_DB_PASSWORD)@db/app');
    expect(c.env.findIndex((e: Obj) => e.name === 'SECRET_DB_PASSWORD')).toBeLessThan(c.env.findIndex((e: Obj) => e.name === 'DB_URL'));
    // "$(" that is not a reference is escaped so Kubernetes leaves it alone
    expect(env.PRICE.value).toBe('$5 $$(not a var)');
    expect(env.PORT.value).toBe('8080');
    expect(c.readinessProbe.httpGet).toEqual({ path: '/ready', port: 8080, scheme: 'HTTP' });
    expect(c.startupProbe.failureThreshold * c.startupProbe.periodSeconds).toBe(30);
    expect(c.resources).toEqual({ limits: { memory: '512Mi', cpu: '1500m' } });
    expect(c.securityContext).toEqual({ runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true });
    expect(pod.terminationGracePeriodSeconds).toBe(20);
    // depends_on db (healthy) waits on db's health URL through its Service; completed_successfully cannot be carried
    expect(pod.initContainers).toHaveLength(1);
    expect(pod.initContainers[0].command[2]).toContain('http://db:8081/');
    expect(find('Service', 'web')!.spec.ports).toEqual([{ name: 'main', port: 8080, targetPort: 8080, protocol: 'TCP' }]);
    expect(find('Service', 'migrate')).toBeUndefined();
    const db = find('Deployment', 'db')!.spec.template.spec.containers[0];
    expect(db.command).toEqual(['/bin/sh', '-c', 'python3 -m http.server 8081']);
    expect(db.image).toBe('python:3.12-slim');
    expect(db.livenessProbe).toEqual({ httpGet: { path: '/', port: 8081, scheme: 'HTTP' }, periodSeconds: 5, failureThreshold: 4 });
    expect(find('Deployment', 'worker')!.spec.replicas).toBe(0);
    // the value of a secret is never there: only its name
    expect(out.files.map((f) => f.content).join('\n')).not.toMatch(/secret:/);
  });

  it('turns schedules into CronJobs: time zone, overlap, retries, run-time limit, a process schedule', async () => {
    const { find } = await render();
    const nightly = find('CronJob', 'nightly')!;
    expect(nightly.spec).toMatchObject({ schedule: '0 3 * * *', timeZone: 'Europe/Paris', concurrencyPolicy: 'Forbid', suspend: false });
    expect(nightly.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 3600 });
    expect(nightly.spec.jobTemplate.spec.template.spec.restartPolicy).toBe('Never');
    expect(find('CronJob', 'tick')!.spec).toMatchObject({ schedule: '*/15 * * * *', concurrencyPolicy: 'Allow' });
    expect(find('CronJob', 'odd')).toBeUndefined();
    const rerun = find('CronJob', 'rerun-worker')!.spec.jobTemplate.spec.template.spec.containers[0];
    expect(rerun.command).toEqual(['python3', 'worker.py']);
  });

  it('names every setting it cannot carry', async () => {
    const { out } = await render();
    const w = out.warnings.join('\n');
    for (const expected of [
      /db: needs an image: none given, so the base image python:3.12-slim/,
      /web: startup.wait_log not carried/,
      /web: depends_on migrate \(completed_successfully\) not carried/,
      /web: stop_signal SIGINT not carried/,
      /web: max_memory becomes a memory limit/,
      /migrate: restart: never not carried/,
      /worker: user "app" not carried: Kubernetes runs as a numeric uid/,
      /worker: nice not carried/,
      /worker: autostart: false becomes replicas: 0/,
      /schedules.odd: every 7m has no exact cron form/,
      /create the Secret "sentinel-secrets" with the keys DB_PASSWORD/,
    ]) expect(w).toMatch(expected);
    expect(w).not.toMatch(/web: needs an image/);
  });

  it('makes DNS-1123 names', () => {
    expect(dnsLabel('My_App.v2')).toBe('my-app-v2');
    expect(dnsLabel('9lives')).toBe('p-9lives');
    expect(dnsLabel('x'.repeat(80))).toHaveLength(63);
  });
});
