// Processes as one Compose file (`sentinel export compose`): a service per process with its command,
// environment, port, healthcheck (from health, else startup), depends_on with its condition, restart,
// stop signal and grace period, deploy.replicas and deploy.resources.limits. `${secret:NAME}` becomes
// `${NAME:?…}`, read from the environment or .env when compose runs: a reference, never a value.
// `sentinel import` reads the file back to an equivalent sentinel.yaml (see the round-trip test).
import { stringify } from 'yaml';
import type { ProcessSpec } from '../core/spec.js';
import {
  argvOf, commonWarnings, durationText, envOf, imageFor, livenessCheck, readinessCheck, secretsOf,
  type Check, type EngineInput, type EngineOutput, type EnvEntry,
} from './engine-common.js';

const CONDITIONS = { started: 'service_started', ready: 'service_healthy', healthy: 'service_healthy', completed_successfully: 'service_completed_successfully' } as const;

/** Compose interpolates $VAR and ${VAR} in values: a literal "$" is written "$$". */
function cEscape(text: string): string {
  return text.replace(/\$/g, '$$$$');
}

function composeVar(secret: string): string {
  return secret.replace(/[^A-Za-z0-9_]/g, '_');
}

function envMap(env: EnvEntry[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env) {
    out[e.name] = e.parts.map((p) => ('text' in p ? cEscape(p.text) : `\${${composeVar(p.secret)}:?set the secret ${p.secret}}`)).join('');
  }
  return out;
}

/** A healthcheck test: exec as it is; http and tcp through tools the image must have (said in a warning). */
function testOf(check: Check, spec: ProcessSpec, warnings: string[]): string[] {
  if (check.kind === 'exec') return ['CMD-SHELL', check.command];
  if (check.kind === 'http') {
    warnings.push(`${spec.name}: its http check runs "curl" inside the container: the image must have it`);
    return ['CMD-SHELL', `curl -fsS -o /dev/null ${JSON.stringify(check.url.replace(/\/\/(127\.0\.0\.1|0\.0\.0\.0)/, '//localhost'))}`];
  }
  warnings.push(`${spec.name}: its tcp check runs "nc" inside the container: the image must have it`);
  return ['CMD-SHELL', `nc -z ${check.host ?? 'localhost'} ${check.port}`];
}

function healthcheckOf(spec: ProcessSpec, warnings: string[]): Record<string, unknown> | null {
  const l = spec.liveness;
  if (l) {
    const check = livenessCheck(l, spec);
    if (!check || (check.kind !== 'exec' && check.port === null)) {
      warnings.push(`${spec.name}: health not carried: its target ${JSON.stringify(l.target)} has no port known yet`);
      return null;
    }
    if (l.action !== 'notify') warnings.push(`${spec.name}: health.action: restart not carried: compose marks the container unhealthy but does not restart it`);
    if ((l.successThreshold ?? 1) > 1) warnings.push(`${spec.name}: health.success_threshold not carried: one success makes a compose service healthy`);
    if (l.send) warnings.push(`${spec.name}: health.send not carried`);
    if (readinessCheck(spec, [], 'Compose')) warnings.push(`${spec.name}: startup not carried: compose has one healthcheck, made from health`);
    return {
      test: testOf(check, spec, warnings),
      ...(l.intervalMs !== undefined ? { interval: durationText(l.intervalMs) } : {}),
      ...(l.timeoutMs !== undefined ? { timeout: durationText(l.timeoutMs) } : {}),
      ...(l.failureThreshold !== undefined ? { retries: l.failureThreshold } : {}),
      ...(l.initialDelayMs !== undefined ? { start_period: durationText(l.initialDelayMs) } : {}),
    };
  }
  const ready = readinessCheck(spec, warnings, 'Compose');
  if (!ready) return null;
  if (ready.kind !== 'exec' && ready.port === null) {
    warnings.push(`${spec.name}: startup not carried: its port is not known yet`);
    return null;
  }
  const check: Record<string, unknown> = { test: testOf(ready, spec, warnings), interval: '2s' };
  if (spec.readiness?.timeoutMs !== undefined) check.retries = Math.max(1, Math.ceil(spec.readiness.timeoutMs / 2000));
  return check;
}

function restartOf(spec: ProcessSpec, warnings: string[]): string {
  const r = spec.restart;
  if (r.mode === 'never') return 'no';
  if (r.mode === 'always') {
    if (r.maxRestarts > 0) warnings.push(`${spec.name}: restart.max_restarts not carried with restart: always (compose counts retries only for on-failure)`);
    return 'always';
  }
  if (r.windowMs > 0) warnings.push(`${spec.name}: restart.window not carried: compose counts on-failure retries without a window`);
  return r.maxRestarts > 0 ? `on-failure:${r.maxRestarts}` : 'on-failure';
}

function serviceOf(spec: ProcessSpec, input: EngineInput, healthy: Map<string, boolean>, warnings: string[]): { service: Record<string, unknown>; secrets: string[] } {
  const env = envOf(spec, input, warnings);
  const svc: Record<string, unknown> = { image: imageFor(spec, input, warnings) };
  const argv = argvOf(spec).map(cEscape);
  // a shell line keeps its shell as the entrypoint, so `import` gives back the same shell command
  if (spec.shell) {
    svc.entrypoint = argv.slice(0, 2);
    svc.command = argv.slice(2);
  } else {
    svc.entrypoint = argv.slice(0, 1);
    if (argv.length > 1) svc.command = argv.slice(1);
  }
  svc.working_dir = spec.cwd;
  const vars = envMap(env);
  if (Object.keys(vars).length) svc.environment = vars;
  if (spec.port !== null) svc.ports = [`${spec.port}:${spec.port}`];
  else if (spec.source.portAuto) warnings.push(`${spec.name}: port: auto has no number until the daemon starts the process; not published`);
  const check = healthcheckOf(spec, warnings);
  if (check) svc.healthcheck = check;
  const deps: Record<string, { condition: string }> = {};
  for (const [dep, condition] of Object.entries(spec.source.dependsOn).sort()) {
    deps[dep] = { condition: CONDITIONS[condition] };
    if (CONDITIONS[condition] === 'service_healthy' && !healthy.get(dep)) {
      warnings.push(`${spec.name}: depends_on ${dep} (${condition}) needs a healthcheck on ${dep}, which has no usable health or startup check; compose will refuse it — add one`);
    }
    if (condition === 'ready') warnings.push(`${spec.name}: depends_on ${dep} (ready) becomes service_healthy: compose waits for ${dep}'s healthcheck`);
  }
  if (Object.keys(deps).length) svc.depends_on = deps;
  svc.restart = restartOf(spec, warnings);
  if (spec.stopSignal !== 'SIGTERM') svc.stop_signal = spec.stopSignal;
  svc.stop_grace_period = durationText(spec.stopTimeoutMs);
  if (spec.identity.user !== null) {
    svc.user = spec.identity.group !== null ? `${spec.identity.user}:${spec.identity.group}` : spec.identity.user;
    if (!/^\d+$/.test(spec.identity.user)) warnings.push(`${spec.name}: user "${spec.identity.user}" must exist inside the image`);
  }
  // autostart: false → a profile, started only when asked (`docker compose --profile manual up`)
  if (!spec.source.autostart) svc.profiles = ['manual'];
  const deploy: Record<string, unknown> = {};
  if (spec.instances > 1) {
    deploy.replicas = spec.instances;
    if (spec.port !== null) warnings.push(`${spec.name}: ${spec.instances} instances share the published port ${spec.port}: compose cannot publish one host port for several replicas; remove "ports" or put a proxy in front`);
  }
  const limits: Record<string, unknown> = {};
  if (spec.limits.maxMemoryBytes !== null) {
    limits.memory = `${spec.limits.maxMemoryBytes}b`;
    warnings.push(`${spec.name}: max_memory becomes deploy.resources.limits.memory: the container is killed at that size (Sentinel restarts it when it stays above)`);
  }
  if (spec.limits.maxCpu) {
    limits.cpus = String(spec.limits.maxCpu.percent / 100);
    warnings.push(`${spec.name}: max_cpu becomes deploy.resources.limits.cpus: the container is throttled instead of restarted`);
  }
  if (Object.keys(limits).length) deploy.resources = { limits };
  if (Object.keys(deploy).length) svc.deploy = deploy;
  if (spec.group) svc.labels = { 'sentinel.group': spec.group };
  commonWarnings(spec, 'Compose', warnings);
  return { service: svc, secrets: secretsOf(env) };
}

export function exportCompose(input: EngineInput): EngineOutput {
  const warnings: string[] = [];
  const healthy = new Map(input.specs.map((s) => [s.name, healthcheckOf(s, []) !== null]));
  const services: Record<string, unknown> = {};
  const secrets = new Set<string>();
  for (const spec of input.specs) {
    const made = serviceOf(spec, input, healthy, warnings);
    services[spec.name] = made.service;
    made.secrets.forEach((x) => secrets.add(x));
  }
  for (const s of input.schedules) {
    warnings.push(`schedules.${s.name} not carried: compose has no scheduler (run it from the host's cron, or keep Sentinel for it)`);
  }
  if (secrets.size) {
    const keys = [...secrets].sort();
    warnings.push(`secrets are referenced, never written: set ${keys.map(composeVar).join(', ')} in the environment or an .env file next to compose.yaml before "docker compose up"`);
  }
  const content = `# Generated by "sentinel export compose".\n${stringify({ services }, { lineWidth: 0, aliasDuplicateObjects: false })}`;
  return { files: [{ process: null, file: 'compose.yaml', content }], warnings };
}
