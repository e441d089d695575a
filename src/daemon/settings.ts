// The daemon's own settings: SENTINEL_HOME/daemon.yaml (optional). Faces that are off by default (the TCP
// API, metrics file export) are turned on here, or by `sentinel daemon start --listen ADDR`.
// A bad file stops the daemon's start with a clear reason: nothing in it is silently ignored.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import { SentinelError } from '../core/errors.js';
import { SettingsDuration } from '../config/schema-primitives.js';
import { pluginsSetting } from '../plugins/settings.js';
import { hostsSetting } from '../hosts/settings.js';

const listenAddress = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be HOST:PORT, e.g. "127.0.0.1:9797" or "[::1]:9797"')
  .refine((s) => {
    const port = Number(s.slice(s.lastIndexOf(':') + 1));
    return port >= 0 && port <= 65535;
  }, 'the port must be 0..65535');

const duration = SettingsDuration;

export const daemonSettingsSchema = z
  .object({
    api: z
      .object({
        /** HOST:PORT of the TCP listener; absent = no TCP listener (the Unix socket only). */
        listen: listenAddress.optional(),
        tls: z.object({ cert: z.string().min(1), key: z.string().min(1) }).strict().optional(),
        /** Origins allowed to call the API from a browser page served elsewhere; none by default. */
        cors: z.array(z.string().url()).default([]),
        /** Failed logins (wrong, expired or revoked tokens) allowed per client address within `window`; then 429. */
        authFailures: z
          .object({ max: z.number().int().min(1).max(1_000_000).default(10), window: duration.default(60_000) })
          .strict()
          .default({ max: 10, window: 60_000 }),
      })
      .strict()
      .default({ cors: [], authFailures: { max: 10, window: 60_000 } }),
    metrics: z
      .object({
        /** A file for node_exporter's textfile collector, rewritten atomically every `interval`. */
        file: z.string().min(1).optional(),
        interval: duration.default(15_000),
        /** How long the in-memory history (charts, trends) reaches back, and its step. */
        history: duration.default(3_600_000),
        step: duration.default(5_000),
      })
      .strict()
      .default({ interval: 15_000, history: 3_600_000, step: 5_000 }),
    /** Notifiers, health checks and other hooks the daemon loads (src/plugins/); processes name them. */
    plugins: pluginsSetting,
    /** Other hosts whose processes monit --hosts and the dashboard show next to this one's (src/hosts/). */
    hosts: hostsSetting,
  })
  .strict();

/** A plugin module given as a path rather than a package name ("@scope/name" is a package). */
function looksLikePath(module: string): boolean {
  return module.startsWith('.') || module.startsWith('/') || (!module.startsWith('@') && module.includes('/'));
}

export type DaemonSettings = z.output<typeof daemonSettingsSchema>;

export function settingsFile(home: string): string {
  return path.join(home, 'daemon.yaml');
}

/** Reads SENTINEL_HOME/daemon.yaml (absent = defaults); `overrides` (from the command line) win. */
export async function loadDaemonSettings(home: string, overrides: { listen?: string } = {}): Promise<DaemonSettings> {
  const file = settingsFile(home);
  let raw: unknown = {};
  if (existsSync(file)) {
    // the YAML parser (120 KB of the bundle) is loaded only when there is a file: most daemons have none
    const { parseYaml } = await import('../config/yaml-text.js');
    try {
      raw = parseYaml(readFileSync(file, 'utf8')) ?? {};
    } catch (err) {
      throw new SentinelError('INVALID_CONFIG', `${file} is not valid YAML: ${(err as Error).message}`);
    }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SentinelError('INVALID_CONFIG', `${file} must be a mapping, e.g. "api: {listen: 127.0.0.1:9797}"`);
  }
  const merged = overrides.listen ? { ...raw, api: { ...((raw as { api?: object }).api ?? {}), listen: overrides.listen } } : raw;
  const parsed = daemonSettingsSchema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ');
    throw new SentinelError('INVALID_CONFIG', `${file}${overrides.listen ? ' (with --listen)' : ''} is not valid: ${problems}`);
  }
  const s = parsed.data;
  for (const p of [s.api.tls?.cert, s.api.tls?.key, s.metrics.file, ...s.plugins.flatMap((pl) => [pl.cwd, pl.module !== undefined && looksLikePath(pl.module) ? pl.module : undefined]), ...s.hosts.flatMap((h) => [h.token_file, h.ca_file])]) {
    if (p !== undefined && !path.isAbsolute(p)) {
      throw new SentinelError('INVALID_CONFIG', `${file}: path ${JSON.stringify(p)} must be absolute`);
    }
  }
  for (const h of s.hosts) {
    for (const [key, p] of [['token_file', h.token_file], ['ca_file', h.ca_file]] as const) {
      if (p !== undefined && !existsSync(p)) throw new SentinelError('INVALID_CONFIG', `${file}: hosts "${h.name}": ${key} ${p} does not exist; create it (or fix the path)`);
    }
  }
  return s;
}
