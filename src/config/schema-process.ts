// The shape of one process in sentinel.yaml: every option the CLI has, plus readiness, health and limits.
import * as z from 'zod';
import { parseCpuMax, parseMemoryMax, parsePidsMax } from '../isolation/cgroup-limits.js';
import { InstancesKey, PortModeKey, ScaleKey } from '../cluster/scale-config.js';
import { compileGlob } from '../watch/glob.js';
import { describeValue, Duration, EnvMap, ExitCode, Name, PortNumber, Signal, Size, StringOrList } from './schema-primitives.js';

export const RESTART_MODES = ['never', 'on-failure', 'always'] as const;
export const DEPENDENCY_CONDITIONS = ['started', 'ready', 'healthy', 'completed_successfully'] as const;

export const RestartObject = z.strictObject({
  policy: z.enum(RESTART_MODES).optional().meta({ description: 'When to restart (default "on-failure" when restart is a map; no restart key at all means "never")' }),
  exit_codes: z.array(ExitCode).optional().meta({ description: 'Restart only on these exit codes' }),
  no_restart_exit_codes: z.array(ExitCode).optional().meta({ description: 'Never restart on these exit codes' }),
  max_restarts: z.number().int().min(0).optional().meta({ description: 'Restarts allowed within `window` (0 = unlimited)' }),
  window: Duration.optional(),
  delay: Duration.optional(),
  backoff: z.enum(['fixed', 'exponential']).optional(),
  backoff_max: Duration.optional(),
  jitter: z.number().min(0).max(1).optional().meta({ description: 'Fraction (0..1) of the delay added or removed at random' }),
  min_uptime: Duration.optional().meta({ description: 'A run this long resets the restart counter (default 1s)' }),
});

export const Restart = z.union([z.enum(RESTART_MODES), RestartObject], {
  error: (iss) => `expected "never", "on-failure", "always" or a map with "policy", got ${describeValue(iss.input)}`,
});

export const DependsOn = z.union(
  [
    z.array(Name),
    z.record(Name, z.strictObject({ condition: z.enum(DEPENDENCY_CONDITIONS).optional().meta({ description: 'Default "started"' }) })),
  ],
  { error: (iss) => `expected a list of names or a map of name -> {condition}, got ${describeValue(iss.input)}` },
);

const ExpectStatus = z
  .union([z.number().int().min(100).max(599), z.string().regex(/^\d{3}\s*-\s*\d{3}$/, { error: 'expected a status range like "200-299"' })], {
    error: (iss) => `expected an HTTP status like 200 or a range like "200-299", got ${describeValue(iss.input)}`,
  })
  .meta({ description: 'An HTTP status (200) or an inclusive range ("200-299"); default 200-399' });

const HttpCheck = z.union(
  [z.string(), z.strictObject({ url: z.string(), expect_status: ExpectStatus.optional() })],
  { error: (iss) => `expected a URL or a map with "url", got ${describeValue(iss.input)}` },
);

export const Startup = z.strictObject({
  wait_port: z.union([PortNumber, z.literal(true)]).optional().meta({ description: 'Ready when this TCP port accepts (true = the process port)' }),
  wait_http: HttpCheck.optional(),
  wait_log: z.string().optional().meta({ description: 'Ready when a log line matches this regular expression' }),
  wait_exec: z.string().optional().meta({ description: 'Ready when this shell command exits 0' }),
  timeout: Duration.optional(),
});

export const Health = z
  .strictObject({
    http: HttpCheck.optional(),
    tcp: z.union([PortNumber, z.string()]).optional().meta({ description: 'A port or "host:port"' }),
    exec: z.string().optional(),
    plugin: Name.optional().meta({ description: 'A health plugin declared in daemon.yaml (plugins:) that answers the check' }),
    options: z.record(z.string(), z.unknown()).optional().meta({ description: 'plugin only: passed to the plugin with each check, over its own options' }),
    send: z.string().optional().meta({ description: 'tcp only: bytes to send; the check then needs a reply (finds a stopped server)' }),
    interval: Duration.optional(),
    timeout: Duration.optional(),
    failure_threshold: z.number().int().min(1).optional(),
    success_threshold: z.number().int().min(1).optional(),
    initial_delay: Duration.optional(),
    action: z.enum(['restart', 'notify']).optional(),
  })
  .check(
    z.refine((h) => [h.http, h.tcp, h.exec, h.plugin].filter((v) => v !== undefined).length === 1, {
      error: 'expected exactly one of "http", "tcp", "exec" or "plugin"',
    }),
    z.refine((h) => h.options === undefined || h.plugin !== undefined, { path: ['options'], error: '"options" is for a plugin check: add plugin: NAME or remove options' }),
  );

const PUBLISH = /^(?:(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:]+\]):)?(\d{1,5}):(\d{1,5})(?:\/(tcp|udp|sctp))?$/;
const PUBLISH_HINT = 'expected "[IP:]HOST_PORT:CONTAINER_PORT[/udp]", like "8080:80" or "127.0.0.1:8080:80"';

/** A published port: both sides given, each 1-65535 (no random host port: a process's port is known). */
export function isPublishedPort(v: string): boolean {
  const m = PUBLISH.exec(v);
  return !!m && [m[2], m[3]].every((p) => Number(p) >= 1 && Number(p) <= 65535);
}

const PublishedPort = z
  .string({ error: (iss) => `${PUBLISH_HINT}, got ${describeValue(iss.input)}` })
  .check(z.refine(isPublishedPort, { error: (iss) => `${PUBLISH_HINT}, got ${describeValue(iss.input)}` }));

const VOLUME = /^[^:\s][^:]*:\/[^:]*(?::[A-Za-z,=]+)?$/;
const Volume = z
  .string()
  .regex(VOLUME, { error: (iss) => `expected "SOURCE:/TARGET[:ro]" (a host path or a volume name, then an absolute path in the container), got ${describeValue(iss.input)}` });

export const CONTAINER_RUNTIMES = ['podman', 'docker'] as const;

/** The keys that only mean something for a process that runs in a container (with `image`). */
export const CONTAINER_KEYS = ['runtime', 'ports', 'volumes', 'container_user'] as const;

const containerFields = {
  image: z.string().min(1).optional().meta({ description: 'Run the process in a container of this image; command (optional) is the container\'s command' }),
  runtime: z.enum(CONTAINER_RUNTIMES).optional().meta({ description: 'The container runtime (default podman); needs image' }),
  ports: z.array(PublishedPort).optional().meta({ description: 'Ports the container publishes: "[IP:]HOST:CONTAINER[/udp]"' }),
  volumes: z.array(Volume).optional().meta({ description: 'Mounts "SOURCE:/TARGET[:ro]"; a relative host path starts from the process\'s cwd' }),
  container_user: z
    .union([z.string().regex(/^[^:\s]+(:[^:\s]+)?$/, { error: 'expected NAME, UID or UID:GID' }), z.number().int().min(0)])
    .optional()
    .meta({ description: 'The user inside the container (the image\'s own by default)' }),
  nix: z
    .strictObject({
      packages: z.array(z.string().min(1)).min(1).optional().meta({ description: 'Nix packages the process runs with (nix-shell -p)' }),
      file: z.string().min(1).optional().meta({ description: 'A Nix expression (shell.nix) whose environment the process runs in' }),
    })
    .check(z.refine((n) => (n.packages === undefined) !== (n.file === undefined), { error: 'expected exactly one of "packages" or "file"' }))
    .optional()
    .meta({ description: 'Run the process inside a Nix environment, evaluated once and cached' }),
};
/** A value checked by the same parser as its CLI flag, so the file and the flag accept the same things. */
function parsedBy(parse: (v: unknown, what: string) => number, what: string, description: string, example: string | number) {
  return z
    .union([z.string(), z.number()], { error: (iss) => `expected ${description}, got ${describeValue(iss.input)}` })
    .check(
      z.refine((v) => {
        try {
          parse(v, what);
          return true;
        } catch {
          return false;
        }
      }, { error: (iss) => `expected ${description}, got ${describeValue(iss.input)}` }),
    )
    .meta({ description, examples: [example] });
}

export const HardLimits = z.strictObject({
  memory_max: parsedBy(parseMemoryMax, 'memory_max', 'a size of at least 1M, like "512M" or "2G": past it the kernel kills a process of the tree', '512M').optional(),
  cpu_max: parsedBy(parseCpuMax, 'cpu_max', 'a CPU share above zero: "50%" of one core, or a number of cores like 1.5', '50%').optional(),
  pids_max: parsedBy(parsePidsMax, 'pids_max', 'a whole number of processes (threads count too) from 1, like 100: forks past it fail', 100).optional(),
});

/** A glob of watch.ignore, checked by the watcher's own compiler so the file and --watch-ignore agree. */
const IgnoreGlob = z.string().check(
  z.superRefine((v, ctx) => {
    try {
      compileGlob(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', input: v, message: (err as Error).message });
    }
  }),
);

const WatchPaths = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], {
  error: (iss) => `expected a path or a list of paths to watch, got ${describeValue(iss.input)}`,
});

export const Watch = z
  .union(
    [
      z.boolean(),
      z.string().min(1),
      z.array(z.string().min(1)).min(1),
      z.strictObject({
        paths: WatchPaths.optional().meta({ description: 'Files or directories to watch, relative to cwd (default: cwd)' }),
        ignore: z.union([IgnoreGlob, z.array(IgnoreGlob)]).optional().meta({ description: 'Globs to ignore, gitignore-style ("*.log", "logs/**", "!keep.log"); node_modules, .git and .gitignore are ignored anyway' }),
        delay: Duration.optional().meta({ description: 'Quiet time after the last change before the one restart (default 500ms)' }),
      }),
    ],
    { error: (iss) => `expected true, a path, a list of paths or a map with "paths", "ignore" and "delay", got ${describeValue(iss.input)}` },
  )
  .meta({ description: 'Restart when files change: true watches cwd; paths or {paths, ignore, delay}' });

const Command = z.union([z.string().min(1), z.array(z.string()).min(1)], {
  error: (iss) => `expected a shell command string or a non-empty list (argv), got ${describeValue(iss.input)}`,
});

const processFields = {
  command: Command.optional().meta({ description: 'A string runs through /bin/sh -c; a list is argv' }),
  argv: z.array(z.string()).min(1).optional().meta({ description: 'argv[0] and its arguments, without a shell' }),
  cwd: z.string().optional(),
  env: EnvMap.optional(),
  env_file: StringOrList.optional(),
  inherit_env: z
    .union([z.boolean(), z.array(z.string())], {
      error: (iss) => `expected true, false or a list of variable names, got ${describeValue(iss.input)}`,
    })
    .optional()
    .meta({ description: 'false: inherit nothing; a list: inherit only these names (default true)' }),
  group: Name.optional(),
  port: z.union([PortNumber, z.literal('auto'), Name], {
    error: (iss) => `expected a port number, "auto" or the name of a port in "ports", got ${describeValue(iss.input)}`,
  }).optional(),
  restart: Restart.optional(),
  restart_cron: z
    .union([z.string().min(1), z.strictObject({ cron: z.string().min(1), tz: z.string().min(1).optional() })], {
      error: (iss) => `expected a cron expression or a map with "cron" and "tz", got ${describeValue(iss.input)}`,
    })
    .optional()
    .meta({ description: 'Restart on this cron schedule ("0 4 * * *", or {cron, tz})' }),
  stop_signal: Signal.optional(),
  stop_timeout: Duration.optional(),
  start_wait: Duration.optional().meta({ description: 'How long to watch for an immediate crash' }),
  startup: Startup.optional(),
  health: Health.optional(),
  limits: HardLimits.optional().meta({ description: 'Hard limits the kernel enforces on the whole tree through its cgroup (unlike max_memory/max_cpu, which restart it)' }),
  max_memory: Size.optional(),
  max_cpu: z.strictObject({ percent: z.number().positive(), for: Duration.optional() }).optional(),
  log: z
    .strictObject({
      max_size: Size.optional(),
      keep: z.number().int().min(0).max(1000).optional(),
      compress: z.boolean().optional().meta({ description: 'gzip rotated files' }),
      timestamps: z.boolean().optional().meta({ description: 'exact per-line times (output passes through the daemon; default: 1 s samples, output straight to the file)' }),
    })
    .optional(),
  depends_on: DependsOn.optional(),
  extends: Name.optional().meta({ description: 'A template or another process to start from' }),
  user: z
    .union([z.string().regex(/^[^:\s]+(:[^:\s]+)?$/, { error: 'expected NAME or NAME:GROUP' }), z.number().int().min(0)])
    .optional()
    .meta({ description: 'Run as this user (name or uid), with its groups; "NAME:GROUP" replaces the primary group' }),
  nice: z.number().int().min(-20).max(19).optional().meta({ description: 'CPU priority, -20 (highest) to 19' }),
  ionice: z
    .string()
    .regex(/^(realtime|best-effort|idle|[123])(:[0-7])?$/, { error: 'expected realtime[:0-7], best-effort[:0-7] or idle' })
    .optional()
    .meta({ description: 'I/O priority class and level, e.g. "best-effort:6" or "idle"' }),
  instances: InstancesKey.optional(),
  port_mode: PortModeKey.optional(),
  scale: ScaleKey.optional().meta({ description: 'Scaling on load: {min, max, cpu: "70%", memory: "400M", up_after: 30s, down_after: 5m, cooldown: 1m, policy}' }),
  notify: z
    .union([z.boolean(), z.strictObject({ webhooks: z.array(z.url()).optional(), plugins: z.array(Name).optional() })], {
      error: (iss) => `expected true, false or a map with "webhooks" and/or "plugins", got ${describeValue(iss.input)}`,
    })
    .optional()
    .meta({ description: 'false: send no notifications for this process; {webhooks: [...], plugins: [...]}: extra webhooks and notifier plugins (daemon.yaml plugins:) for it' }),
  autostart: z.boolean().optional().meta({ description: 'Start on `sentinel up` (default true)' }),
  watch: Watch.optional(),
  wrap: z
    .strictObject({
      plugin: Name.meta({ description: 'A runtime plugin declared in daemon.yaml (plugins:)' }),
      options: z.record(z.string(), z.unknown()).optional().meta({ description: 'Passed with each wrap(), over the plugin\'s own options' }),
    })
    .optional()
    .meta({ description: 'Before each start, ask this runtime plugin for the argv, environment and cwd to run instead (e.g. under a sandbox or a profiler)' }),
  ...containerFields,
};

/** A template or an overlay: every field optional, unknown keys still rejected. */
export const ProcessPartial = z.strictObject(processFields);

const isMap = (payload: { value: unknown }) => typeof payload.value === 'object' && payload.value !== null;

export const ProcessConfig = z.strictObject(processFields).check(
  z.refine((p) => (p.command === undefined || p.argv === undefined) && (p.image !== undefined || p.command !== undefined || p.argv !== undefined), {
    // checked even when other keys of the process are wrong: every error of a file is reported at once
    when: isMap,
    error: (iss) => {
      const p = iss.input as { command?: unknown; argv?: unknown };
      return p.command !== undefined ? 'expected "command" or "argv", not both' : 'expected a "command" (or "argv", or an "image" to run), got none';
    },
  }),
  z.refine((p) => p.image !== undefined || CONTAINER_KEYS.every((k) => p[k] === undefined), {
    when: isMap,
    error: (iss) => `${CONTAINER_KEYS.filter((k) => (iss.input as Record<string, unknown>)[k] !== undefined).map((k) => `"${k}"`).join(', ')} only mean something for a container: add image: (e.g. image: docker.io/library/redis:7) or remove them`,
  }),
  z.refine((p) => p.image === undefined || p.user === undefined, {
    when: isMap,
    path: ['user'],
    error: 'user: runs a process on this machine as a host account; for the user inside the container write container_user:',
  }),
  z.refine((p) => p.image === undefined || p.wrap === undefined, {
    when: isMap,
    path: ['wrap'],
    error: 'a container process (image:) is started by its runtime (podman or docker), which a runtime plugin cannot wrap; remove wrap: or image:',
  }),
  z.refine((p) => p.image === undefined || p.nix === undefined, {
    when: isMap,
    path: ['nix'],
    error: 'a process runs either in a container (image:) or in a Nix environment (nix:), not both; remove one',
  }),
);
