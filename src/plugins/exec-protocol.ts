// The exec protocol: a program of any language, spawned once and kept alive, answering requests as JSON
// lines on stdin/stdout (like supervisord's event listeners, but request/response by id):
//   → {"id": 7, "method": "check", "params": {...}}
//   ← {"id": 7, "result": {...}}        or   {"id": 7, "error": {"message": "..."}}
// The first request is always `hello` ({apiVersion, name, kinds, options}); the answer must carry the same
// apiVersion. Nothing here knows what the methods mean, so any subsystem (health checks, notifiers,
// scaling policies) can drive its own program through it.
//
// Why the daemon is safe from the program: every call has a timeout; a call that times out means the
// program is wedged, so its whole process group is killed and it is started again; a crash rejects
// what was pending and restarts after an exponential backoff; a line that is not an answer is counted
// and dropped. Each of these is reported through `onEvent`; none of them throws into the caller's turn.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { SentinelError } from '../core/errors.js';
import type { PluginEvent, PluginState } from './types.js';

export interface ExecPluginOptions {
  name: string;
  /** argv[0] and its arguments; run without a shell. */
  argv: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** The `hello` request's params (apiVersion is added). */
  hello: Record<string, unknown>;
  apiVersion: number;
  /** Per call, unless the call says otherwise. */
  timeoutMs: number;
  /** For the `hello` answer: start-up of an interpreter can take longer than a check (default max(timeoutMs, 10 s)). */
  startTimeoutMs?: number;
  /** First delay before a restart after a crash; doubled each time up to backoffMaxMs. */
  backoffMs?: number;
  backoffMaxMs?: number;
  onEvent(event: PluginEvent): void;
  /** A line the program wrote to stderr. */
  onStderr?(line: string): void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
  method: string;
}

export interface ExecPlugin {
  /** Sends one request; resolves with its result, rejects with a SentinelError on error, timeout or crash. */
  call(method: string, params: unknown, timeoutMs?: number): Promise<unknown>;
  /** Starts the program (if it is not running) and waits for the `hello` answer. */
  start(): Promise<void>;
  state(): PluginState;
  pid(): number | null;
  restarts(): number;
  lastError(): string | null;
  close(): Promise<void>;
}

const MAX_LINE = 1024 * 1024;
const STDERR_KEEP = 5;

function pluginError(name: string, message: string): SentinelError {
  return new SentinelError('PLUGIN_FAILED', `plugin "${name}": ${message}`);
}

export function createExecPlugin(o: ExecPluginOptions): ExecPlugin {
  const backoffBase = o.backoffMs ?? 500;
  const backoffMax = o.backoffMaxMs ?? 30_000;
  let child: ChildProcess | null = null;
  let state: PluginState = 'stopped';
  let nextId = 1;
  const pending = new Map<number, Pending>();
  let ready: Promise<void> | null = null;
  let restarts = 0;
  let failuresInRow = 0;
  let lastError: string | null = null;
  let restartTimer: NodeJS.Timeout | null = null;
  let restartAt = 0;
  let closed = false;
  const stderrTail: string[] = [];

  function event(kind: PluginEvent['kind'], message: string): void {
    if (kind !== 'started') lastError = message;
    try {
      o.onEvent({ plugin: o.name, kind, message });
    } catch {
      // an observer's failure is not the plugin's
    }
  }

  function failPending(err: Error): void {
    for (const [id, p] of pending) {
      clearTimeout(p.timer);
      pending.delete(id);
      p.reject(err);
    }
  }

  function killGroup(c: ChildProcess): void {
    if (!c.pid) return;
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      try {
        c.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  function scheduleRestart(): void {
    if (closed || state === 'disabled') return;
    const delay = Math.min(backoffMax, backoffBase * 2 ** Math.max(0, failuresInRow - 1));
    state = 'backoff';
    restartAt = Date.now() + delay;
    restartTimer = setTimeout(() => {
      restartTimer = null;
      restarts++;
      start().catch(() => undefined); // reported through onEvent
    }, delay);
    restartTimer.unref();
  }

  function onLine(line: string): void {
    let msg: { id?: unknown; result?: unknown; error?: { message?: unknown } };
    try {
      msg = JSON.parse(line);
    } catch {
      event('garbage', `wrote a line that is not JSON (ignored): ${JSON.stringify(line.slice(0, 120))}`);
      return;
    }
    const p = typeof msg === 'object' && msg !== null && typeof msg.id === 'number' ? pending.get(msg.id) : undefined;
    if (!p) {
      event('garbage', `wrote a line that answers no open request (ignored): ${JSON.stringify(line.slice(0, 120))}`);
      return;
    }
    pending.delete(msg.id as number);
    clearTimeout(p.timer);
    if (msg.error !== undefined) {
      const text = typeof msg.error?.message === 'string' ? msg.error.message : JSON.stringify(msg.error);
      p.reject(pluginError(o.name, `${p.method} failed: ${text}`));
    } else if (!('result' in msg)) {
      event('garbage', `answered ${p.method} with neither "result" nor "error"`);
      p.reject(pluginError(o.name, `answered ${p.method} with neither "result" nor "error"`));
    } else {
      // only a real answer proves the program works: one that greets and then crashes on every call backs off further each time
      if (p.method !== 'hello') failuresInRow = 0;
      p.resolve(msg.result);
    }
  }

  function spawnChild(): ChildProcess {
    const c = spawn(o.argv[0], o.argv.slice(1), { cwd: o.cwd, env: o.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    stderrTail.length = 0;
    createInterface({ input: c.stdout!, crlfDelay: Infinity }).on('line', (line) => {
      if (child !== c) return;
      if (line.length > MAX_LINE) return event('garbage', `wrote a line of ${line.length} bytes (ignored)`);
      if (line.trim() !== '') onLine(line);
    });
    createInterface({ input: c.stderr!, crlfDelay: Infinity }).on('line', (line) => {
      stderrTail.push(line);
      if (stderrTail.length > STDERR_KEEP) stderrTail.shift();
      o.onStderr?.(line);
    });
    c.stdin!.on('error', () => undefined); // EPIPE after a crash: the exit handler reports it
    c.on('error', (err) => {
      if (child !== c) return;
      child = null;
      failuresInRow++;
      event('failed', `could not start ${JSON.stringify(o.argv[0])}: ${err.message}`);
      failPending(pluginError(o.name, `could not start: ${err.message}`));
      scheduleRestart();
    });
    c.on('exit', (code, signal) => {
      if (child !== c) return;
      child = null;
      if (closed) return;
      failuresInRow++;
      const tail = stderrTail.length ? `; last stderr: ${stderrTail.join(' | ')}` : '';
      const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
      event('crashed', `${how}${tail}; restarting`);
      failPending(pluginError(o.name, `the program ${how}`));
      scheduleRestart();
    });
    return c;
  }

  function send(method: string, params: unknown, timeoutMs: number): Promise<unknown> {
    const c = child;
    if (!c) return Promise.reject(pluginError(o.name, 'is not running'));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        failuresInRow++;
        event('timeout', `no answer to ${method} within ${timeoutMs} ms; the program is killed and started again`);
        reject(pluginError(o.name, `no answer to ${method} within ${timeoutMs} ms`));
        // a program that does not answer is wedged: its group goes, the exit handler restarts it
        killGroup(c);
      }, timeoutMs);
      timer.unref();
      pending.set(id, { resolve, reject, timer, method });
      c.stdin!.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  }

  function start(): Promise<void> {
    if (closed) return Promise.reject(pluginError(o.name, 'is closed'));
    if (state === 'disabled') return Promise.reject(pluginError(o.name, `is disabled: ${lastError}`));
    if (child && ready) return ready;
    state = 'starting';
    child = spawnChild();
    const c = child;
    ready = send('hello', { apiVersion: o.apiVersion, ...o.hello }, o.startTimeoutMs ?? Math.max(o.timeoutMs, 10_000)).then(
      (answer) => {
        const version = (answer as { apiVersion?: unknown } | null)?.apiVersion;
        if (version !== o.apiVersion) {
          state = 'disabled';
          child = null;
          killGroup(c);
          const msg = `speaks plugin API version ${JSON.stringify(version)}, this daemon speaks ${o.apiVersion}: answer hello with {"apiVersion": ${o.apiVersion}} once it does`;
          event('incompatible', msg);
          throw pluginError(o.name, msg);
        }
        if (child === c) state = 'ready';
        event('started', `started (pid ${c.pid})`);
      },
      (err: Error) => {
        ready = null;
        throw err;
      },
    );
    return ready;
  }

  return {
    async call(method, params, timeoutMs) {
      if (state === 'backoff') {
        throw pluginError(o.name, `is restarting after a failure (${lastError}); next start in ${Math.max(0, restartAt - Date.now())} ms`);
      }
      await start();
      return send(method, params, timeoutMs ?? o.timeoutMs);
    },
    start,
    state: () => state,
    pid: () => child?.pid ?? null,
    restarts: () => restarts,
    lastError: () => lastError,
    async close() {
      closed = true;
      if (restartTimer) clearTimeout(restartTimer);
      const c = child;
      child = null;
      state = 'stopped';
      failPending(pluginError(o.name, 'the daemon is stopping'));
      if (!c) return;
      // end of stdin is the polite way to say goodbye; the group is killed if the program lingers
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          killGroup(c);
          resolve();
        }, 1000);
        c.once('exit', () => {
          clearTimeout(t);
          killGroup(c);
          resolve();
        });
        c.stdin!.end();
      });
    },
  };
}
