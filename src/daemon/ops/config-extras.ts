// The parts of a config file beyond processes: `schedules:` (through the schedule operations, so a
// file and the CLI create the same thing) and `notifications:` (the global channels).
import os from 'node:os';
import path from 'node:path';
import type { OpParamsIn } from '../../contracts/index.js';
import type { Daemon } from '../context.js';
import type { SentinelConfig } from '../../config/schema.js';
import { validateEmail, validateWebhook } from '../../notify/validate.js';
import type { ChannelSet } from '../../notify/notifier.js';
import { ConfigOwnedRepo } from '../../store/config-owned.js';

type ScheduleEntry = NonNullable<SentinelConfig['schedules']>[string];

/** Parameters of `schedule.add` for one `schedules:` entry (durations as written: the units rule is the same). */
export function scheduleParams(name: string, s: ScheduleEntry, baseDir: string, env: Record<string, string>): OpParamsIn<'schedule.add'> {
  const command = s.command;
  return {
    name,
    cron: s.cron, every: s.every, at: s.at, tz: s.tz,
    ...(Array.isArray(command) ? { command: command[0], args: command.slice(1), shell: false } : { command }),
    cwd: s.cwd ? path.resolve(baseDir, s.cwd) : baseDir,
    env: { ...env, ...Object.fromEntries(Object.entries(s.env ?? {}).map(([k, v]) => [k, String(v)])) },
    overlap: s.overlap, missed: s.missed, maxRuntime: s.max_runtime, retries: s.retries, jitter: s.jitter,
    enabled: s.enabled,
  };
}

/**
 * Creates the file's schedules; `replace` also re-creates those that exist (up), else they are left as
 * they are and only schedules the file no longer has are removed (reload). Returns the names applied.
 */
export async function applySchedules(d: Daemon, file: string, config: SentinelConfig, env: Record<string, string>, replace = true): Promise<string[]> {
  const entries = Object.entries(config.schedules ?? {});
  const baseDir = path.dirname(file);
  const owned = new ConfigOwnedRepo(d.db);
  const existing = new Set((await d.call('schedule.list', {})).schedules.map((s) => s.name));
  const applied: string[] = [];
  for (const [name, s] of entries) {
    if (s.process !== undefined) {
      d.log.warn('CONFIG_SCHEDULE_SKIPPED', `${path.basename(file)}: schedules.${name}: "process:" schedules are not supported yet; use "command:"`);
      continue;
    }
    if (existing.has(name)) {
      if (!replace) continue;
      await d.call('schedule.rm', { name });
    }
    await d.call('schedule.add', scheduleParams(name, s, baseDir, env));
    owned.add(file, 'schedule', name);
    applied.push(name);
  }
  for (const name of owned.names(file, 'schedule')) {
    if (config.schedules?.[name]) continue;
    if (existing.has(name)) await d.call('schedule.rm', { name });
    owned.remove(file, 'schedule', name);
  }
  return applied;
}

/** Sets the global notification channels from the file's `notifications:` (when it has the key). */
export function applyNotifications(d: Daemon, config: SentinelConfig): boolean {
  const n = config.notifications;
  if (!n) return false;
  const e = n.email;
  const channels: ChannelSet = {
    webhooks: (n.webhooks ?? []).map((w) => ({ ...validateWebhook({ url: w.url, secret: w.secret, events: w.events }), ...(w.headers ? { headers: w.headers } : {}) })),
    emails: e
      ? [validateEmail({
          host: e.smtp?.host ?? '127.0.0.1', port: e.smtp?.port, secure: e.smtp?.secure, user: e.smtp?.user, pass: e.smtp?.password,
          from: e.from ?? `sentinel@${os.hostname()}`, to: e.to, events: e.events,
        })]
      : [],
  };
  d.health.setGlobalChannels(channels);
  return true;
}
