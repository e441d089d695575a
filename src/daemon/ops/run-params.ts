// Parameters of `run` as the CLI sends them today (src/cli/commands/run.ts, health-options.ts,
// policy-options.ts). Temporary: the process spec is being redesigned to follow the config file's
// process schema, and this schema will be replaced by one derived from it. Values stay as written
// (durations and sizes follow the one rule: a bare number is seconds or bytes); specFromParams reads them.
import * as z from 'zod';
import { count, Duration, EnvMap, envBytes, MAX_EXEC_BYTES, Size } from '../../contracts/primitives.js';
import { PolicyFields, RestartMode } from '../../contracts/policy-params.js';
import { once } from '../../contracts/define.js';

// an empty value is a mistake (--cwd ""), never the same as leaving the flag out
const text = once(() => z.string().min(1));
const textOrNumber = once(() => z.union([z.string().min(1), z.number()], { error: 'expected a non-empty string or a number' }));

export const RunParams = once(() => z.strictObject({
  command: z.string().optional().meta({ description: 'Required: a shell command string, or the program when args are given' }),
  args: z.array(z.string()).optional(),
  shell: z.boolean().optional(),
  name: z.string().optional(),
  restart: z.union([z.boolean(), RestartMode()], { error: 'expected never, on-failure, always, or true' }).optional(),
  group: text().optional(),
  cwd: text().optional(),
  env: EnvMap.optional().meta({ description: "The client's environment, inherited by the process" }),
  envVars: z.array(z.string()).optional().meta({ description: 'KEY=VALUE pairs (--env)' }),
  envFiles: z.array(z.string()).optional(),
  keepEnv: z.array(z.string()).optional(),
  projectEnv: z.boolean().optional(),
  port: textOrNumber().optional().meta({ description: 'A port number, "auto" or the name of an allocated port' }),
  wait: Duration.optional(),
  noWait: z.boolean().optional(),
  stopSignal: text().optional(),
  stopTimeout: Duration.optional(),
  logMaxSize: Size.optional(),
  logKeep: count(0, 1000, 5).optional(),
  logCompress: z.boolean().optional(),
  logTimestamps: z.boolean().optional(),
  user: text().optional().meta({ description: 'Run as this user (NAME or NAME:GROUP)' }),
  nice: textOrNumber().optional().meta({ description: 'CPU priority, -20 to 19' }),
  ionice: text().optional().meta({ description: 'I/O priority: realtime[:0-7], best-effort[:0-7] or idle' }),
  instances: textOrNumber().optional().meta({ description: 'How many copies run (default 1); "max": one per core' }),
  portMode: text().optional().meta({ description: 'shared (one socket passed to every instance as fd 3) or per-instance (PORT + index)' }),
  scale: text().optional().meta({ description: 'Scale on load between MIN-MAX instances, e.g. "2-4"' }),
  scaleCpu: textOrNumber().optional().meta({ description: 'Average CPU per instance to keep under, e.g. "70%"' }),
  scaleMemory: Size.optional().meta({ description: 'Average memory per instance to keep under, e.g. "400M"' }),
  restartCron: text().optional(),
  restartCronTz: text().optional(),
  watch: z
    .union([z.boolean(), z.array(text())], { error: 'expected true (watch the cwd) or a list of paths' })
    .optional()
    .meta({ description: 'Restart when files change: true watches cwd, or these paths (a path may hold several, comma-separated)' }),
  watchIgnore: z.array(text()).optional().meta({ description: 'Globs the watch ignores, gitignore-style ("*.log", "logs/**", "!keep.log")' }),
  watchDelay: textOrNumber().optional().meta({ description: 'Quiet time after the last change before the one restart (default 500ms)' }),
  scope: count(1, 2 ** 22, 4321).optional().meta({ description: 'Tie the process to this pid (a shell, a CI job): when that process exits, this one is stopped and deleted' }),
  ...PolicyFields(),
  waitPort: textOrNumber().optional(),
  waitHttp: text().optional(),
  expectStatus: textOrNumber().optional(),
  waitLog: text().optional(),
  waitExec: text().optional(),
  startupTimeout: Duration.optional(),
  healthHttp: text().optional(),
  healthTcp: textOrNumber().optional(),
  healthExec: text().optional(),
  healthPlugin: text().optional().meta({ description: 'A health plugin declared in daemon.yaml (plugins:) that answers the liveness check' }),
  healthSend: text().optional(),
  healthInterval: Duration.optional(),
  healthTimeout: Duration.optional(),
  healthRetries: textOrNumber().optional(),
  healthSuccessThreshold: textOrNumber().optional(),
  healthInitialDelay: Duration.optional(),
  healthAction: text().optional(),
  healthExpectStatus: textOrNumber().optional(),
  maxMemory: Size.optional(),
  maxCpu: textOrNumber().optional(),
  cpuFor: Duration.optional(),
  notifyWebhooks: z.array(z.string()).optional(),
  notifyPlugins: z.array(z.string()).optional().meta({ description: 'Notifier plugins declared in daemon.yaml for this process' }),
  image: text().optional().meta({ description: 'Run in a container of this image; the command (optional) is the container\'s' }),
  runtime: text().optional().meta({ description: 'The container runtime: podman (default) or docker' }),
  publish: z.array(z.string()).optional().meta({ description: 'Ports the container publishes: "[IP:]HOST:CONTAINER[/udp]"' }),
  volumes: z.array(z.string()).optional().meta({ description: 'Container mounts "SOURCE:/TARGET[:ro]"' }),
  containerUser: text().optional().meta({ description: 'The user inside the container' }),
  nixPackages: z.array(z.string().min(1)).optional().meta({ description: 'Run inside a Nix environment with these packages' }),
  nixFile: text().optional().meta({ description: 'Run inside the Nix environment of this expression file (shell.nix)' }),
  wrap: text().optional().meta({ description: 'A runtime plugin declared in daemon.yaml (plugins:) asked before each start for the argv, env and cwd to run instead' }),
  memoryMax: textOrNumber().optional().meta({ description: 'Hard memory limit of the tree (cgroup), e.g. "512M"' }),
  cpuMax: textOrNumber().optional().meta({ description: 'CPU quota of the tree (cgroup): "50%" of one core or a number of cores like 1.5' }),
  pidsMax: textOrNumber().optional().meta({ description: 'Most processes of the tree (cgroup), e.g. 100' }),
}).superRefine((p, ctx) => {
  // refused here, before a record exists, rather than by spawn (E2BIG) after
  const strings = [p.command ?? '', ...(p.args ?? []), ...Object.entries(p.env ?? {}).map(([k, v]) => `${k}=${v}`), ...(p.envVars ?? [])];
  const total = envBytes(strings);
  if (total > MAX_EXEC_BYTES) {
    ctx.addIssue({ code: 'custom', path: [], input: `${total} bytes`, message: `the command, arguments and environment are larger than the system accepts for a new process (${MAX_EXEC_BYTES} bytes); pass fewer or shorter variables (e.g. --clean-env)` });
  }
  for (const pair of p.envVars ?? []) {
    if (pair.startsWith('SENTINEL_')) ctx.addIssue({ code: 'custom', path: ['envVars'], input: pair.split('=')[0], message: "Sentinel's own variables (SENTINEL_*) are not passed to processes" });
    if (Buffer.byteLength(pair) >= 128 * 1024) ctx.addIssue({ code: 'custom', path: ['envVars'], input: `${pair.length} characters`, message: 'one variable is 128 KiB or more; the system refuses it' });
  }
}));
