// Whether and when a process that ended runs again: a pure function of (exit, policy, history, now).
import { humanDuration } from './duration.js';
import type { ExitRecord, RestartPolicy } from './spec.js';

export interface RestartHistory {
  /** Times of the restarts made since the counter was last reset. */
  restartTimes: number[];
  /** Restarts in a row without a run that reached min uptime. */
  consecutive: number;
}

export type RestartDecision =
  | { restart: true; delayMs: number; attempt: number; history: RestartHistory; reason: string }
  | { restart: false; final: 'exited' | 'failed'; history: RestartHistory; reason: string };

export const EMPTY_HISTORY: RestartHistory = { restartTimes: [], consecutive: 0 };

/**
 * Automatic restarts are rate-limited whatever the policy says, so that a zero-delay crash loop cannot
 * take the daemon down: each process has a token bucket (a burst of immediate restarts, then a floor
 * between them) and so do all processes together. The first restarts stay immediate.
 */
export const RESTART_RATE = {
  perProcess: { burst: 10, perSecond: 20 },
  overall: { burst: 40, perSecond: 30 },
};

/** A token bucket: `tokens` left at time `at`. */
export interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Takes one token from a bucket refilled at `perSecond` up to `burst`. Returns the bucket after the take
 * and how long to wait until the token is really there (0: now). A token may be borrowed ahead: the
 * wait says when.
 */
export function takeToken(bucket: Bucket | undefined, now: number, rate: { burst: number; perSecond: number }): { bucket: Bucket; waitMs: number } {
  const prev = bucket ?? { tokens: rate.burst, at: now };
  const refilled = Math.min(rate.burst, prev.tokens + (Math.max(0, now - prev.at) * rate.perSecond) / 1000);
  const tokens = refilled - 1;
  const waitMs = tokens >= 0 ? 0 : Math.ceil((-tokens * 1000) / rate.perSecond);
  return { bucket: { tokens, at: Math.max(now, prev.at) }, waitMs };
}

function formatSeconds(ms: number): string {
  return humanDuration(ms);
}

export function describeExit(exit: Pick<ExitRecord, 'exitCode' | 'signal' | 'cause'>): string {
  if (exit.cause) return exit.cause;
  if (exit.signal) return `killed by ${exit.signal}`;
  return `exit code ${exit.exitCode ?? '?'}`;
}

function wantsRestart(exit: ExitRecord, policy: RestartPolicy): { yes: boolean; why: string } {
  const failed = exit.signal !== null || exit.exitCode !== 0;
  if (policy.mode === 'never') return { yes: false, why: `restart policy is "never"` };
  if (policy.mode === 'on-failure' && !failed) return { yes: false, why: 'exited successfully and restart policy is "on-failure"' };
  const code = exit.exitCode;
  if (code !== null && policy.noRestartExitCodes.includes(code)) return { yes: false, why: `exit code ${code} is in no-restart-exit-codes` };
  if (policy.exitCodes.length > 0 && (code === null || !policy.exitCodes.includes(code))) {
    return { yes: false, why: `${describeExit(exit)} is not in restart-exit-codes (${policy.exitCodes.join(',')})` };
  }
  return { yes: true, why: `${describeExit(exit)}, restart policy "${policy.mode}"` };
}

/** The delay before restart number `attempt` (1-based), before jitter. */
export function backoffDelay(policy: RestartPolicy, attempt: number): number {
  if (policy.backoff !== 'exponential') return policy.delayMs;
  // an explicit zero delay stays zero (the rate limits in RESTART_RATE still apply)
  const base = policy.delayMs;
  const raw = base * 2 ** Math.min(attempt - 1, 30);
  return Math.min(raw, Math.max(policy.backoffMaxMs, base));
}

export function decideRestart(
  exit: ExitRecord,
  policy: RestartPolicy,
  history: RestartHistory,
  now: number,
  random: () => number = Math.random,
): RestartDecision {
  // A run that stayed up long enough proves the process healthy again: forget earlier restarts.
  const reset = exit.durationMs >= policy.minUptimeMs;
  const base: RestartHistory = reset ? { restartTimes: [], consecutive: 0 } : history;
  if (exit.stoppedByUs) return { restart: false, final: 'exited', history: base, reason: 'stopped by sentinel' };
  const want = wantsRestart(exit, policy);
  if (!want.yes) return { restart: false, final: 'exited', history: base, reason: want.why };

  // window 0: every restart since the process last stayed up min-uptime counts
  const recent = policy.windowMs > 0 ? base.restartTimes.filter((t) => now - t < policy.windowMs) : base.restartTimes;
  if (policy.maxRestarts > 0 && recent.length >= policy.maxRestarts) {
    const within = policy.windowMs > 0
      ? `within ${Math.round(policy.windowMs / 1000)}s`
      : `without staying up ${formatSeconds(policy.minUptimeMs)}`;
    return {
      restart: false,
      final: 'failed',
      history: { restartTimes: recent, consecutive: base.consecutive },
      reason: `${describeExit(exit)}; restarted ${recent.length} times ${within} (max-restarts ${policy.maxRestarts}), giving up`,
    };
  }
  const attempt = base.consecutive + 1;
  let delayMs = backoffDelay(policy, attempt);
  if (policy.jitter > 0 && delayMs > 0) delayMs = Math.max(0, Math.round(delayMs * (1 + policy.jitter * (2 * random() - 1))));
  return {
    restart: true,
    delayMs,
    attempt,
    // only the last max-restarts times can matter: an unlimited crash loop must not grow the history
    history: { restartTimes: [...recent, now + delayMs].slice(-Math.max(policy.maxRestarts, 1)), consecutive: attempt },
    reason: want.why,
  };
}
