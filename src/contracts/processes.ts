// Process operations: create, inspect, control, delete; the bulk forms; the restart policy; events.
import * as z from 'zod';
import { defineOp } from './define.js';
import { count, DurationMs, NoParams, params, Ref } from './primitives.js';
import { PolicyFields, RestartMode } from './policy-params.js';
import { BulkResult, EventRecord, ExitRecord, OneProcess, ProcessView, RestartPolicy } from './results.js';
import { RunParams } from '../daemon/ops/run-params.js';

const noWait = z.boolean().optional().meta({ description: 'Return as soon as the process is spawned' });

export const processContracts = [
  defineOp({
    name: 'run', summary: 'Start a new managed process', kind: 'write', permission: 'admin',
    params: () => RunParams(), result: () => OneProcess(),
    routes: [{ method: 'POST', path: '/v1/processes' }],
    errors: ['NAME_TAKEN', 'INVALID_NAME', 'INVALID_DURATION', 'EXECUTABLE_NOT_FOUND', 'RUNTIME_NOT_FOUND', 'CWD_NOT_FOUND', 'ENV_FILE_NOT_FOUND', 'WATCH_PATH_NOT_FOUND', 'WATCH_LIMIT_REACHED', 'INVALID_PATTERN', 'CRASHED_IMMEDIATELY', 'STARTUP_TIMEOUT', 'PORT_IN_USE', 'CGROUP_UNAVAILABLE', 'PERMISSION_DENIED', 'PLUGIN_FAILED'],
  }),
  defineOp({
    name: 'list', summary: 'List the managed processes', kind: 'read', permission: 'viewer', tokenScope: 'filter',
    params: () => NoParams, result: () => z.object({ processes: z.array(ProcessView()) }),
    routes: [{ method: 'GET', path: '/v1/processes' }],
  }),
  defineOp({
    name: 'status', summary: 'One process and the settings it runs with', kind: 'read', permission: 'viewer', tokenScope: 'ref',
    params: () => params({ ref: Ref }),
    result: () => z.object({
      process: ProcessView(),
      instances: z.array(ProcessView()).meta({ description: 'Every instance of its definition' }),
      spec: z.object({
        shell: z.boolean(), args: z.array(z.string()), restart: RestartPolicy(), stopSignal: z.string(), stopTimeoutMs: z.number(),
        startWaitMs: z.number(), logMaxBytes: z.number(), logKeep: z.number(), logCompress: z.boolean(), logTimestamps: z.boolean(), envKeys: z.array(z.string()),
        instances: z.number().int(), port: z.number().int().nullable(),
        portMode: z.enum(['shared', 'per-instance', 'proxy']).nullable(),
        scale: z.record(z.string(), z.unknown()).nullable().meta({ description: 'Scaling on load: min, max, targets, windows (ms), policy' }),
        restartCron: z.object({ cron: z.string(), tz: z.string().nullable() }).nullable(),
        readiness: z.record(z.string(), z.unknown()).nullable().meta({ description: 'Readiness conditions (durations in ms)' }),
        liveness: z.record(z.string(), z.unknown()).nullable().meta({ description: 'The liveness check (durations in ms)' }),
        limits: z.object({
          maxMemoryBytes: z.number().nullable().meta({ description: 'Restart threshold (Sentinel watches)' }),
          maxCpu: z.object({ percent: z.number(), forMs: z.number().optional() }).nullable(),
          memoryMaxBytes: z.number().nullable().meta({ description: 'Hard memory limit of the tree (cgroup)' }),
          cpuMax: z.number().nullable().meta({ description: 'CPU quota of the tree in cores (cgroup)' }),
          pidsMax: z.number().int().nullable().meta({ description: 'Most processes of the tree (cgroup)' }),
          group: z.object({ name: z.string(), memoryMaxBytes: z.number().nullable(), cpuMax: z.number().nullable(), pidsMax: z.number().int().nullable() })
            .nullable().meta({ description: 'Hard limits its group shares among all its members (cgroup)' }),
        }),
        identity: z.object({ user: z.string().nullable(), group: z.string().nullable(), nice: z.number().int().nullable(), ionice: z.string().nullable() }),
        notify: z.object({ enabled: z.boolean(), webhooks: z.array(z.string()) }),
        configFile: z.string().nullable(),
        container: z
          .object({ runtime: z.string(), image: z.string(), name: z.string(), ports: z.array(z.string()), volumes: z.array(z.string()), user: z.string().nullable() })
          .nullable()
          .meta({ description: 'The container it runs in (name: of instance 0), null for a process on this machine' }),
        nix: z.object({ packages: z.array(z.string()), file: z.string().nullable() }).nullable().meta({ description: 'The Nix environment it runs in' }),
        wrap: z.object({ plugin: z.string(), options: z.record(z.string(), z.unknown()) }).nullable()
          .meta({ description: 'The runtime plugin asked before each spawn for the argv, env and cwd to run instead (wrap:), null when none' }),
        watch: z
          .object({
            paths: z.array(z.string()), ignore: z.array(z.string()), delayMs: z.number(),
            active: z.boolean().meta({ description: 'Watching now (false while stopped, or when it could not start: see error)' }),
            directories: z.number().int().meta({ description: 'Directories watched (one inotify watch each)' }),
            error: z.string().nullable().meta({ description: 'Why it does not watch (a path gone, the inotify limit)' }),
            lastChange: z.object({ at: z.number(), reason: z.string() }).nullable().meta({ description: 'The last burst of changes that restarted it' }),
          })
          .nullable()
          .meta({ description: 'Restart on file changes (--watch), null when off' }),
      }),
    }),
    routes: [{ method: 'GET', path: '/v1/processes/:ref' }],
    errors: ['PROCESS_NOT_FOUND'],
  }),
  defineOp({
    name: 'start', summary: 'Start a stopped process', kind: 'write', permission: 'operator', tokenScope: 'ref',
    params: () => params({ ref: Ref, noWait }),
    result: () => OneProcess().extend({ alreadyRunning: z.boolean().optional().meta({ description: 'true: it was running already; nothing was done' }) }),
    routes: [{ method: 'POST', path: '/v1/processes/:ref/start' }],
    errors: ['PROCESS_NOT_FOUND', 'CRASHED_IMMEDIATELY', 'STARTUP_TIMEOUT', 'PLUGIN_FAILED'],
  }),
  defineOp({
    name: 'stop', summary: 'Stop a process: its stop signal, then SIGKILL after the timeout', kind: 'write', permission: 'operator', tokenScope: 'ref',
    params: () => params({ ref: Ref, force: z.boolean().optional(), timeout: DurationMs.optional() }),
    result: () => z.object({ process: ProcessView(), alreadyStopped: z.boolean(), exit: ExitRecord().nullable() }),
    routes: [{ method: 'POST', path: '/v1/processes/:ref/stop' }],
    errors: ['PROCESS_NOT_FOUND'],
  }),
  defineOp({
    name: 'restart', summary: 'Stop and start a process', kind: 'write', permission: 'operator', tokenScope: 'ref',
    params: () => params({ ref: Ref, noWait }), result: () => OneProcess(),
    routes: [{ method: 'POST', path: '/v1/processes/:ref/restart' }],
    errors: ['PROCESS_NOT_FOUND', 'CRASHED_IMMEDIATELY', 'STARTUP_TIMEOUT', 'PLUGIN_FAILED'],
  }),
  defineOp({
    name: 'delete', summary: 'Stop a process and forget it', kind: 'write', permission: 'admin', tokenScope: 'ref',
    params: () => params({ ref: Ref, purge: z.boolean().optional().meta({ description: 'Also remove its log files' }) }),
    result: () => z.object({ deleted: z.object({ id: z.number().int(), name: z.string() }), purged: z.boolean() }),
    routes: [{ method: 'DELETE', path: '/v1/processes/:ref' }],
    errors: ['PROCESS_NOT_FOUND'],
  }),
  defineOp({
    name: 'clean', summary: 'Delete every stopped, exited or failed process and its logs', kind: 'write', permission: 'admin',
    params: () => NoParams,
    result: () => z.object({ removed: z.array(z.object({ id: z.number().int(), name: z.string(), status: z.string() })) }),
    routes: [{ method: 'POST', path: '/v1/clean' }],
  }),
  defineOp({
    name: 'stopall', summary: 'Stop every process', kind: 'write', permission: 'operator',
    params: () => params({ force: z.boolean().optional(), timeout: DurationMs.optional() }), result: () => BulkResult(),
    routes: [{ method: 'POST', path: '/v1/stopall' }],
  }),
  defineOp({
    name: 'startall', summary: 'Start every process that is not running', kind: 'write', permission: 'operator',
    params: () => params({ noWait }), result: () => BulkResult(),
    routes: [{ method: 'POST', path: '/v1/startall' }],
  }),
  defineOp({
    name: 'restartall', summary: 'Restart every process', kind: 'write', permission: 'operator',
    params: () => params({ noWait }), result: () => BulkResult(),
    routes: [{ method: 'POST', path: '/v1/restartall' }],
  }),
  defineOp({
    name: 'policy', summary: 'Change the restart policy of a process without restarting it', kind: 'write', permission: 'admin', tokenScope: 'ref',
    params: () => params({
      ref: Ref,
      restart: RestartMode().optional(),
      retries: count(0, 1_000_000, 5).optional().meta({ description: 'Same as maxRestarts' }),
      delay: PolicyFields().restartDelay.meta({ description: 'Same as restartDelay' }),
      ...PolicyFields(),
    }),
    result: () => z.object({ process: ProcessView(), restart: RestartPolicy() }),
    routes: [{ method: 'POST', path: '/v1/processes/:ref/policy' }],
    errors: ['PROCESS_NOT_FOUND'],
  }),
  defineOp({
    name: 'events', summary: 'Lifecycle events of every process or one; follow=true streams new ones', kind: 'stream', permission: 'viewer', tokenScope: 'filter',
    params: () => params({ name: z.string().optional(), limit: count(0, 100_000, 50).optional(), follow: z.boolean().optional() }),
    result: () => z.object({ events: z.array(EventRecord()) }),
    item: () => EventRecord(),
    routes: [{ method: 'GET', path: '/v1/events' }],
    errors: ['PROCESS_NOT_FOUND'],
  }),
] as const;
