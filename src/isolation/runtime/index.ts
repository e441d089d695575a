// One interface over the container runtimes: a runtime is a file that says how to run a container in the
// foreground, stop and remove it, list ours and read their usage. Adding one (nerdctl for containerd, say)
// is a file like podman.ts and a line in RUNTIMES. Everything is argv for the runtime's client: no shell.
import { SentinelError } from '../../core/errors.js';
import { resolveExecutable } from '../../core/spawn.js';
import { docker } from './docker.js';
import { podman } from './podman.js';

export type { RunRequest, ListedContainer, ContainerUsage, ContainerRuntime } from './types.js';
import type { ContainerRuntime } from './types.js';

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

