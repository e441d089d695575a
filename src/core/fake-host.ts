// A simulated OS for tests of anything that takes a ProcessHost: spawn hands out pids, the test decides
// when each process exits and which signals it ignores, and every signal sent is recorded. Waits (the
// stop timeout) run on the given Clock, so a FakeClock drives them. Nothing here touches a real process.
import type { Clock } from './clock.js';
import { SentinelError } from './errors.js';
import type { OutputFds, ProcessHost, ProcessTarget, StopTreeOptions, StopTreeResult } from './host.js';
import type { ChildHandle } from './spawn.js';
import type { ProcessSpec } from './spec.js';

export interface SentSignal {
  pid: number;
  startTime: number | null;
  signal: NodeJS.Signals;
  /** To one process, to a tree being stopped, or to a group's leftovers. */
  how: 'process' | 'tree' | 'group';
  /** Whether it reached a live process that was still the target. */
  delivered: boolean;
}

/** Signals whose default action does not end a process. */
const HARMLESS = new Set<string>(['SIGCONT', 'SIGCHLD', 'SIGWINCH', 'SIGURG']);

export class FakeProcess implements ChildHandle {
  alive = true;
  readonly ignored = new Set<string>();
  /** Processes it left in its group (background children); reapGroup finds them once it has ended. */
  leftovers = 0;
  private callbacks: Array<(code: number | null, signal: string | null) => void> = [];
  private ended: [number | null, string | null] | null = null;

  constructor(readonly pid: number, readonly startTime: number, readonly spec: ProcessSpec | null) {}

  onExit(cb: (code: number | null, signal: string | null) => void): void {
    if (this.ended) cb(this.ended[0], this.ended[1]);
    else this.callbacks.push(cb);
  }

  /** Ends the process (a no-op when it has already ended). */
  exit(code: number | null, signal: string | null = null): void {
    if (!this.alive) return;
    this.alive = false;
    this.ended = [code, signal];
    for (const cb of this.callbacks.splice(0)) cb(code, signal);
  }

  /** Makes it survive these signals (never SIGKILL). */
  ignore(...signals: NodeJS.Signals[]): this {
    for (const s of signals) if (s !== 'SIGKILL') this.ignored.add(s);
    return this;
  }
}

export class FakeHost implements ProcessHost {
  readonly processes: FakeProcess[] = [];
  readonly signals: SentSignal[] = [];
  private nextPid: number;
  private nextStartTime = 1000;
  private spawnFailures: Array<Error | 'no-pid'> = [];
  /** Working directories that do not exist (the rest all do). */
  readonly missingDirs = new Set<string>();

  // pids far above any real pid_max, so a mistake can never reach a real process
  constructor(private readonly clock: Clock, firstPid = 90_000_000) {
    this.nextPid = firstPid;
  }

  /** The next spawn throws `failure`, or (with 'no-pid') returns a child without a pid, as a refused fork does. */
  failNextSpawn(failure: Error | 'no-pid'): void {
    this.spawnFailures.push(failure);
  }

  checkSpawnable(spec: ProcessSpec): void {
    if (this.missingDirs.has(spec.cwd)) {
      throw new SentinelError('CWD_NOT_FOUND', `working directory ${spec.cwd} does not exist or is not a directory; create it or set the working directory (--cwd, or cwd: in a config file) to an existing one`);
    }
  }

  spawn(spec: ProcessSpec, _fds: OutputFds): ChildHandle {
    const failure = this.spawnFailures.shift();
    if (failure instanceof Error) throw failure;
    if (failure === 'no-pid') return { pid: -1, startTime: null, onExit: (cb) => cb(127, null) };
    const proc = new FakeProcess(this.nextPid++, this.nextStartTime++, spec);
    this.processes.push(proc);
    return proc;
  }

  /** A process this host did not start (it outlived an earlier daemon, or took a recycled pid). */
  addProcess(pid: number, startTime: number): FakeProcess {
    const proc = new FakeProcess(pid, startTime, null);
    this.processes.push(proc);
    return proc;
  }

  /** The last process started with this name. */
  last(name?: string): FakeProcess {
    const found = this.processes.filter((p) => name === undefined || p.spec?.name === name);
    if (found.length === 0) throw new Error(`no fake process${name ? ` named ${name}` : ''}`);
    return found[found.length - 1];
  }

  signalsTo(pid: number): NodeJS.Signals[] {
    return this.signals.filter((s) => s.pid === pid).map((s) => s.signal);
  }

  outputSize(_fd: number): number {
    return 0;
  }

  private find(target: ProcessTarget): FakeProcess | undefined {
    return this.processes.find((p) => p.alive && p.pid === target.pid && (target.startTime == null || p.startTime === target.startTime));
  }

  isAlive(target: ProcessTarget): boolean {
    return this.find(target) !== undefined;
  }

  readStartTime(pid: number): number | null {
    return this.processes.find((p) => p.alive && p.pid === pid)?.startTime ?? null;
  }

  private send(target: ProcessTarget, signal: NodeJS.Signals, how: SentSignal['how']): boolean {
    const proc = this.find(target);
    this.signals.push({ pid: target.pid, startTime: target.startTime, signal, how, delivered: proc !== undefined });
    if (!proc) return false;
    // like a real one, the process dies after the call that signalled it has returned
    if (signal === 'SIGKILL' || (!HARMLESS.has(signal) && !proc.ignored.has(signal))) queueMicrotask(() => proc.exit(null, signal));
    return true;
  }

  signal(target: ProcessTarget, signal: NodeJS.Signals): boolean {
    return this.send(target, signal, 'process');
  }

  async stopTree(target: ProcessTarget, opts: StopTreeOptions): Promise<StopTreeResult> {
    if (!opts.force) {
      this.send(target, opts.signal, 'tree');
      this.send(target, 'SIGCONT', 'tree');
      if (await this.within(opts.exited, opts.timeoutMs)) return { forceKilled: false, survivors: [] };
    }
    this.send(target, 'SIGKILL', 'tree');
    await opts.exited;
    return { forceKilled: !opts.force, survivors: [] };
  }

  reapGroup(target: ProcessTarget, signal: NodeJS.Signals, _timeoutMs: number): number {
    const proc = this.processes.find((p) => p.pid === target.pid && p.startTime === target.startTime);
    if (!proc || proc.leftovers === 0) return 0;
    const found = proc.leftovers;
    proc.leftovers = 0;
    this.signals.push({ pid: target.pid, startTime: target.startTime, signal, how: 'group', delivered: true });
    return found;
  }

  /** Whether `done` settles before `ms` have passed on the clock. */
  private within(done: Promise<unknown>, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => resolve(false), ms);
      void done.then(() => {
        this.clock.clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
