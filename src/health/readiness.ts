// Readiness: a process is `starting` until every configured condition held once
// (port accepts, HTTP answers, a log line appeared, a command exits 0), then `running`.
import { SentinelError } from '../core/errors.js';
import { probeHttp, probeTcp, type ProbeResult } from './probe-net.js';
import { probeExec } from './probe-exec.js';
import { createLogTail, fileSize, findLogLine } from './log-tail.js';
import { parseHttpUrl, parsePort, parseRegex, parseStatusRange } from './validate.js';

export interface ReadinessSpec {
  port?: number;
  http?: { url: string; expectStatus?: [number, number] };
  /** RegExp source matched against each new line of stdout and stderr. */
  log?: string;
  /** Shell command; ready once it exits 0. */
  exec?: string;
}

export interface WaitReadyOptions {
  timeoutMs: number;
  pollMs?: number;
  /** Upper bound for one probe attempt (default 5 s, never past the deadline). */
  probeTimeoutMs?: number;
  signal?: AbortSignal;
  /** Called about once a second while waiting: ("waiting for port 8080", 10_000, 30_000). */
  onProgress?(message: string, elapsedMs: number, timeoutMs: number): void;
  isAlive(): boolean;
  logFiles: { stdout: string; stderr: string };
  /** Where this run's output starts in the log files; default: their size when waiting begins. */
  logOffsets?: { stdout?: number; stderr?: number };
  host?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export interface ReadyResult {
  elapsedMs: number;
  /** What proved readiness, one entry per condition ("port 8080: connected"). */
  details: string[];
}

interface Condition {
  /** "port 8080" — used in progress and crash messages. */
  label: string;
  check(timeoutMs: number): Promise<ProbeResult>;
  /** Why the wait failed, given the formatted timeout and the last attempt. */
  failure(within: string, last: ProbeResult | null): string;
}

/** "500ms", "2.5s", "30s", "2m 0s": short enough for an error message. */
export function formatWait(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m ${s % 60}s`;
}

function lastAttempt(last: ProbeResult | null): string {
  return last ? ` (last attempt: ${last.detail})` : '';
}

function buildConditions(spec: ReadinessSpec, opts: WaitReadyOptions): Condition[] {
  const conditions: Condition[] = [];
  const host = opts.host ?? '127.0.0.1';
  if (spec.port !== undefined) {
    const port = spec.port;
    conditions.push({
      label: `port ${port}`,
      check: (timeoutMs) => probeTcp({ host, port }, { timeoutMs, signal: opts.signal }),
      failure: (within) => `nothing listened on port ${port} within ${within}`,
    });
  }
  if (spec.http) {
    const { url, expectStatus = [200, 399] } = spec.http;
    const range = expectStatus[0] === expectStatus[1] ? `${expectStatus[0]}` : `${expectStatus[0]}-${expectStatus[1]}`;
    conditions.push({
      label: `GET ${url}`,
      check: (timeoutMs) => probeHttp({ url, expectStatus }, { timeoutMs, signal: opts.signal }),
      failure: (within, last) => `GET ${url} did not answer with status ${range} within ${within}${lastAttempt(last)}`,
    });
  }
  if (spec.log !== undefined) {
    const regex = new RegExp(spec.log);
    const tails = [
      createLogTail(opts.logFiles.stdout, opts.logOffsets?.stdout ?? fileSize(opts.logFiles.stdout)),
      createLogTail(opts.logFiles.stderr, opts.logOffsets?.stderr ?? fileSize(opts.logFiles.stderr)),
    ];
    conditions.push({
      label: `a log line matching /${spec.log}/`,
      check: async () => {
        const match = findLogLine(tails, regex);
        return { ok: match !== null, detail: match ? `log line "${match.line}"` : 'no match yet', durationMs: 0 };
      },
      failure: (within) => `no line of stdout or stderr matched /${spec.log}/ within ${within}`,
    });
  }
  if (spec.exec !== undefined) {
    const command = spec.exec;
    conditions.push({
      label: `command "${command}" to succeed`,
      check: (timeoutMs) => probeExec({ command, cwd: opts.cwd, env: opts.env }, { timeoutMs, signal: opts.signal }),
      failure: (within, last) => `readiness command "${command}" did not exit 0 within ${within}${lastAttempt(last)}`,
    });
  }
  return conditions;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Resolves once every condition in `spec` held; rejects with STARTUP_TIMEOUT, CRASHED_IMMEDIATELY or NOT_READY (aborted). */
export async function waitReady(spec: ReadinessSpec, opts: WaitReadyOptions): Promise<ReadyResult> {
  const start = Date.now();
  const pollMs = opts.pollMs ?? 200;
  const pending = buildConditions(spec, opts);
  const last = new Map<Condition, ProbeResult>();
  const details: string[] = [];
  let lastProgress = start;

  for (;;) {
    const elapsedMs = Date.now() - start;
    const waitingFor = pending.map((c) => c.label).join(' and ');
    if (opts.signal?.aborted) {
      throw new SentinelError('NOT_READY', `stopped waiting for ${waitingFor || 'readiness'}: the wait was cancelled`);
    }
    if (!opts.isAlive()) {
      const what = waitingFor ? ` while waiting for ${waitingFor}` : '';
      throw new SentinelError('CRASHED_IMMEDIATELY', `the process exited after ${formatWait(elapsedMs)}${what}; see its last log lines`, {
        elapsedMs,
      });
    }
    if (pending.length === 0) return { elapsedMs, details };
    const remaining = opts.timeoutMs - elapsedMs;
    if (remaining <= 0) {
      const within = formatWait(opts.timeoutMs);
      const message = pending.map((c) => c.failure(within, last.get(c) ?? null)).join('; ');
      throw new SentinelError('STARTUP_TIMEOUT', message, { timeoutMs: opts.timeoutMs, waitingFor: pending.map((c) => c.label) });
    }
    if (opts.onProgress && Date.now() - lastProgress >= 1000) {
      lastProgress = Date.now();
      opts.onProgress(`waiting for ${waitingFor}`, elapsedMs, opts.timeoutMs);
    }
    const attemptMs = Math.max(1, Math.min(remaining, opts.probeTimeoutMs ?? 5000));
    const results = await Promise.all(pending.map((c) => c.check(attemptMs)));
    for (let i = pending.length - 1; i >= 0; i--) {
      last.set(pending[i], results[i]);
      if (results[i].ok) {
        details.unshift(`${pending[i].label}: ${results[i].detail}`);
        pending.splice(i, 1);
      }
    }
    if (pending.length > 0) await sleep(Math.min(pollMs, Math.max(1, opts.timeoutMs - (Date.now() - start))), opts.signal);
  }
}

/**
 * Checks readiness options as typed (CLI flags or config) and returns a normalized spec.
 * Accepts { port, http: url | { url, expectStatus }, expectStatus, log, exec }.
 */
export function validateReadiness(raw: Record<string, unknown>): ReadinessSpec {
  const spec: ReadinessSpec = {};
  if (raw.port !== undefined && raw.port !== null) spec.port = parsePort(raw.port as string, '--wait-port');
  const http = raw.http as string | { url?: string; expectStatus?: string | number } | undefined;
  if (http !== undefined && http !== null) {
    const url = typeof http === 'string' ? http : http.url;
    const status = (typeof http === 'object' ? http.expectStatus : undefined) ?? raw.expectStatus;
    spec.http = { url: parseHttpUrl(url as string, '--wait-http').href };
    if (status !== undefined && status !== null) spec.http.expectStatus = parseStatusRange(status as string, '--expect-status');
  } else if (raw.expectStatus !== undefined) {
    throw new SentinelError('INVALID_ARGUMENT', '--expect-status: only applies with --wait-http, as in --wait-http http://127.0.0.1:8080/health --expect-status 200');
  }
  if (raw.log !== undefined && raw.log !== null) {
    parseRegex(raw.log as string, '--wait-log');
    spec.log = raw.log as string;
  }
  if (raw.exec !== undefined && raw.exec !== null) {
    if (typeof raw.exec !== 'string' || raw.exec.trim() === '') {
      throw new SentinelError('INVALID_ARGUMENT', `--wait-exec: expected a shell command like "pg_isready -h 127.0.0.1", got ${JSON.stringify(raw.exec)}`);
    }
    spec.exec = raw.exec;
  }
  return spec;
}

/** Whether the spec has any condition at all (otherwise the caller uses its plain start wait). */
export function hasReadiness(spec: ReadinessSpec): boolean {
  return spec.port !== undefined || spec.http !== undefined || spec.log !== undefined || spec.exec !== undefined;
}
