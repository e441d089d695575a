// The cluster keys of a process as written (config file and CLI) and as the spec holds them:
// `port_mode`, `instances: max` and `scale`. One place reads them for both faces.
import os from 'node:os';
import path from 'node:path';
import * as z from 'zod';
import { parseDuration, parseSize } from '../core/duration.js';
import { SentinelError } from '../core/errors.js';
import { SCALE_DEFAULTS, type PortMode, type ScaleSection } from '../core/spec.js';
import { describeValue, Duration, Size } from '../config/schema-primitives.js';

export const PORT_MODES = ['shared', 'per-instance', 'proxy'] as const;
/** The most instances one definition may have. */
export const MAX_INSTANCES = 1000;

export const PortModeKey = z.enum(PORT_MODES, {
  error: (iss) => `expected "shared" (one socket all instances listen on), "per-instance" (PORT + index) or "proxy" (a proxy on the port, instances on port + 1 + index), got ${describeValue(iss.input)}`,
}).meta({ description: 'shared: the daemon binds the port once and passes it to every instance (fd 3, LISTEN_FDS); per-instance: instance i gets PORT = port + i; proxy: a TCP proxy on the port, instance i on port + 1 + i' });

const Percent = z
  .union([z.number().positive().max(100_000), z.string().regex(/^\d+(\.\d+)?\s*%$/, { error: 'expected a percentage of one core like "70%"' })], {
    error: (iss) => `expected a percentage of one core like "70%" or a number, got ${describeValue(iss.input)}`,
  });

const Count = z.number().int().min(1).max(MAX_INSTANCES);

export const ScalePolicyKey = z
  .strictObject({
    command: z.string().min(1).optional().meta({ description: 'A shell command: reads the metrics as JSON on stdin, prints the wanted count' }),
    module: z.string().min(1).optional().meta({ description: 'A JS module (run by Node) whose default export takes the metrics and returns the wanted count' }),
    plugin: z.string().min(1).optional().meta({ description: 'A scaling plugin declared in daemon.yaml (plugins:) whose decide() answers the wanted count' }),
    options: z.record(z.string(), z.unknown()).optional().meta({ description: 'plugin only: passed with each decide(), over the plugin\'s own options' }),
    timeout: Duration.optional().meta({ description: 'How long an answer may take (default 5s); past it the count stays' }),
  })
  .refine((p) => [p.command, p.module, p.plugin].filter((v) => v !== undefined).length === 1, { error: 'expected exactly one of "command", "module" or "plugin"' })
  .refine((p) => p.options === undefined || p.plugin !== undefined, { path: ['options'], error: '"options" is for a plugin policy: add plugin: NAME or remove options' });

export const ScaleKey = z
  .strictObject({
    min: Count.meta({ description: 'Fewest instances' }),
    max: Count.meta({ description: 'Most instances' }),
    cpu: Percent.optional().meta({ description: 'Average CPU per instance (tree-wide) to keep under, e.g. "70%" (default when no memory or policy is set)' }),
    memory: Size.optional().meta({ description: 'Average memory per instance (tree-wide) to keep under, e.g. "400M"' }),
    up_after: Duration.optional().meta({ description: 'Above target this long before scaling out (default 30s)' }),
    down_after: Duration.optional().meta({ description: 'Below target this long before scaling in (default 5m)' }),
    cooldown: Duration.optional().meta({ description: 'No change this soon after the last one (default 1m)' }),
    policy: ScalePolicyKey.optional().meta({ description: 'A custom policy answering the wanted count (clamped to min..max)' }),
  })
  .refine((s) => s.min <= s.max, { error: (iss) => `min (${(iss.input as { min: number }).min}) is larger than max (${(iss.input as { max: number }).max}); write min ≤ max, e.g. {min: 2, max: 4}` });

export const InstancesKey = z
  .union([Count, z.literal('max')], { error: (iss) => `expected a whole number from 1 to ${MAX_INSTANCES} or "max" (one per core), got ${describeValue(iss.input)}` })
  .meta({ description: 'How many copies run (default 1); "max": one per core' });

export type ScaleKeyT = z.infer<typeof ScaleKey>;

/** One per core, as PM2's `instances: max`. */
export function coreCount(): number {
  return Math.max(1, os.availableParallelism());
}

export function instancesFrom(v: number | 'max' | undefined): number {
  return v === 'max' ? coreCount() : v ?? 1;
}

function percentOf(v: number | string): number {
  return typeof v === 'number' ? v : Number(v.replace('%', '').trim());
}

/** The spec's scale section from the written one; relative module paths start at `cwd`. */
export function scaleSection(s: ScaleKeyT | undefined, cwd: string): ScaleSection | null {
  if (!s) return null;
  const memoryBytes = s.memory !== undefined ? parseSize(s.memory) : null;
  const policy = s.policy
    ? {
        command: s.policy.command ?? null,
        module: s.policy.module !== undefined ? path.resolve(cwd, s.policy.module) : null,
        plugin: s.policy.plugin !== undefined ? { name: s.policy.plugin, options: s.policy.options ?? {} } : null,
        timeoutMs: s.policy.timeout !== undefined ? parseDuration(s.policy.timeout) : SCALE_DEFAULTS.policyTimeoutMs,
      }
    : null;
  const cpuPercent = s.cpu !== undefined ? percentOf(s.cpu) : memoryBytes === null && policy === null ? SCALE_DEFAULTS.cpuPercent : null;
  return {
    min: s.min,
    max: s.max,
    cpuPercent,
    memoryBytes,
    upAfterMs: s.up_after !== undefined ? parseDuration(s.up_after) : SCALE_DEFAULTS.upAfterMs,
    downAfterMs: s.down_after !== undefined ? parseDuration(s.down_after) : SCALE_DEFAULTS.downAfterMs,
    cooldownMs: s.cooldown !== undefined ? parseDuration(s.cooldown) : SCALE_DEFAULTS.cooldownMs,
    policy,
  };
}

/** The instance count a definition starts with: the one written, brought inside min..max. */
export function startingCount(instances: number, scale: ScaleSection | null): number {
  return scale ? Math.min(scale.max, Math.max(scale.min, instances)) : instances;
}

/** `--scale 2-4` (or `--scale 3`: min = max = 3) as the config file's min and max. */
export function parseScaleRange(text: string): { min: number; max: number } {
  const m = text.trim().match(/^(\d+)\s*(?:-\s*(\d+|max))?$/);
  const usage = 'expected MIN-MAX like "2-4" (or "2-max": up to one per core)';
  if (!m) throw new SentinelError('INVALID_ARGUMENT', `--scale ${JSON.stringify(text)}: ${usage}`);
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : m[2] === 'max' ? coreCount() : Number(m[2]);
  if (min < 1 || max > MAX_INSTANCES) throw new SentinelError('INVALID_ARGUMENT', `--scale ${text}: the count must stay from 1 to ${MAX_INSTANCES}; ${usage}`);
  if (min > max) throw new SentinelError('INVALID_ARGUMENT', `--scale ${text}: min ${min} is larger than max ${max}; ${usage}`);
  return { min, max };
}

/** Checks a port mode against the rest of the spec (a shared socket needs a port and a process on this machine). */
export function checkPortMode(mode: PortMode | null, port: number | null, container: boolean, where = 'port_mode'): void {
  if (mode === null) return;
  if (port === null) throw new SentinelError('INVALID_ARGUMENT', `${where} ${mode} needs a port: give one (port: 8080, or --port 8080)`);
  if (mode === 'shared' && container) {
    throw new SentinelError('INVALID_ARGUMENT', `${where} shared cannot pass a socket into a container; publish the container's port instead (ports:) or use per-instance`);
  }
  if (mode !== 'shared' && port + 1 > 65535) throw new SentinelError('INVALID_ARGUMENT', `${where} ${mode}: port ${port} leaves no room for a second instance; pick a lower port`);
}
