// The types every container runtime file shares (a file of its own, so runtimes and the index that lists
// them do not import each other).

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
