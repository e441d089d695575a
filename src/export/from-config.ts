// The export input from a config file: the same pipeline `config validate` uses (read, overlay, interpolate,
// validate, normalize), with nothing inherited from any environment and secrets kept as references.
import path from 'node:path';
import { parseDuration } from '../core/duration.js';
import type { ProcessSpec } from '../core/spec.js';
import type { ConfigFormat } from '../config/read.js';
import type { ScheduleConfigT } from '../config/schema.js';
import type { ExportSchedule } from './engine-common.js';

export function scheduleFromConfig(name: string, s: ScheduleConfigT, baseDir: string): ExportSchedule {
  const ms = (v: string | number | undefined) => (v === undefined ? null : parseDuration(v));
  const trigger = s.cron !== undefined ? { cron: s.cron, tz: s.tz ?? null } : s.every !== undefined ? { everyMs: parseDuration(s.every) } : { at: s.at as string };
  return {
    name, trigger,
    argv: Array.isArray(s.command) ? s.command : null,
    shell: typeof s.command === 'string' ? s.command : null,
    process: s.process ?? null,
    cwd: path.resolve(baseDir, s.cwd ?? '.'),
    env: Object.fromEntries(Object.entries(s.env ?? {}).map(([k, v]) => [k, String(v)])),
    overlap: s.overlap ?? 'skip', missed: s.missed ?? 'run-once', maxRuntimeMs: ms(s.max_runtime), retries: s.retries ?? 0,
    jitterMs: ms(s.jitter) ?? 0, enabled: s.enabled ?? true,
  };
}

export interface FileOptions {
  format?: ConfigFormat;
  environment?: string;
  /** for ${VAR} values */
  env?: Record<string, string>;
}

export async function exportSourceFromFile(file: string, options: FileOptions = {}): Promise<{ specs: ProcessSpec[]; schedules: ExportSchedule[] }> {
  const { loadProcessSpecs } = await import('../config/load.js');
  const { specs, result } = loadProcessSpecs(file, {
    format: options.format, environment: options.environment, env: options.env ?? {}, baseEnv: {}, resolveSecret: () => '', resolveSecretsInEnv: false,
  });
  const baseDir = path.dirname(file);
  return { specs, schedules: Object.entries(result.config.schedules ?? {}).map(([n, s]) => scheduleFromConfig(n, s, baseDir)) };
}
