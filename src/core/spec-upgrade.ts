// Specs stored by earlier releases kept their options in an untyped `extra` bag. This turns any stored
// spec into today's typed sections on read, so an old state.db keeps every setting it had.
import {
  DEFAULT_NOTIFY, defaultSource, NO_IDENTITY, NO_LIMITS,
  type LivenessSection, type ProcessSpec, type ReadinessSection, type SourceSection,
} from './spec.js';
import { internEnv } from './env-intern.js';

type Bag = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function livenessFromExtra(h: Bag | undefined): LivenessSection | null {
  if (!h || typeof h.kind !== 'string') return null;
  const kind = h.kind as LivenessSection['kind'];
  const target = str(h.target)
    ?? (kind === 'http' ? str(h.url) : kind === 'tcp' ? (h.port !== undefined ? `${str(h.host) ?? '127.0.0.1'}:${String(h.port)}` : null) : str(h.command));
  if (target === null) return null;
  const out: LivenessSection = { kind, target };
  for (const key of ['expectStatus', 'send', 'intervalMs', 'timeoutMs', 'failureThreshold', 'successThreshold', 'initialDelayMs', 'action'] as const) {
    if (h[key] !== undefined) (out as unknown as Bag)[key] = h[key];
  }
  return out;
}

function sourceFromExtra(extra: Bag): SourceSection {
  const src = defaultSource();
  src.configFile = str(extra.configFile);
  if (extra.dependsOn && typeof extra.dependsOn === 'object') src.dependsOn = extra.dependsOn as SourceSection['dependsOn'];
  src.autostart = extra.autostart !== false;
  src.portName = str(extra.portName);
  src.portAuto = extra.port === 'auto';
  if (Array.isArray(extra.envFiles)) src.envFiles = extra.envFiles.map(String);
  if (Array.isArray(extra.secrets)) src.secrets = extra.secrets.map(String);
  if (extra.secretVersions && typeof extra.secretVersions === 'object') src.secretVersions = extra.secretVersions as Record<string, number>;
  return src;
}

/**
 * A stored spec's environment as the copy shared with every record that has the same one (src/core/env-intern.ts).
 * It is frozen: whoever needs a changed environment builds a new object (`{ ...spec.env, PORT }`).
 */
function sharedEnv(env: Record<string, string> | undefined): Record<string, string> {
  return internEnv(env ?? {}) as Record<string, string>;
}

/** Any stored spec (with `extra` or already typed) as a complete ProcessSpec. */
export function upgradeSpec(stored: Bag): ProcessSpec {
  if (!('extra' in stored)) {
    const s = stored as unknown as ProcessSpec;
    return {
      ...s,
      env: sharedEnv(s.env),
      instances: s.instances ?? 1,
      logCompress: s.logCompress ?? false,
      logTimestamps: s.logTimestamps ?? false,
      restartCron: s.restartCron ?? null,
      readiness: s.readiness ?? null,
      liveness: s.liveness ?? null,
      // specs stored before the cgroup limits existed have only the restart thresholds
      limits: { ...NO_LIMITS, ...(s.limits ?? {}) },
      identity: s.identity ?? { ...NO_IDENTITY },
      notify: s.notify ?? { ...DEFAULT_NOTIFY },
      source: { ...defaultSource(), ...(s.source ?? {}) },
      scope: s.scope ?? null,
      // specs stored before containers and Nix existed run plainly
      container: s.container ?? null,
      nix: s.nix ?? null,
      // specs stored before cluster mode: each instance binds its PORT itself, no scaling
      portMode: s.portMode ?? null,
      scale: s.scale ?? null,
      // specs stored before --watch existed watch nothing
      watch: s.watch ?? null,
    };
  }
  const { extra: rawExtra, ...rest } = stored;
  const extra = (rawExtra ?? {}) as Bag;
  const cron = str(extra.restartCron);
  const maxCpu = extra.maxCpu as { percent: number; forMs?: number } | undefined;
  const user = extra.user;
  return {
    ...(rest as unknown as ProcessSpec),
    env: sharedEnv((rest as { env?: Record<string, string> }).env),
    instances: 1,
    logCompress: extra.logCompress === true,
    logTimestamps: false,
    restartCron: cron ? { cron, tz: str(extra.restartCronTz) } : null,
    readiness: (extra.startup as ReadinessSection | undefined) ?? null,
    liveness: livenessFromExtra(extra.health as Bag | undefined),
    limits: { ...NO_LIMITS, maxMemoryBytes: num(extra.maxMemoryBytes), maxCpu: maxCpu ?? null },
    identity: { user: user === undefined || user === null ? null : String(user), group: null, nice: num(extra.nice), ionice: null },
    notify: { enabled: extra.notify !== false, webhooks: Array.isArray(extra.notifyWebhooks) ? extra.notifyWebhooks.map(String) : [] },
    source: sourceFromExtra(extra),
    scope: null,
    container: null,
    nix: null,
    portMode: null,
    scale: null,
    watch: null,
  };
}
