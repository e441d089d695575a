// Containers as managed processes. The supervisor's child is the runtime's foreground client (`podman
// run --rm --name sentinel-<home>-<process>-<instance> ...`), so output flows into Sentinel's log files
// and an exit is an exit; but a client killed with SIGKILL leaves its container running (the known
// problem of `docker run` under supervisord), so a stop goes through the runtime by the container's name
// (`stop --time N`, then `rm --force`), and a run whose client ended on its own has its container removed
// by its run label. Each client carries its container's name in its environment: a daemon that restarts
// finds it again for an adopted pid, and removes, by the label `sentinel.home`, containers of ours whose
// run is no longer tracked.
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import { SentinelError } from '../core/errors.js';
import type { ProcessHost, ProcessTarget, StopTreeOptions, StopTreeResult } from '../core/host.js';
import { RUN_MARKER } from '../core/kill-tree.js';
import { isAlive, readEnvVar } from '../core/proc.js';
import type { Spawner } from '../core/spawn.js';
import type { ContainerSection, ProcessSpec } from '../core/spec.js';
import { RUNTIMES, runtimeBinary, type ContainerRuntime, type ContainerUsage } from './runtime/index.js';
import { spawnManyThrough } from '../core/spawn-many.js';

/** In the client's environment: "<runtime>/<container name>". */
export const CONTAINER_MARKER = '_SENTINEL_CONTAINER';
const HOME_LABEL = 'sentinel.home';
const RUN_LABEL = 'sentinel.run';
/** Variables of the daemon the runtime's client needs (never passed into the container). */
const CLIENT_VARS = /^(PATH|HOME|USER|LOGNAME|LANG|LC_ALL|TMPDIR|XDG_[A-Z_]+|CONTAINERS_[A-Z_]+|CONTAINER_HOST|CONTAINER_CONNECTION|DOCKER_[A-Z_]+|REGISTRY_AUTH_FILE|(?:HTTPS?|NO)_PROXY|(?:https?|no)_proxy)$/;
/** How long a client may take to go once its container has stopped (it removes the container first). */
const CLIENT_GRACE_MS = 5000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ContainerRun {
  runtime: ContainerRuntime['name'];
  name: string;
  /** The run's marker, also the container's `sentinel.run` label. */
  token: string;
}

/** The containers of one SENTINEL_HOME: names, the runs behind client pids, the runtime calls and usage. */
export class ContainerManager {
  readonly homeHash: string;
  private readonly runs = new Map<string, ContainerRun>();
  private usage = new Map<string, ContainerUsage>();

  constructor(
    private readonly home: string,
    private readonly log: (message: string) => void = () => undefined,
  ) {
    this.homeHash = createHash('sha256').update(path.resolve(home)).digest('hex').slice(0, 8);
  }

  /** The container of an instance: sentinel-<home hash>-<process>-<instance>. */
  nameOf(processName: string, instance: number | string): string {
    return `sentinel-${this.homeHash}-${processName}-${instance}`;
  }

  /** The client's environment: the daemon's few variables the client needs, the runtime's own, then the process's. */
  clientEnv(rt: ContainerRuntime, processEnv: Record<string, string>): Record<string, string> {
    const base: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && CLIENT_VARS.test(k)) base[k] = v;
    return { ...base, ...rt.clientEnv(this.home, process.env), ...processEnv };
  }

  /** A line in the daemon's log. */
  note(message: string): void {
    this.log(message);
  }

  track(target: ProcessTarget, run: ContainerRun): void {
    this.runs.set(`${target.pid}:${target.startTime ?? ''}`, run);
  }

  forget(target: ProcessTarget): void {
    this.runs.delete(`${target.pid}:${target.startTime ?? ''}`);
  }

  /** The container run behind a client pid: remembered from its spawn, or read from a living client's environment (after a daemon restart). */
  lookup(target: ProcessTarget): ContainerRun | null {
    const key = `${target.pid}:${target.startTime ?? ''}`;
    const known = this.runs.get(key);
    if (known) return known;
    const marker = readEnvVar(target.pid, CONTAINER_MARKER);
    if (marker === null || !isAlive(target.pid, target.startTime)) return null;
    const [runtime, name] = marker.split('/');
    if (!(runtime in RUNTIMES) || !name) return null;
    const run: ContainerRun = { runtime: runtime as ContainerRun['runtime'], name, token: readEnvVar(target.pid, RUN_MARKER) ?? '' };
    this.runs.set(key, run);
    return run;
  }

  /** Runs the runtime's client; never throws (a failed call is logged and reported in the answer). */
  exec(rt: ContainerRuntime, args: string[], timeoutMs = 60_000): Promise<{ ok: boolean; stdout: string; stderr: string }> {
    let binary: string;
    try {
      binary = runtimeBinary(rt);
    } catch (err) {
      return Promise.resolve({ ok: false, stdout: '', stderr: (err as Error).message });
    }
    return new Promise((resolve) => {
      execFile(binary, args, { env: this.clientEnv(rt, {}), timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        resolve({ ok: !err, stdout: String(stdout), stderr: String(stderr) });
      });
    });
  }

  /** Removes the containers of one run (by its label: a later run of the same name is never touched). */
  async removeRun(run: ContainerRun): Promise<number> {
    const rt = RUNTIMES[run.runtime];
    const listed = await this.exec(rt, rt.list(`${RUN_LABEL}=${run.token}`));
    const ids = rt.parseList(listed.stdout).filter((c) => c.labels[HOME_LABEL] === this.homeHash).map((c) => c.id);
    if (ids.length === 0) return 0;
    const removed = await this.exec(rt, rt.remove(ids));
    if (!removed.ok) this.log(`could not remove container ${run.name}: ${removed.stderr.trim()}`);
    return ids.length;
  }

  /**
   * Daemon start: removes containers of this home whose run is not tracked (their client died with, or
   * while, the daemon was down). `live` are the clients the daemon re-adopted.
   */
  async sweep(live: ProcessTarget[], runtimes: Array<ContainerRuntime['name']>): Promise<string[]> {
    const removed: string[] = [];
    for (const name of new Set(runtimes)) {
      const rt = RUNTIMES[name];
      const listed = await this.exec(rt, rt.list(`${HOME_LABEL}=${this.homeHash}`));
      if (!listed.ok) continue;
      // read after the listing: a run started meanwhile is tracked by then
      const keep = new Set([...live.map((t) => this.lookup(t)?.token), ...[...this.runs.values()].map((r) => r.token)]);
      const stale = rt.parseList(listed.stdout).filter((c) => c.labels[HOME_LABEL] === this.homeHash && !keep.has(c.labels[RUN_LABEL]));
      if (stale.length === 0) continue;
      const result = await this.exec(rt, rt.remove(stale.map((c) => c.id)));
      if (result.ok) removed.push(...stale.map((c) => c.name));
      else this.log(`could not remove containers left by an earlier daemon (${stale.map((c) => c.name).join(', ')}): ${result.stderr.trim()}`);
    }
    return removed;
  }

  /** Reads the usage of the running containers of these runtimes from the runtimes themselves. */
  async refreshUsage(runtimes: Array<ContainerRuntime['name']>): Promise<void> {
    const next = new Map<string, ContainerUsage>();
    for (const name of new Set(runtimes)) {
      const rt = RUNTIMES[name];
      const result = await this.exec(rt, rt.stats(), 10_000);
      for (const [k, v] of rt.parseStats(result.stdout)) next.set(k, v);
    }
    this.usage = next;
  }

  /**
   * A command check (health exec, wait_exec) as the shell line that runs it inside the instance's
   * container (`podman exec NAME /bin/sh -c CMD`), with the client's variables given on the line since
   * checks run with the process's own environment.
   */
  execInside(c: ContainerSection, processName: string, instance: number, command: string): string {
    const rt = RUNTIMES[c.runtime];
    const quote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
    const vars = Object.entries({ PATH: process.env.PATH ?? '/usr/bin:/bin', ...rt.clientEnv(this.home, process.env) }).map(([k, v]) => `${k}=${v}`);
    const argv = ['/usr/bin/env', ...vars, runtimeBinary(rt), ...rt.exec(this.nameOf(processName, instance), ['/bin/sh', '-c', command])];
    return argv.map(quote).join(' ');
  }

  /** The last usage read of an instance's container. */
  usageOf(processName: string, instance: number): ContainerUsage | undefined {
    return this.usage.get(this.nameOf(processName, instance));
  }
}

/** The container's argv: the image's own command when none is given; a string command runs through sh -c. */
function containerArgv(spec: ProcessSpec): string[] {
  if (spec.command === '') return [];
  return spec.shell ? ['/bin/sh', '-c', spec.command] : [spec.command, ...spec.args];
}

/** A spawner decorator: a process with a container section starts as its runtime's foreground client. */
export function containerSpawner(inner: Spawner, mgr: ContainerManager): Spawner {
  return {
    spawn(spec, fds) {
      const c = spec.container;
      if (!c) return inner.spawn(spec, fds);
      const rt = RUNTIMES[c.runtime];
      const binary = runtimeBinary(rt);
      const name = mgr.nameOf(spec.name, spec.env.SENTINEL_INSTANCE ?? '0');
      const token = spec.env[RUN_MARKER] ?? randomUUID();
      const envKeys = Object.keys(spec.env).filter((k) => k !== RUN_MARKER && k !== CONTAINER_MARKER);
      const { command, args } = rt.run(
        {
          name, image: c.image, argv: containerArgv(spec), envKeys, ports: c.ports, volumes: c.volumes, user: c.user,
          labels: { [HOME_LABEL]: mgr.homeHash, [RUN_LABEL]: token, 'sentinel.process': spec.name },
          stopSignal: spec.stopSignal, stopTimeoutSec: Math.ceil(spec.stopTimeoutMs / 1000),
        },
        binary,
      );
      const env = { ...mgr.clientEnv(rt, spec.env), [RUN_MARKER]: token, [CONTAINER_MARKER]: `${rt.name}/${name}` };
      const child = inner.spawn({ ...spec, shell: false, command, args, env }, fds);
      if (child.pid > 0) mgr.track({ pid: child.pid, startTime: child.startTime }, { runtime: rt.name, name, token });
      return child;
    },
    spawnMany(requests) {
      return spawnManyThrough(inner, requests, (r) => (r.spec.container ? null : r), (r) => this.spawn(r.spec, r.fds));
    },
  };
}

/** Checks what a container run needs before anything is created: its runtime and its host paths. */
function checkContainer(c: ContainerSection, spec: ProcessSpec, inner: ProcessHost): void {
  const binary = runtimeBinary(RUNTIMES[c.runtime]);
  // the client runs in the process's cwd: the host checks that it exists
  inner.checkSpawnable({ ...spec, shell: false, command: binary, args: [] });
  for (const v of c.volumes) {
    const source = v.slice(0, v.indexOf(':'));
    if (!source.startsWith('/')) continue;
    try {
      statSync(source);
    } catch {
      throw new SentinelError('INVALID_ARGUMENT', `volume ${JSON.stringify(v)}: ${source} does not exist on this machine; create it or fix the volume's source path`);
    }
  }
}

/** Stops a container run: the runtime stops the container (signal, timeout, SIGKILL), then the client and the container are made sure gone. */
async function stopContainer(mgr: ContainerManager, run: ContainerRun, target: ProcessTarget, opts: StopTreeOptions, inner: ProcessHost): Promise<StopTreeResult> {
  const rt = RUNTIMES[run.runtime];
  const seconds = opts.force ? 0 : Math.ceil(opts.timeoutMs / 1000);
  const began = Date.now();
  const stopped = await mgr.exec(rt, opts.force ? rt.remove([run.name]) : rt.stop(run.name, seconds), seconds * 1000 + 60_000);
  const ranOut = !opts.force && stopped.ok && Date.now() - began >= seconds * 1000;
  let result: StopTreeResult;
  if (stopped.ok) {
    // the client ends once its container is gone (after removing it): give it that time, then stop what is left of it
    await Promise.race([opts.exited, sleep(CLIENT_GRACE_MS)]);
    result = await inner.stopTree(target, { ...opts, timeoutMs: Math.min(opts.timeoutMs, 2000) });
  } else {
    // the runtime could not be reached: the client forwards the signal to its container
    mgr.note(`stopping container ${run.name} through ${rt.name} failed (${stopped.stderr.trim()}); signalling its client`);
    result = await inner.stopTree(target, opts);
  }
  await mgr.exec(rt, rt.remove([run.name]));
  mgr.forget(target);
  return { forceKilled: ranOut || result.forceKilled, survivors: result.survivors };
}

/** A host decorator: container runs are checked, stopped and cleaned up through their runtime. */
export function containerHost(inner: ProcessHost, mgr: ContainerManager): ProcessHost {
  return {
    ...inner,
    checkSpawnable(spec) {
      if (spec.container) checkContainer(spec.container, spec, inner);
      else inner.checkSpawnable(spec);
    },
    stopTree(target, opts) {
      const run = mgr.lookup(target);
      return run ? stopContainer(mgr, run, target, opts, inner) : inner.stopTree(target, opts);
    },
    reapGroup(target, signal, timeoutMs, onLater) {
      const run = mgr.lookup(target);
      const found = inner.reapGroup(target, signal, timeoutMs, onLater);
      if (!run) return found;
      mgr.forget(target);
      // a client that was killed leaves its container running: removed by this run's label only, so a
      // restart that already runs under the same name is never touched
      void mgr.removeRun(run).then((n) => n > 0 && mgr.note(`removed container ${run.name}, left running by its ended client`));
      return found;
    },
  };
}
