// The one schema of sentinel.yaml: source of the TypeScript types, the validation and the JSON Schema.
import * as z from 'zod';
import { describeValue, Duration, EnvMap, Name, PortNumber, StringOrList } from './schema-primitives.js';
import { DependsOn, HardLimits, ProcessConfig, ProcessPartial } from './schema-process.js';

export { ProcessConfig, ProcessPartial } from './schema-process.js';

export const GroupConfig = z.strictObject({
  env: EnvMap.optional(),
  depends_on: DependsOn.optional(),
  processes: z.array(Name).optional().meta({ description: 'Members (same as `group:` on each process)' }),
  limits: HardLimits.optional().meta({ description: 'Hard limits shared by all members together (one cgroup holds them all)' }),
});

export const Port = z.union([PortNumber, z.literal('auto')], {
  error: (iss) => `expected a port number (1-65535) or "auto", got ${describeValue(iss.input)}`,
});

const NOTIFY_EVENTS_HELP = 'Event kinds to send (default: all)';

export const Notifications = z.strictObject({
  webhooks: z
    .array(
      z.strictObject({
        name: z.string().optional(),
        url: z.string().min(1),
        secret: z.string().optional().meta({ description: 'Signs each body: X-Sentinel-Signature: sha256=HMAC (use ${secret:NAME})' }),
        events: z.array(z.string()).optional().meta({ description: NOTIFY_EVENTS_HELP }),
        headers: z.record(z.string(), z.string()).optional(),
      }),
    )
    .optional(),
  email: z
    .strictObject({
      to: StringOrList,
      from: z.string().optional(),
      events: z.array(z.string()).optional().meta({ description: NOTIFY_EVENTS_HELP }),
      smtp: z
        .strictObject({
          host: z.string(),
          port: PortNumber.optional(),
          secure: z.boolean().optional(),
          user: z.string().optional(),
          password: z.string().optional(),
        })
        .optional(),
    })
    .optional(),
});

const scheduleFields = {
  cron: z.string().min(1).optional(),
  every: Duration.optional(),
  at: z.string().min(1).optional().meta({ description: 'A one-off time (ISO 8601)' }),
  tz: z.string().optional(),
  command: z
    .union([z.string().min(1), z.array(z.string()).min(1)], {
      error: (iss) => `expected a shell command string or a non-empty list (argv), got ${describeValue(iss.input)}`,
    })
    .optional(),
  process: Name.optional().meta({ description: 'Start this configured process instead of a command' }),
  cwd: z.string().optional(),
  env: EnvMap.optional(),
  overlap: z.enum(['skip', 'queue', 'allow']).optional(),
  missed: z.enum(['run-once', 'skip', 'run-all']).optional(),
  max_runtime: Duration.optional(),
  retries: z.number().int().min(0).optional(),
  jitter: Duration.optional(),
  enabled: z.boolean().optional(),
};

const SchedulePartial = z.strictObject(scheduleFields);

export const ScheduleConfig = SchedulePartial.check(
  z.refine((s) => [s.cron, s.every, s.at].filter((v) => v !== undefined).length === 1, {
    error: 'expected exactly one of "cron", "every" or "at"',
  }),
  z.refine((s) => (s.command === undefined) !== (s.process === undefined), {
    error: 'expected exactly one of "command" or "process"',
  }),
);

/** Overlay entries are partial (and `null` removes a key): their content is checked once merged. */
const OverlayEntries = z.record(Name, z.record(z.string(), z.unknown()));

/** An `environments.<name>` overlay: the same sections, deep-merged over the file when selected. */
export const EnvironmentOverlay = z
  .strictObject({
    processes: OverlayEntries.optional(),
    groups: OverlayEntries.optional(),
    ports: z.record(Name, z.unknown()).optional(),
    notifications: z.record(z.string(), z.unknown()).optional(),
    schedules: OverlayEntries.optional(),
    templates: OverlayEntries.optional(),
  })
  .meta({ description: 'Merged over the file with --environment NAME; values are validated after merging; null removes a key' });

export const SentinelConfigSchema = z
  .strictObject({
    $schema: z.string().optional().meta({ description: 'For editors: the JSON Schema of this file' }),
    version: z.union([z.literal(1), z.literal('1')]).optional(),
    include: z.array(z.string()).optional().meta({ description: 'Other config files, relative to this one' }),
    processes: z.record(Name, ProcessConfig).optional(),
    groups: z.record(Name, GroupConfig).optional(),
    ports: z.record(Name, Port).optional(),
    notifications: Notifications.optional(),
    schedules: z.record(Name, ScheduleConfig).optional(),
    templates: z.record(Name, ProcessPartial).optional(),
    environments: z.record(Name, EnvironmentOverlay).optional(),
  })
  .meta({ title: 'sentinel.yaml', description: 'Sentinel process supervisor configuration' });

export type SentinelConfig = z.infer<typeof SentinelConfigSchema>;
export type ProcessConfigT = z.infer<typeof ProcessConfig>;
export type ProcessPartialT = z.infer<typeof ProcessPartial>;
export type GroupConfigT = z.infer<typeof GroupConfig>;
export type ScheduleConfigT = z.infer<typeof ScheduleConfig>;
export type NotificationsConfig = z.infer<typeof Notifications>;
export type EnvironmentOverlayT = z.infer<typeof EnvironmentOverlay>;
export type DependsOnT = z.infer<typeof DependsOn>;
export type PortConfig = z.infer<typeof Port>;

/** The top-level keys, for did-you-mean suggestions and the importers. */
export const TOP_LEVEL_KEYS = Object.keys(SentinelConfigSchema.shape);
