// Processes as Kubernetes objects (`sentinel export kubernetes`): a Deployment per process (replicas from
// instances, probes from startup/health, resources from max_memory/max_cpu, securityContext from a numeric
// user), a Service when it has a port, an init container per dependency that waits for it over the network,
// and a CronJob per schedule. `${secret:NAME}` becomes a secretKeyRef into one Secret, "sentinel-secrets",
// that the user creates; no value is ever written. What Kubernetes cannot express is a warning.
import { stringify } from 'yaml';
import type { ProcessSpec } from '../core/spec.js';
import {
  argvOf, commonWarnings, cronOf, envOf, imageFor, livenessCheck, readinessCheck, scheduleArgv, scheduleAsSpec, scheduleWarnings, secs, secretsOf,
  type Check, type EngineInput, type EngineOutput, type EnvEntry, type ExportSchedule,
} from './engine-common.js';

export const SECRET_OBJECT = 'sentinel-secrets';
const WAIT_IMAGE = 'busybox:1.36';

/** A DNS-1123 label (what object names, container names and Service names must be), at most `max` long. */
export function dnsLabel(name: string, max = 63): string {
  const label = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, max).replace(/-+$/, '');
  return /^[a-z]/.test(label) ? label : `p-${label}`.slice(0, max);
}

function nameOf(raw: string, warnings: string[], max = 63, what = 'process'): string {
  const label = dnsLabel(raw, max);
  if (label !== raw) warnings.push(`${what} "${raw}" is named "${label}" in Kubernetes (names are lowercase letters, digits and "-", at most ${max} long)`);
  return label;
}

/** Kubernetes expands $(VAR) in commands and env values: a literal "$(" is written "$$(". */
function kEscape(text: string): string {
  return text.replace(/\$\(/g, '$$$$(');
}

function secretVar(secret: string): string {
  return `SECRET_${secret.replace(/[^A-Za-z0-9_]/g, '_').toUpperCase()}`;
}

/** env entries; a value with a secret inside other text goes through a helper variable and $(…). */
function k8sEnv(env: EnvEntry[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const helpers = new Set<string>();
  for (const e of env) {
    if (e.parts.length === 1 && 'secret' in e.parts[0]) {
      out.push({ name: e.name, valueFrom: { secretKeyRef: { name: SECRET_OBJECT, key: e.parts[0].secret } } });
      continue;
    }
    let value = '';
    for (const p of e.parts) {
      if ('text' in p) value += kEscape(p.text);
      else {
        const helper = secretVar(p.secret);
        if (!helpers.has(helper)) {
          helpers.add(helper);
          // defined before its use: Kubernetes expands $(VAR) only from earlier entries
          out.unshift({ name: helper, valueFrom: { secretKeyRef: { name: SECRET_OBJECT, key: p.secret } } });
        }
        value += `$(${helper})`;
      }
    }
    out.push({ name: e.name, value });
  }
  return out;
}

function probeOf(check: Check): Record<string, unknown> {
  if (check.kind === 'http') return { httpGet: { path: check.path, port: check.port, scheme: check.scheme, ...(check.host ? { host: check.host } : {}) } };
  if (check.kind === 'tcp') return { tcpSocket: { port: check.port, ...(check.host ? { host: check.host } : {}) } };
  return { exec: { command: ['/bin/sh', '-c', check.command] } };
}

function usable(check: Check | null, spec: ProcessSpec, key: string, warnings: string[]): check is Check {
  if (check === null) return false;
  if (check.kind !== 'exec' && check.port === null) {
    warnings.push(`${spec.name}: ${key} not carried: its port is not known (port: auto gets one only when the daemon starts it; export from the running daemon or set a number)`);
    return false;
  }
  return true;
}

/** Quantity text: whole MiB when it divides, else bytes. */
function memoryQuantity(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)}Mi` : String(bytes);
}

function containerOf(spec: ProcessSpec, input: EngineInput, warnings: string[], name: string): { container: Record<string, unknown>; secrets: string[] } {
  const env = envOf(spec, input, warnings);
  const container: Record<string, unknown> = {
    name,
    image: imageFor(spec, input, warnings),
    command: argvOf(spec).map(kEscape),
    workingDir: spec.cwd,
  };
  const k8s = k8sEnv(env);
  if (k8s.length) container.env = k8s;
  if (spec.port !== null) container.ports = [{ name: 'main', containerPort: spec.port, protocol: 'TCP' }];
  const ready = readinessCheck(spec, warnings, 'Kubernetes');
  if (usable(ready, spec, 'startup', warnings)) {
    container.readinessProbe = { ...probeOf(ready), periodSeconds: 2, failureThreshold: 3 };
    if (spec.readiness?.timeoutMs !== undefined) {
      // the readiness deadline: a startup probe gives up (and restarts the container) after about as long
      container.startupProbe = { ...probeOf(ready), periodSeconds: 2, failureThreshold: Math.max(1, Math.ceil(spec.readiness.timeoutMs / 2000)) };
    }
  }
  const l = spec.liveness;
  if (l) {
    const check = livenessCheck(l, spec);
    if (usable(check, spec, 'health', warnings)) {
      if (l.action === 'notify') warnings.push(`${spec.name}: health.action: notify not carried: a Kubernetes liveness probe always restarts; the check is exported as a readiness probe instead`);
      const probe = {
        ...probeOf(check),
        ...(l.intervalMs !== undefined ? { periodSeconds: secs(l.intervalMs) } : {}),
        ...(l.timeoutMs !== undefined ? { timeoutSeconds: secs(l.timeoutMs) } : {}),
        ...(l.failureThreshold !== undefined ? { failureThreshold: l.failureThreshold } : {}),
        ...(l.initialDelayMs !== undefined ? { initialDelaySeconds: secs(l.initialDelayMs, 0) } : {}),
      };
      if (l.action === 'notify') container.readinessProbe ??= probe;
      else container.livenessProbe = probe;
      if ((l.successThreshold ?? 1) > 1 && l.action !== 'notify') warnings.push(`${spec.name}: health.success_threshold not carried: Kubernetes liveness probes need 1`);
      if (check.kind === 'http' && l.expectStatus !== undefined) warnings.push(`${spec.name}: health.http expect_status not carried: Kubernetes counts any 2xx/3xx as healthy`);
    } else if (check === null) warnings.push(`${spec.name}: health.http URL ${JSON.stringify(l.target)} cannot be read; not carried`);
    if (l.send) warnings.push(`${spec.name}: health.send not carried: a Kubernetes tcp probe only connects`);
  }
  const limits: Record<string, string> = {};
  if (spec.limits.maxMemoryBytes !== null) {
    limits.memory = memoryQuantity(spec.limits.maxMemoryBytes);
    warnings.push(`${spec.name}: max_memory becomes a memory limit: Kubernetes kills the container at that size (Sentinel restarts it when it stays above)`);
  }
  if (spec.limits.maxCpu) {
    limits.cpu = `${Math.max(1, Math.round(spec.limits.maxCpu.percent * 10))}m`;
    warnings.push(`${spec.name}: max_cpu becomes a CPU limit: Kubernetes throttles the container instead of restarting it`);
  }
  if (Object.keys(limits).length) container.resources = { limits };
  const security = securityOf(spec, warnings);
  if (security) container.securityContext = security;
  if (spec.stopSignal !== 'SIGTERM') warnings.push(`${spec.name}: stop_signal ${spec.stopSignal} not carried: Kubernetes sends SIGTERM (set STOPSIGNAL in the image)`);
  return { container, secrets: secretsOf(env) };
}

function securityOf(spec: ProcessSpec, warnings: string[]): Record<string, unknown> | null {
  const { user, group } = spec.identity;
  if (user === null) return null;
  const out: Record<string, unknown> = {};
  if (/^\d+$/.test(user)) out.runAsUser = Number(user);
  else warnings.push(`${spec.name}: user "${user}" not carried: Kubernetes runs as a numeric uid (set user: to the uid the image knows)`);
  if (group !== null) {
    if (/^\d+$/.test(group)) out.runAsGroup = Number(group);
    else warnings.push(`${spec.name}: group "${group}" not carried: Kubernetes runs as a numeric gid`);
  }
  if (out.runAsUser !== undefined && out.runAsUser !== 0) out.runAsNonRoot = true;
  return Object.keys(out).length ? out : null;
}

/** One init container per dependency: it waits until the dependency answers on its Service. */
function initContainers(spec: ProcessSpec, all: ProcessSpec[], names: Map<string, string>, warnings: string[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const [dep, condition] of Object.entries(spec.source.dependsOn).sort()) {
    const target = all.find((s) => s.name === dep);
    const host = names.get(dep) ?? dnsLabel(dep);
    if (condition === 'completed_successfully') {
      warnings.push(`${spec.name}: depends_on ${dep} (completed_successfully) not carried: a Deployment cannot wait for another to finish; run ${dep} as a Job before this one`);
      continue;
    }
    if (!target || target.port === null) {
      warnings.push(`${spec.name}: depends_on ${dep} (${condition}) not carried: ${dep} has no port to wait for, so Kubernetes starts both at once`);
      continue;
    }
    // a Service sends traffic only to ready pods: "accepts a connection" means started and, with probes, ready
    let script = `until nc -z -w 2 ${host} ${target.port}; do echo "waiting for ${host}:${target.port}"; sleep 2; done`;
    const l = target.liveness;
    if (condition === 'healthy' && l?.kind === 'http') {
      const check = livenessCheck(l, target);
      if (check?.kind === 'http') script = `until wget -q -O /dev/null "http://${host}:${check.port}${check.path}"; do echo "waiting for ${host} to be healthy"; sleep 2; done`;
    }
    out.push({ name: `wait-for-${host}`.slice(0, 63).replace(/-+$/, ''), image: WAIT_IMAGE, command: ['/bin/sh', '-c', kEscape(script)] });
  }
  return out;
}

function restartWarnings(spec: ProcessSpec, warnings: string[]): void {
  const r = spec.restart;
  if (r.mode === 'never') warnings.push(`${spec.name}: restart: never not carried: a Deployment always restarts its containers (for a run-once task use a Job)`);
  if (r.mode === 'on-failure') warnings.push(`${spec.name}: restart: on-failure not carried exactly: a Deployment restarts after any exit, 0 included`);
  if (r.maxRestarts > 0 && r.mode !== 'never') warnings.push(`${spec.name}: restart.max_restarts not carried: Kubernetes keeps restarting with a back-off (CrashLoopBackOff)`);
}

function deploymentOf(spec: ProcessSpec, input: EngineInput, names: Map<string, string>, warnings: string[]): { docs: Record<string, unknown>[]; secrets: string[] } {
  const name = names.get(spec.name)!;
  const labels: Record<string, string> = { 'app.kubernetes.io/name': name };
  if (spec.group) labels['app.kubernetes.io/part-of'] = dnsLabel(spec.group);
  const { container, secrets } = containerOf(spec, input, warnings, name);
  const init = initContainers(spec, input.specs, names, warnings);
  const podSpec: Record<string, unknown> = {
    ...(init.length ? { initContainers: init } : {}),
    containers: [container],
    terminationGracePeriodSeconds: secs(spec.stopTimeoutMs, 0),
  };
  restartWarnings(spec, warnings);
  commonWarnings(spec, 'Kubernetes', warnings);
  if (!spec.source.autostart) warnings.push(`${spec.name}: autostart: false becomes replicas: 0 (scale it up to start it)`);
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: {
      replicas: spec.source.autostart ? spec.instances : 0,
      selector: { matchLabels: { 'app.kubernetes.io/name': name } },
      template: { metadata: { labels }, spec: podSpec },
    },
  };
  const docs: Record<string, unknown>[] = [deployment];
  if (spec.port !== null) {
    docs.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, labels },
      spec: { selector: { 'app.kubernetes.io/name': name }, ports: [{ name: 'main', port: spec.port, targetPort: spec.port, protocol: 'TCP' }] },
    });
  } else if (spec.source.portAuto) {
    warnings.push(`${spec.name}: port: auto has no number until the daemon starts the process; no Service (export from the running daemon, or set a number)`);
  }
  return { docs, secrets };
}

function cronJobOf(s: ExportSchedule, input: EngineInput, warnings: string[]): { doc: Record<string, unknown>; secrets: string[] } | null {
  const when = cronOf(s, 'Kubernetes', warnings);
  if (!when) return null;
  const run = scheduleArgv(s, input.specs);
  if (!run) {
    warnings.push(`schedules.${s.name}: its process "${s.process}" is not exported; not exported`);
    return null;
  }
  scheduleWarnings(s, 'Kubernetes', warnings);
  const name = nameOf(s.name, warnings, 52, 'schedule');
  let container: Record<string, unknown>;
  let secrets: string[] = [];
  if (run.spec) {
    const made = containerOf(run.spec, input, warnings, name);
    container = { name, image: made.container.image, command: made.container.command, workingDir: made.container.workingDir, ...(made.container.env ? { env: made.container.env } : {}) };
    secrets = made.secrets;
  } else {
    const image = imageFor(scheduleAsSpec(s, run.argv), input, warnings);
    const envEntries = Object.entries(s.env ?? {}).filter(([k]) => !k.startsWith('SENTINEL_')).sort(([a], [b]) => a.localeCompare(b));
    const env = k8sEnv(envEntries.map(([k, v]) => ({ name: k, parts: [{ text: v }] })));
    container = { name, image, command: run.argv.map(kEscape), workingDir: s.cwd, ...(env.length ? { env } : {}) };
  }
  const doc = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, labels: { 'app.kubernetes.io/name': name } },
    spec: {
      schedule: when.cron,
      ...(when.tz ? { timeZone: when.tz } : {}),
      concurrencyPolicy: s.overlap === 'allow' ? 'Allow' : 'Forbid',
      ...(s.missed === 'skip' ? { startingDeadlineSeconds: 60 } : {}),
      suspend: !s.enabled,
      jobTemplate: {
        spec: {
          backoffLimit: s.retries,
          ...(s.maxRuntimeMs !== null ? { activeDeadlineSeconds: secs(s.maxRuntimeMs) } : {}),
          template: { spec: { restartPolicy: 'Never', containers: [container] } },
        },
      },
    },
  };
  return { doc, secrets };
}

function yamlDocs(docs: Record<string, unknown>[], header: string): string {
  return `# ${header}\n${docs.map((d) => stringify(d, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n')}`;
}

export function exportKubernetes(input: EngineInput): EngineOutput {
  const warnings: string[] = [];
  const names = new Map(input.specs.map((s) => [s.name, nameOf(s.name, warnings)]));
  const files = [];
  const secrets = new Set<string>();
  for (const spec of input.specs) {
    const made = deploymentOf(spec, input, names, warnings);
    made.secrets.forEach((x) => secrets.add(x));
    files.push({ process: spec.name, file: `${names.get(spec.name)}.yaml`, content: yamlDocs(made.docs, `Generated by "sentinel export kubernetes" from the process ${JSON.stringify(spec.name)}.`) });
  }
  for (const s of input.schedules) {
    const made = cronJobOf(s, input, warnings);
    if (!made) continue;
    made.secrets.forEach((x) => secrets.add(x));
    files.push({ process: s.name, file: `${dnsLabel(s.name, 52)}.cronjob.yaml`, content: yamlDocs([made.doc], `Generated by "sentinel export kubernetes" from the schedule ${JSON.stringify(s.name)}.`) });
  }
  if (secrets.size) {
    const keys = [...secrets].sort();
    warnings.push(`secrets are referenced, never written: create the Secret "${SECRET_OBJECT}" with the keys ${keys.join(', ')} (kubectl create secret generic ${SECRET_OBJECT} ${keys.map((k) => `--from-literal=${k}=...`).join(' ')})`);
  }
  return { files, warnings };
}
