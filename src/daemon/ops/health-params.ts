// Readiness, liveness, resource thresholds and notification options from run parameters, validated
// before anything starts, stored in the spec's typed sections, the same shapes the config file produces.
import { SentinelError } from '../../core/errors.js';
import { validateReadiness } from '../../health/readiness.js';
import { validateLiveness } from '../../health/liveness.js';
import { validateThresholds } from '../../health/thresholds.js';
import { parseHttpUrl } from '../../health/validate.js';
import { optDuration, type Params } from '../params.js';
import { NO_LIMITS, type ProcessSpec } from '../../core/spec.js';

const defined = (v: unknown) => v !== undefined && v !== null && v !== '';

const PORT_REF = /\$\{PORT\}|\$PORT\b/g;

/** Targets may name the process's own port as ${PORT}: validate them with a stand-in, keep them as written. */
function withPortStandIn(v: unknown): unknown {
  return typeof v === 'string' ? v.replace(PORT_REF, '65535') : v;
}

/** Replaces ${PORT} in a check target with the port the process was given. */
export function substitutePort(text: string, port: number | null): string {
  return port === null ? text : text.replace(PORT_REF, String(port));
}

export type HealthSections = Pick<ProcessSpec, 'readiness' | 'liveness' | 'limits' | 'notify'>;

export function healthSectionsFromParams(p: Params): HealthSections {
  const extra: HealthSections = { readiness: null, liveness: null, limits: { ...NO_LIMITS }, notify: { enabled: true, webhooks: [] } };
  const raw = p;
  p = Object.fromEntries(Object.entries(p).map(([k, v]) => [k, withPortStandIn(v)]));
  if (defined(p.waitPort) || defined(p.waitHttp) || defined(p.waitLog) || defined(p.waitExec)) {
    const r = validateReadiness({
      port: defined(p.waitPort) ? p.waitPort : undefined,
      http: defined(p.waitHttp) ? p.waitHttp : undefined,
      expectStatus: defined(p.expectStatus) ? p.expectStatus : undefined,
      log: defined(p.waitLog) ? p.waitLog : undefined,
      exec: defined(p.waitExec) ? p.waitExec : undefined,
    });
    extra.readiness = {
      ...(r.port !== undefined ? { waitPort: r.port } : {}),
      ...(r.port !== undefined && /PORT/.test(String(raw.waitPort)) ? { waitPort: true } : {}),
      ...(r.http ? { waitHttp: { url: String(raw.waitHttp), ...(r.http.expectStatus ? { expectStatus: r.http.expectStatus } : {}) } } : {}),
      ...(r.log !== undefined ? { waitLog: r.log } : {}),
      ...(r.exec !== undefined ? { waitExec: r.exec } : {}),
      ...(defined(p.startupTimeout) ? { timeoutMs: optDuration(p, 'startupTimeout', '--startup-timeout') } : {}),
    };
  } else if (defined(p.startupTimeout) && p.portMode === 'shared') {
    // a shared socket is a readiness condition of its own: some instance listens on it
    extra.readiness = { timeoutMs: optDuration(p, 'startupTimeout', '--startup-timeout') };
  } else if (defined(p.startupTimeout)) {
    throw new SentinelError('INVALID_ARGUMENT', '--startup-timeout: only applies with a readiness check (or --port-mode shared), as in --wait-port 8080 --startup-timeout 30s');
  }
  if (defined(p.healthHttp) || defined(p.healthTcp) || defined(p.healthExec) || defined(p.healthPlugin)) {
    const spec = validateLiveness({
      http: p.healthHttp ?? undefined, tcp: p.healthTcp ?? undefined, exec: p.healthExec ?? undefined, plugin: p.healthPlugin ?? undefined,
      interval: p.healthInterval ?? undefined, timeout: p.healthTimeout ?? undefined,
      failureThreshold: p.healthRetries ?? undefined, successThreshold: p.healthSuccessThreshold ?? undefined,
      initialDelay: p.healthInitialDelay ?? undefined, action: p.healthAction ?? undefined,
      expectStatus: p.healthExpectStatus ?? undefined, send: p.healthSend ?? undefined,
    });
    const asWritten = raw.healthHttp ?? raw.healthTcp ?? raw.healthExec;
    extra.liveness = /PORT/.test(String(asWritten)) ? { ...spec, target: String(asWritten) } : spec;
  }
  const t = validateThresholds({ maxMemory: p.maxMemory ?? undefined, maxCpu: p.maxCpu ?? undefined, for: p.cpuFor ?? undefined });
  if (t.maxMemoryBytes !== undefined) extra.limits.maxMemoryBytes = t.maxMemoryBytes;
  if (t.maxCpuPercent !== undefined) extra.limits.maxCpu = { percent: t.maxCpuPercent, ...(t.cpuForMs !== undefined ? { forMs: t.cpuForMs } : {}) };
  const hooks = p.notifyWebhooks;
  if (Array.isArray(hooks) && hooks.length > 0) {
    extra.notify.webhooks = hooks.map((u) => parseHttpUrl(String(u), '--notify-webhook').href);
  }
  const plugins = p.notifyPlugins;
  if (Array.isArray(plugins) && plugins.length > 0) extra.notify.plugins = plugins.map(String);
  return extra;
}
