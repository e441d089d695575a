// Whether and when a process that ended runs again: a pure function of (exit, policy, history, now).
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

/** Exponential backoff starts here when no explicit delay is set. */
const EXPONENTIAL_BASE_MS = 100;

export function describeExit(exit: Pick<ExitRecord, 'exitCode' | 'signal'>): string {
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
  const base = policy.delayMs > 0 ? policy.delayMs : EXPONENTIAL_BASE_MS;
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

  const recent = base.restartTimes.filter((t) => now - t < policy.windowMs);
  if (policy.maxRestarts > 0 && recent.length >= policy.maxRestarts) {
    return {
      restart: false,
      final: 'failed',
      history: { restartTimes: recent, consecutive: base.consecutive },
      reason: `${describeExit(exit)}; restarted ${recent.length} times within ${Math.round(policy.windowMs / 1000)}s (max-restarts ${policy.maxRestarts}), giving up`,
    };
  }
  const attempt = base.consecutive + 1;
  let delayMs = backoffDelay(policy, attempt);
  if (policy.jitter > 0 && delayMs > 0) delayMs = Math.max(0, Math.round(delayMs * (1 + policy.jitter * (2 * random() - 1))));
  return {
    restart: true,
    delayMs,
    attempt,
    history: { restartTimes: [...recent, now + delayMs], consecutive: attempt },
    reason: want.why,
  };
}
