// Processes as Nomad jobs (`sentinel export nomad`), in Nomad's JSON job format (`nomad job run -json FILE`):
// a service job per process (a group with `count` from instances, the docker driver, a restart block from
// the restart policy, an update block from min_uptime and the startup timeout, a service with checks from
// startup/health, check_restart for a health check that restarts), and a periodic batch job per schedule.
// `${secret:NAME}` becomes a template reading the Nomad Variable at nomad/jobs/JOB: a reference, never a value.
// Durations are nanoseconds, as the JSON format wants.
import type { ProcessSpec } from '../core/spec.js';
import {
  argvOf, commonWarnings, cronOf, envOf, imageFor, livenessCheck, readinessCheck, scheduleArgv, scheduleAsSpec, scheduleWarnings, secretsOf,
  type Check, type EngineInput, type EngineOutput, type EnvEntry, type ExportSchedule,
} from './engine-common.js';

const NS = 1_000_000;

/** Nomad interpolates ${...} in env values and driver config: a literal "${" is written "$${". */
function nEscape(text: string): string {
  return text.replace(/\$\{/g, '$$${');
}

/** Nomad names: letters, digits, "-" and "_" (a job ID may not hold spaces or "/"). */
export function nomadName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]+/g, '-');
}

function varRef(secret: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(secret) ? `{{ .${secret} }}` : `{{ index . ${JSON.stringify(secret)} }}`;
}

/** Plain variables in Env; those holding a secret rendered by a template from the job's Nomad Variable. */
function envAndTemplates(env: EnvEntry[], job: string): { env: Record<string, string>; templates: Record<string, unknown>[] } {
  const plain: Record<string, string> = {};
  const secretLines: string[] = [];
  for (const e of env) {
    if (e.parts.every((p) => 'text' in p)) plain[e.name] = nEscape(e.parts.map((p) => ('text' in p ? p.text : '')).join(''));
    else secretLines.push(`${e.name}=${e.parts.map((p) => ('text' in p ? p.text.replace(/\{\{/g, '{{"{{"}}') : varRef(p.secret))).join('')}`);
  }
  const templates = secretLines.length
    ? [{ EmbeddedTmpl: `{{ with nomadVar "nomad/jobs/${job}" }}\n${secretLines.join('\n')}\n{{ end }}\n`, DestPath: 'secrets/sentinel.env', Envvars: true, ChangeMode: 'restart' }]
    : [];
  return { env: plain, templates };
}

function checkOf(check: Check, name: string): Record<string, unknown> | null {
  if (check.kind === 'http') return { Name: name, Type: 'http', Path: check.path, Protocol: check.scheme.toLowerCase(), PortLabel: 'main' };
  if (check.kind === 'tcp') return { Name: name, Type: 'tcp', PortLabel: 'main' };
  return null;
}

function restartPolicy(spec: ProcessSpec, warnings: string[]): Record<string, unknown> {
  const r = spec.restart;
  if (r.mode === 'on-failure') warnings.push(`${spec.name}: restart: on-failure not carried exactly: a Nomad service task is restarted after any exit, 0 included`);
  if (r.mode === 'never') return { Attempts: 0, Mode: 'fail' };
  // max_restarts within window; 0 = unlimited: many attempts with delay mode (Nomad waits out the interval)
  const attempts = r.maxRestarts > 0 ? r.maxRestarts : 1000;
  const intervalMs = r.windowMs > 0 ? r.windowMs : 600_000;
  if (r.maxRestarts > 0 && r.windowMs === 0) warnings.push(`${spec.name}: restart.window 0 (since the last stable run) not carried: Nomad counts attempts in a fixed interval, 10m here`);
  return { Attempts: attempts, Interval: intervalMs * NS, Delay: Math.max(r.delayMs, 1) * NS, Mode: r.maxRestarts > 0 ? 'fail' : 'delay' };
}

function taskOf(spec: ProcessSpec, input: EngineInput, job: string, warnings: string[]): { task: Record<string, unknown>; secrets: string[] } {
  const env = envOf(spec, input, warnings);
  const { env: plain, templates } = envAndTemplates(env, job);
  const argv = argvOf(spec).map(nEscape);
  const config: Record<string, unknown> = { image: imageFor(spec, input, warnings), command: argv[0], work_dir: spec.cwd };
  if (argv.length > 1) config.args = argv.slice(1);
  if (spec.port !== null) config.ports = ['main'];
  const task: Record<string, unknown> = { Name: nomadName(spec.name), Driver: 'docker', Config: config };
  if (Object.keys(plain).length) task.Env = plain;
  if (templates.length) task.Templates = templates;
  task.KillSignal = spec.stopSignal;
  task.KillTimeout = spec.stopTimeoutMs * NS;
  if (spec.identity.user !== null) task.User = spec.identity.group !== null ? `${spec.identity.user}:${spec.identity.group}` : spec.identity.user;
  const resources: Record<string, unknown> = {};
  if (spec.limits.maxMemoryBytes !== null) {
    resources.MemoryMB = Math.max(10, Math.ceil(spec.limits.maxMemoryBytes / (1024 * 1024)));
    warnings.push(`${spec.name}: max_memory becomes the task's memory (MiB): Nomad kills the task above it (Sentinel restarts it when it stays above)`);
  }
  if (spec.limits.maxCpu) {
    resources.Cores = Math.max(1, Math.ceil(spec.limits.maxCpu.percent / 100));
    warnings.push(`${spec.name}: max_cpu becomes ${String(resources.Cores)} reserved core(s): Nomad does not restart a task for its CPU use`);
  }
  if (Object.keys(resources).length) task.Resources = resources;
  return { task, secrets: secretsOf(env) };
}

function serviceOf(spec: ProcessSpec, warnings: string[]): { service: Record<string, unknown> | null; hasChecks: boolean } {
  const checks: Record<string, unknown>[] = [];
  const ready = readinessCheck(spec, warnings, 'Nomad');
  if (ready) {
    const c = checkOf(ready, 'ready');
    if (c && spec.port !== null) checks.push({ ...c, Interval: 2000 * NS, Timeout: 2000 * NS });
    else warnings.push(`${spec.name}: startup not carried: Nomad service checks are http or tcp on the task's port${ready.kind === 'exec' ? ' (not a command)' : ''}`);
  }
  const l = spec.liveness;
  if (l) {
    const check = livenessCheck(l, spec);
    const c = check && spec.port !== null ? checkOf(check, 'health') : null;
    if (!c) warnings.push(`${spec.name}: health not carried: Nomad service checks are http or tcp on the task's port${check?.kind === 'exec' ? ' (not a command)' : ''}`);
    else {
      checks.push({
        ...c,
        Interval: (l.intervalMs ?? 10_000) * NS,
        Timeout: (l.timeoutMs ?? 5000) * NS,
        ...(l.action !== 'notify' ? { CheckRestart: { Limit: l.failureThreshold ?? 3, Grace: (l.initialDelayMs ?? 0) * NS } } : {}),
      });
      if ((l.successThreshold ?? 1) > 1) warnings.push(`${spec.name}: health.success_threshold not carried`);
      if (l.send) warnings.push(`${spec.name}: health.send not carried: a Nomad tcp check only connects`);
      if (check?.kind === 'http' && l.expectStatus !== undefined) warnings.push(`${spec.name}: health.http expect_status not carried: Nomad counts any 2xx as passing`);
    }
  }
  if (spec.port === null) return { service: null, hasChecks: false };
  return { service: { Name: nomadName(spec.name), PortLabel: 'main', Provider: 'nomad', ...(checks.length ? { Checks: checks } : {}) }, hasChecks: checks.length > 0 };
}

function jobOf(spec: ProcessSpec, input: EngineInput, warnings: string[]): { job: Record<string, unknown>; secrets: string[] } {
  const id = nomadName(spec.name);
  if (id !== spec.name) warnings.push(`process "${spec.name}" is the job "${id}" in Nomad (letters, digits, "-" and "_")`);
  const { task, secrets } = taskOf(spec, input, id, warnings);
  const { service, hasChecks } = serviceOf(spec, warnings);
  for (const [dep, condition] of Object.entries(spec.source.dependsOn).sort()) {
    warnings.push(`${spec.name}: depends_on ${dep} (${condition}) not carried: Nomad orders tasks only inside one job's group; start ${nomadName(dep)} first, or have the task wait for it`);
  }
  if (spec.source.portAuto && spec.port === null) warnings.push(`${spec.name}: port: auto has no number until the daemon starts the process; no port or service (export from the running daemon, or set a number)`);
  commonWarnings(spec, 'Nomad', warnings);
  if (!spec.source.autostart) warnings.push(`${spec.name}: autostart: false becomes count 0 (scale it up to start it)`);
  const group: Record<string, unknown> = {
    Name: id,
    Count: spec.source.autostart ? spec.instances : 0,
    RestartPolicy: restartPolicy(spec, warnings),
    // a new version counts as healthy once it has stayed up min_uptime; it has the startup timeout to get there
    Update: {
      MaxParallel: 1,
      HealthCheck: hasChecks ? 'checks' : 'task_states',
      MinHealthyTime: spec.restart.minUptimeMs * NS,
      HealthyDeadline: Math.max(spec.readiness?.timeoutMs ?? 300_000, spec.restart.minUptimeMs + 1000) * NS,
      AutoRevert: false,
    },
    Tasks: [task],
  };
  if (spec.port !== null) group.Networks = [{ ReservedPorts: [{ Label: 'main', Value: spec.port, To: spec.port }] }];
  if (service) group.Services = [service];
  const meta: Record<string, string> = { 'sentinel-process': spec.name };
  if (spec.group) meta['sentinel-group'] = spec.group;
  return { job: { ID: id, Name: id, Type: 'service', Datacenters: ['*'], Meta: meta, TaskGroups: [group] }, secrets };
}

function periodicJobOf(s: ExportSchedule, input: EngineInput, warnings: string[]): { job: Record<string, unknown>; secrets: string[] } | null {
  const when = cronOf(s, 'Nomad', warnings);
  if (!when) return null;
  const run = scheduleArgv(s, input.specs);
  if (!run) {
    warnings.push(`schedules.${s.name}: its process "${s.process}" is not exported; not exported`);
    return null;
  }
  scheduleWarnings(s, 'Nomad', warnings);
  if (s.missed === 'skip') warnings.push(`schedules.${s.name}: missed: skip is Nomad's own behaviour (no catch-up run)`);
  if (s.missed === 'run-once') warnings.push(`schedules.${s.name}: missed: run-once not carried: Nomad does not make up a run missed while it was down`);
  const id = nomadName(s.name);
  let task: Record<string, unknown>;
  let secrets: string[] = [];
  if (run.spec) {
    const made = taskOf(run.spec, input, id, warnings);
    task = { ...made.task, Name: id };
    delete (task.Config as Record<string, unknown>).ports;
    secrets = made.secrets;
  } else {
    const argv = run.argv.map(nEscape);
    const config: Record<string, unknown> = { image: imageFor(scheduleAsSpec(s, run.argv), input, warnings), command: argv[0], work_dir: s.cwd };
    if (argv.length > 1) config.args = argv.slice(1);
    task = { Name: id, Driver: 'docker', Config: config };
    const env = Object.fromEntries(Object.entries(s.env ?? {}).filter(([k]) => !k.startsWith('SENTINEL_')).map(([k, v]) => [k, nEscape(v)]));
    if (Object.keys(env).length) task.Env = env;
  }
  const group: Record<string, unknown> = {
    Name: id,
    Count: 1,
    // retries: attempts of the task within the run
    RestartPolicy: { Attempts: s.retries, Interval: 24 * 3600 * 1000 * NS, Delay: 1000 * NS, Mode: 'fail' },
    ReschedulePolicy: { Attempts: 0, Unlimited: false },
    Tasks: [task],
  };
  if (s.maxRuntimeMs !== null) warnings.push(`schedules.${s.name}: max_runtime not carried: a Nomad batch task has no run-time limit (add a timeout to the command)`);
  const job: Record<string, unknown> = {
    ID: id, Name: id, Type: 'batch', Datacenters: ['*'],
    Periodic: { Enabled: s.enabled, Spec: when.cron, SpecType: 'cron', ProhibitOverlap: s.overlap !== 'allow', ...(when.tz ? { TimeZone: when.tz } : {}) },
    Meta: { 'sentinel-schedule': s.name },
    TaskGroups: [group],
  };
  return { job, secrets };
}

export function exportNomad(input: EngineInput): EngineOutput {
  const warnings: string[] = [];
  const files = [];
  const secretJobs: string[] = [];
  for (const spec of input.specs) {
    const made = jobOf(spec, input, warnings);
    if (made.secrets.length) secretJobs.push(`nomad/jobs/${String(made.job.ID)} (${made.secrets.join(', ')})`);
    files.push({ process: spec.name, file: `${String(made.job.ID)}.nomad.json`, content: `${JSON.stringify({ Job: made.job }, null, 2)}\n` });
  }
  for (const s of input.schedules) {
    const made = periodicJobOf(s, input, warnings);
    if (!made) continue;
    if (made.secrets.length) secretJobs.push(`nomad/jobs/${String(made.job.ID)} (${made.secrets.join(', ')})`);
    files.push({ process: s.name, file: `${String(made.job.ID)}.periodic.nomad.json`, content: `${JSON.stringify({ Job: made.job }, null, 2)}\n` });
  }
  if (secretJobs.length) warnings.push(`secrets are referenced, never written: put them in the Nomad Variables ${secretJobs.join('; ')} (nomad var put nomad/jobs/JOB NAME=...)`);
  return { files, warnings };
}
