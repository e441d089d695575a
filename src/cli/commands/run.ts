// sentinel run: start a new managed process (shell string or argv after --).
import { badValue, wholeNumber } from '../option-values.js';
import type { Command } from 'commander';
import { SentinelError } from '../../core/errors.js';
import { suggest } from '../../core/suggest.js';
import { parseDuration } from '../../core/duration.js';
import { act, clientCwd, clientEnv, collect } from '../common.js';
import { whatActedOn } from '../format.js';
import { failAndExit } from '../output.js';
import { println } from '../output.js';
import { addPolicyOptions, policyParams } from '../policy-options.js';
import { addHealthOptions, healthParams } from '../health-options.js';
import { followProgress } from '../progress.js';
import type { ProcessView } from '../../daemon/ops/view.js';

/**
 * What to say when the process crashed during the start-up wait and its policy restarts it (the daemon
 * answers success then, and goes on restarting it); null when it did not crash.
 */
export function crashNote(p: ProcessView): string | null {
  const exit = p.lastExit;
  if (!exit || (exit.exitCode === 0 && !exit.signal) || p.status === 'failed') return null;
  const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.exitCode}`;
  const head = `process "${p.name}" crashed after ${exit.durationMs} ms (${how}); restarting per its policy`;
  if (p.status === 'backoff' && p.nextRestartAt) {
    const next = Math.max(0, p.nextRestartAt - exit.endedAt) / 1000;
    return `${head}, attempt ${p.restarts + 1}, next in ${next < 10 ? next.toFixed(1) : Math.round(next)} s; see "sentinel logs ${p.name}"`;
  }
  return `${head}, attempt ${Math.max(p.restarts, 1)}, restarted at once; see "sentinel logs ${p.name}"`;
}

const POLICIES = ['never', 'on-failure', 'always'];

/** A duration flag in ms, or the fallback when absent or malformed (the daemon reports malformed ones). */
function durationMs(value: unknown, fallback: number): number {
  try {
    return typeof value === 'string' ? parseDuration(value) : fallback;
  } catch {
    return fallback;
  }
}

/** --scope: a pid, "parent" (the shell that ran this command), or SENTINEL_SCOPE set by "sentinel shell". */
function scopePid(value: string | undefined): number | undefined {
  const raw = value ?? process.env.SENTINEL_SCOPE;
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'parent') return process.ppid;
  const pid = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(pid) || pid < 1) badValue(value === undefined ? 'SENTINEL_SCOPE' : '--scope', raw, 'a pid (e.g. 4321) or "parent"');
  return pid;
}

/** --watch given alone (true) or with paths, repeatable: true stays true only while no path is given. */
function collectWatch(value: string | undefined, previous: true | string[] | undefined): true | string[] {
  if (value === undefined) return previous ?? true;
  return [...(Array.isArray(previous) ? previous : []), value];
}

export function register(program: Command): void {
  const cmd = program
    .command('run')
    .description('Start a background process: sentinel run "python server.py" or sentinel run --name web -- node server.js')
    .argument('[command...]', 'a shell command string, or a program and its arguments after --')
    .option('-n, --name <name>', 'name of the process (default: derived from the command)')
    .option('-r, --restart [policy]', 'restart policy: always (default when given), on-failure or never')
    .option('-g, --group <group>', 'add the process to a group (created if missing)')
    .option('--cwd <dir>', 'working directory (default: the current directory)')
    .option('-e, --env <KEY=VALUE>', 'environment variable (repeatable)', collect, [])
    .option('--env-file <file>', 'read environment variables from a .env file (repeatable)', collect, [])
    .option('--clean-env [names]', 'start from an empty environment, keeping only these comma-separated variables')
    .option('--no-project-env', 'do not read ./.env from the working directory')
    .option('-p, --port <port>', 'give the process a port (PORT env): a number, "auto" or the name of an allocated port')
    .option('--wait <duration>', 'how long to watch for an immediate crash before reporting success (e.g. 1s)')
    .option('--no-wait', 'return as soon as the process is spawned')
    .option('--stop-signal <signal>', 'signal sent to the process group on stop (default SIGTERM)')
    .option('--stop-timeout <duration>', 'time between the stop signal and SIGKILL (default 10s)')
    .option('--log-max-size <size>', 'rotate a log file when it grows past this size (default 10M)')
    .option('--log-keep <n>', 'rotated log files to keep (default 5)', wholeNumber('--log-keep', 0, 1000, 5))
    .option('--log-compress', 'gzip rotated log files')
    .option('--log-timestamps', 'record the exact time of every output line (output then passes through the daemon)')
    .option('-u, --user <user[:group]>', 'run as this user, with its groups (the daemon must run as root)')
    .option('--nice <n>', 'CPU priority from -20 (highest) to 19 (lowest)')
    .option('--ionice <class[:level]>', 'I/O priority: realtime[:0-7], best-effort[:0-7] or idle')
    .option('-i, --instances <n>', 'how many copies of the process run (default 1; "max": one per core)')
    .option('--port-mode <mode>', 'how instances use --port: shared (one socket the daemon binds, passed to every instance as descriptor 3 with LISTEN_FDS) per-instance (PORT + index) or proxy (a proxy on the port, instances on the next ports)')
    .option('--scale <min-max>', 'scale on load between MIN and MAX instances, e.g. 2-4 (CPU target 70% unless --scale-cpu/--scale-memory)')
    .option('--scale-cpu <percent>', 'with --scale: average CPU per instance to keep under, e.g. 70%')
    .option('--scale-memory <size>', 'with --scale: average memory per instance to keep under, e.g. 400M')
    .option('--image <image>', 'run in a container of this image (the command, optional, is the container\'s)')
    .option('--runtime <runtime>', 'container runtime: podman (default) or docker')
    .option('--publish <[ip:]host:container>', 'publish a container port, e.g. 8080:80 (repeatable)', collect, [])
    .option('--volume <source:/target[:ro]>', 'mount a host path or named volume into the container (repeatable)', collect, [])
    .option('--container-user <user>', 'the user inside the container (default: the image\'s)')
    .option('--nix <package>', 'run inside a Nix environment with this package (repeatable)', collect, [])
    .option('--nix-file <file>', 'run inside the Nix environment of this expression (e.g. shell.nix)')
    .option('--wrap <plugin>', 'before each start, ask this runtime plugin (declared in daemon.yaml) for the argv, env and cwd to run instead')
    .option('--memory-max <size>', 'hard memory limit of the whole tree, enforced by the kernel (cgroup): past it the OOM killer ends a process (e.g. 512M)')
    .option('--cpu-max <share>', 'CPU quota of the whole tree (cgroup): a percent of one core (50%) or a number of cores (1.5)')
    .option('--pids-max <n>', 'most processes (and threads) the tree may hold (cgroup); forks past it fail')
    .option('--restart-cron <cron>', 'also restart the process on this cron schedule (e.g. "0 4 * * *")')
    .option('--restart-cron-tz <tz>', 'time zone of --restart-cron (default: the machine\'s)')
    .option('-w, --watch [paths]', 'restart when files change: the working directory, or these paths (repeatable, or comma-separated)', collectWatch)
    .option('--watch-ignore <glob>', 'a glob the watch ignores, gitignore-style: "*.log", "logs/**", "!keep.log" (repeatable; node_modules, .git and .gitignore are ignored anyway)', collect, [])
    .option('--watch-delay <duration>', 'quiet time after the last change before the one restart (default 500ms)')
    .option('--scope <pid>', 'stop and delete the process when this process exits: a pid, or "parent" for the shell running this command (default inside "sentinel shell": that shell)')
    .option('--json', 'print the result as JSON');
  addHealthOptions(addPolicyOptions(cmd)).action(async (words: string[], opts: Record<string, unknown>) => {
      const argv = process.argv;
      let restart = opts.restart as string | boolean | undefined;
      if (typeof restart === 'string' && !POLICIES.includes(restart)) {
        // a misspelled policy is not a command: "--restart on-faillure -- sleep 30"
        const close = suggest(restart, POLICIES);
        if (close) {
          failAndExit(new SentinelError('INVALID_ARGUMENT', `--restart ${JSON.stringify(restart)} is not a restart policy; did you mean "${close}"? (never, on-failure or always)`), opts.json === true);
        }
        // "--restart" was given without a policy and swallowed the command string
        words = [restart, ...words];
        restart = true;
      }
      let watch = opts.watch as true | string[] | undefined;
      if (Array.isArray(watch) && words.length === 0) {
        // "run --watch 'node app.js'": the optional path swallowed the command
        words = [watch[watch.length - 1]];
        watch = watch.length > 1 ? watch.slice(0, -1) : true;
      }
      const dashdash = argv.includes('--');
      const shell = !dashdash && words.length === 1;
      const params: Record<string, unknown> = {
        command: words[0],
        args: shell ? [] : words.slice(1),
        shell,
        name: opts.name,
        restart,
        group: opts.group,
        cwd: opts.cwd ?? clientCwd(),
        env: clientEnv(),
        envVars: opts.env,
        envFiles: opts.envFile,
        keepEnv: opts.cleanEnv === undefined ? undefined : opts.cleanEnv === true ? [] : String(opts.cleanEnv).split(',').filter(Boolean),
        projectEnv: opts.projectEnv,
        port: opts.port,
        wait: opts.wait === false ? undefined : opts.wait,
        noWait: opts.wait === false,
        stopSignal: opts.stopSignal,
        stopTimeout: opts.stopTimeout,
        logMaxSize: opts.logMaxSize,
        logKeep: opts.logKeep,
        logCompress: opts.logCompress,
        logTimestamps: opts.logTimestamps,
        user: opts.user,
        nice: opts.nice,
        ionice: opts.ionice,
        instances: opts.instances,
        portMode: opts.portMode,
        scale: opts.scale,
        scaleCpu: opts.scaleCpu,
        scaleMemory: opts.scaleMemory,
        memoryMax: opts.memoryMax,
        cpuMax: opts.cpuMax,
        pidsMax: opts.pidsMax,
        restartCron: opts.restartCron,
        restartCronTz: opts.restartCronTz,
        image: opts.image,
        runtime: opts.runtime,
        publish: opts.publish,
        volumes: opts.volume,
        containerUser: opts.containerUser,
        nixPackages: opts.nix,
        nixFile: opts.nixFile,
        wrap: opts.wrap,
        ...policyParams(opts),
        ...healthParams(opts),
        watch,
        watchIgnore: (opts.watchIgnore as string[]).length > 0 ? opts.watchIgnore : undefined,
        watchDelay: opts.watchDelay,
        scope: scopePid(opts.scope as string | undefined),
      };
      const waits = Boolean(opts.waitPort || opts.waitHttp || opts.waitLog || opts.waitExec) && opts.wait !== false;
      const progress = waits && typeof opts.name === 'string' ? followProgress(opts.name) : null;
      try {
        await act(
          opts,
          // a readiness wait may outlast the usual request timeout: give the daemon's own timeout room
          (c) => {
            // a daemon started for a scope goes away again once nothing is left in any scope
            if (params.scope !== undefined) c.autostartScoped = true;
            return c.call('run', params, { minTimeoutMs: waits ? durationMs(opts.startupTimeout, 30_000) + 30_000 : 0 });
          },
          (r) => {
            const crash = crashNote(r.process);
            println(crash ?? `Started ${whatActedOn(r)}${r.process.status === 'running' && waits ? ', ready' : ''}`);
          },
        );
      } finally {
        progress?.stop();
      }
    });
}
