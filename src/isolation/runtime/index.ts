// One interface over the container runtimes: a runtime is a file that says how to run a container in the
// foreground, stop and remove it, list ours and read their usage. Adding one (nerdctl for containerd, say)
// is a file like podman.ts and a line in RUNTIMES. Everything is argv for the runtime's client: no shell.
import { SentinelError } from '../../core/errors.js';
import { resolveExecutable } from '../../core/spawn.js';
import { docker } from './docker.js';
import { podman } from './podman.js';

/** What a container run needs, resolved from the spec by container.ts. */
export interface RunRequest {
  /** The container's name: sentinel-<home hash>-<process>-<instance>. */
  name: string;
  image: string;
  /** The container's argv; empty: the image's own command. */
  argv: string[];
  /** Names of the variables passed into the container (values come from the client's environment). */
  envKeys: string[];
  ports: string[];
  volumes: string[];
  user: string | null;
  labels: Record<string, string>;
  stopSignal: string;
  stopTimeoutSec: number;
}

/** A container of ours as the runtime lists it. */
export interface ListedContainer {
  id: string;
  name: string;
  labels: Record<string, string>;
}

export interface ContainerUsage {
  cpuPercent: number | null;
  memoryBytes: number | null;
  pids: number;
}

export interface ContainerRuntime {
  readonly name: 'podman' | 'docker';
  /** How to get it, for the error when its client is missing. */
  readonly installHint: string;
  /**
   * The argv (after the client binary) that runs a container in the foreground, output attached and
   * removed when it ends; a container of the same name left by an earlier run is replaced.
   */
  run(req: RunRequest, binary: string): { command: string; args: string[] };
  stop(name: string, timeoutSec: number): string[];
  /** Runs a command inside a running container (a health check). */
  exec(name: string, argv: string[]): string[];
  /** Removes containers (running or not) by id or name; missing ones are not an error of ours. */
  remove(refs: string[]): string[];
  /** Every container (running or not) carrying this label. */
  list(label: string): string[];
  parseList(stdout: string): ListedContainer[];
  /** The usage of every running container, one line each. */
  stats(): string[];
  parseStats(stdout: string): Map<string, ContainerUsage>;
  /** Variables the client needs from us (podman: a containers.conf fit for this machine). */
  clientEnv(home: string, env: NodeJS.ProcessEnv): Record<string, string>;
}

export const RUNTIMES: Record<ContainerRuntime['name'], ContainerRuntime> = { podman, docker };

const SEARCH_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The runtime's client binary in the daemon's PATH, or a clear error saying how to install it or switch runtime. */
export function runtimeBinary(rt: ContainerRuntime, envPath: string | undefined = process.env.PATH): string {
  const found = resolveExecutable(rt.name, envPath ?? SEARCH_PATH, '/');
  if (found) return found;
  const other = rt.name === 'podman' ? 'docker' : 'podman';
  throw new SentinelError(
    'RUNTIME_NOT_FOUND',
    `the container runtime "${rt.name}" was not found in PATH; ${rt.installHint}, or set runtime: ${other} (--runtime ${other}) if that is what this machine has`,
  );
}

