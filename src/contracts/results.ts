// Result shapes several operations share: a process as clients see it, exits, policies, events, logs,
// schedules and their runs. They describe what handlers return; nothing here transforms. Each is a function
// that builds its schema on the first call and then answers the same one: the daemon checks no results (only
// tests and the OpenAPI document do), so it never builds them.
import * as z from 'zod';
import { once } from './define.js';
import { STATES } from '../core/states.js';

const ms = once(() => z.number().meta({ description: 'milliseconds' }));
export const epochMs = once(() => z.number().meta({ description: 'Unix time in milliseconds' }));

export const ExitRecord = once(() => z.object({
  pid: z.number().int(),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  startedAt: epochMs(),
  endedAt: epochMs(),
  durationMs: ms(),
  stoppedByUs: z.boolean(),
  forceKilled: z.boolean(),
  timedOut: z.boolean(),
  cause: z.string().optional().meta({ description: 'Why it ended when the kernel says more than the status, e.g. "memory limit 512M reached: killed by the kernel (SIGKILL)"' }),
}));

export const ProcessState = once(() => z.enum(STATES));

export const ProcessView = once(() => z.object({
  id: z.number().int(),
  name: z.string().meta({ description: 'How the instance is addressed: "web", or "web:2" when its definition runs several' }),
  definition: z.string().meta({ description: 'The name of its definition' }),
  instance: z.number().int().min(0),
  instances: z.number().int().min(1).meta({ description: 'How many instances its definition runs' }),
  pid: z.number().int().nullable(),
  status: ProcessState(),
  cpu: z.number().nullable(),
  memory: z.number().nullable(),
  uptimeMs: ms().nullable(),
  restarts: z.number().int(),
  restart: z.enum(['never', 'on-failure', 'always']),
  group: z.string().nullable(),
  command: z.string(),
  cwd: z.string(),
  port: z.number().int().nullable().meta({ description: "The instance's port (with port mode per-instance: its definition's plus its index)" }),
  portMode: z.enum(['shared', 'per-instance', 'proxy']).nullable().meta({ description: 'shared: one socket all instances listen on; per-instance: PORT + index; proxy: a proxy on the port, instances on port + 1 + index; null: each binds PORT itself' }),
  scale: z.object({ min: z.number().int(), max: z.number().int() }).nullable().meta({ description: 'The bounds it scales on load between, null when it does not' }),
  health: z.string().nullable(),
  reason: z.string().nullable(),
  lastExit: ExitRecord().nullable(),
  nextRestartAt: epochMs().nullable(),
  stdoutLog: z.string(),
  stderrLog: z.string(),
  createdAt: epochMs(),
  watched: z.literal(true).optional().meta({ description: 'Restarted when its files change (--watch); absent when not' }),
}));

export const OneProcess = once(() => z.object({
  process: ProcessView(),
  instances: z.array(ProcessView()).optional().meta({ description: 'Every instance acted on, when the definition runs several' }),
}));

export const RestartPolicy = once(() => z.object({
  mode: z.enum(['never', 'on-failure', 'always']),
  exitCodes: z.array(z.number().int()),
  noRestartExitCodes: z.array(z.number().int()),
  maxRestarts: z.number().int(),
  windowMs: ms(),
  delayMs: ms(),
  backoff: z.enum(['fixed', 'exponential']),
  backoffMaxMs: ms(),
  jitter: z.number(),
  minUptimeMs: ms(),
}));

export const EventRecord = once(() => z.object({
  id: z.number().int(),
  time: epochMs(),
  processId: z.number().int().nullable(),
  processName: z.string().nullable(),
  kind: z.string(),
  oldState: z.string().nullable(),
  newState: z.string().nullable(),
  pid: z.number().int().nullable(),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  reason: z.string().nullable(),
  actor: z.string().nullable(),
}));

export const LogLine = once(() => z.object({
  stream: z.enum(['stdout', 'stderr']),
  line: z.string(),
  time: epochMs().optional(),
}));

export const ErrorBody = once(() => z.object({ code: z.string(), message: z.string() }));

/** The outcome of a bulk action, per process. */
export const BulkResult = once(() => z.object({
  results: z.array(z.object({ name: z.string(), ok: z.boolean(), error: ErrorBody().optional() })),
  processes: z.array(ProcessView()),
}));

export const GroupResults = once(() => z.object({
  group: z.string(),
  results: z.array(z.object({ name: z.string(), ok: z.boolean(), error: z.string().optional() })),
}));

export const GroupRecord = once(() => z.object({ name: z.string(), env: z.record(z.string(), z.string()), createdAt: epochMs() }));
export const PortRecord = once(() => z.object({
  port: z.number().int(), name: z.string(), allocatedAt: epochMs(),
  /** The process (definition) that holds the port, if any. */
  owner: z.string().nullable().optional(),
}));
export const SecretInfo = once(() => z.object({ name: z.string(), createdAt: epochMs(), updatedAt: epochMs() }));

export const Trigger = once(() => z.union([
  z.object({ cron: z.string(), tz: z.string().optional() }),
  z.object({ everyMs: ms() }),
  z.object({ at: epochMs() }),
]));

export const RunRecord = once(() => z.object({
  id: z.number().int(),
  schedule: z.string(),
  dueAt: epochMs().nullable(),
  startedAt: epochMs(),
  endedAt: epochMs().nullable(),
  durationMs: ms().nullable(),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  trigger: z.enum(['cron', 'interval', 'at', 'manual', 'retry', 'catch-up']),
  attempt: z.number().int(),
  status: z.enum(['running', 'succeeded', 'failed', 'timed-out', 'skipped', 'interrupted']),
  reason: z.string().nullable(),
  stdoutPath: z.string().nullable(),
  stderrPath: z.string().nullable(),
}));

export const ScheduleView = once(() => z.object({
  name: z.string(),
  trigger: Trigger(),
  command: z.string(),
  args: z.array(z.string()),
  shell: z.boolean(),
  cwd: z.string(),
  envKeys: z.array(z.string()),
  enabled: z.boolean(),
  overlap: z.string(),
  missed: z.string(),
  missedCap: z.number().int(),
  maxRuntimeMs: ms().nullable(),
  retries: z.number().int(),
  retryDelayMs: ms(),
  retryBackoff: z.string(),
  jitterMs: ms(),
  createdAt: epochMs(),
  nextRunAt: epochMs().nullable(),
  lastRun: RunRecord().nullable(),
  running: z.number().int(),
  queued: z.number().int(),
}));

export const Channels = once(() => z.object({
  webhooks: z.array(z.object({
    index: z.number().int(), url: z.string(), signed: z.boolean(), events: z.array(z.string()).nullable(),
    timeoutMs: ms().nullable(), retries: z.number().int().nullable(),
  })),
  emails: z.array(z.object({
    index: z.number().int(), host: z.string(), port: z.number().int().nullable(), from: z.string(), to: z.union([z.string(), z.array(z.string())]),
    auth: z.boolean(), events: z.array(z.string()).nullable(),
  })),
}));

export const DeliveryResult = once(() => z.object({
  channel: z.enum(['webhook', 'email', 'plugin']),
  target: z.string(),
  event: z.string(),
  process: z.string(),
  ok: z.boolean(),
  attempts: z.number().int(),
  status: z.number().int().optional(),
  error: z.string().optional(),
  durationMs: ms(),
}));

/** How a stack start went: what started, what failed and what waits on a failed dependency. */
export const StartOutcome = once(() => z.object({
  started: z.array(z.string()),
  failed: z.array(z.object({ name: z.string(), error: z.string() })),
  blocked: z.array(z.object({ name: z.string(), reason: z.string() })),
}));
