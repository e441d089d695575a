// Restart policy from parameters (run, policy, config): every value checked, with what was expected.
import { SentinelError } from '../../core/errors.js';
import type { RestartPolicy } from '../../core/spec.js';
import { parseExitCodes } from '../../health/validate.js';
import type { Daemon, Handlers } from '../context.js';
import { optDuration, type Params } from '../params.js';
import { parseRestartMode } from './spec-from-params.js';
import { views } from './processes.js';

function count(p: Params, key: string, flag: string): number | undefined {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'number' ? v : /^\d+$/.test(String(v)) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 1_000_000) {
    throw new SentinelError('INVALID_ARGUMENT', `${flag} ${JSON.stringify(v)}: expected a whole number of restarts, 0 for unlimited (e.g. ${flag} 5)`);
  }
  return n;
}

function jitter(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  const text = String(v).trim();
  const m = text.match(/^(\d+(?:\.\d+)?)(%)?$/);
  const n = m ? (m[2] ? Number(m[1]) / 100 : Number(m[1])) : NaN;
  if (!(n >= 0 && n <= 1)) throw new SentinelError('INVALID_ARGUMENT', `--jitter ${JSON.stringify(v)}: expected a fraction from 0 to 1 or a percentage (e.g. --jitter 0.2 or --jitter 20%)`);
  return n;
}

function codes(v: unknown, flag: string): number[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return parseExitCodes(v as number[], flag);
  return parseExitCodes(String(v), flag);
}

/** Applies the policy parameters present in `p` on top of `base`. */
export function restartPolicyFromParams(p: Params, base: RestartPolicy): RestartPolicy {
  const backoff = p.backoff;
  if (backoff !== undefined && backoff !== null && backoff !== 'fixed' && backoff !== 'exponential') {
    throw new SentinelError('INVALID_ARGUMENT', `--backoff ${JSON.stringify(backoff)}: expected fixed or exponential (e.g. --backoff exponential)`);
  }
  const next: RestartPolicy = {
    ...base,
    ...(p.restart !== undefined ? { mode: parseRestartMode(p.restart) } : {}),
    exitCodes: codes(p.restartExitCodes, '--restart-exit-codes') ?? base.exitCodes,
    noRestartExitCodes: codes(p.noRestartExitCodes, '--no-restart-exit-codes') ?? base.noRestartExitCodes,
    maxRestarts: count(p, 'maxRestarts', '--max-restarts') ?? count(p, 'retries', '--retries') ?? base.maxRestarts,
    windowMs: optDuration(p, 'restartWindow', '--restart-window') ?? base.windowMs,
    delayMs: optDuration(p, 'restartDelay', '--restart-delay') ?? optDuration(p, 'delay', '--delay') ?? base.delayMs,
    backoff: (backoff as RestartPolicy['backoff'] | undefined) ?? base.backoff,
    backoffMaxMs: optDuration(p, 'backoffMax', '--backoff-max') ?? base.backoffMaxMs,
    jitter: jitter(p.jitter) ?? base.jitter,
    minUptimeMs: optDuration(p, 'minUptime', '--min-uptime') ?? base.minUptimeMs,
  };
  // a policy given with --retries/--delay on a process that never restarts means "restart on failure"
  if (next.mode === 'never' && p.restart === undefined && (p.retries !== undefined || p.maxRestarts !== undefined)) next.mode = 'on-failure';
  return next;
}

export function policyOps(d: Daemon): Handlers<'policy'> {
  return {
    async policy(p, ctx) {
      const rec = d.supervisor.resolve(p.ref);
      const restart = restartPolicyFromParams(p, rec.spec.restart);
      await d.supervisor.updateSpec(rec, { ...rec.spec, restart }, ctx.actor, 'restart policy changed');
      return { process: views(d, [rec])[0], restart };
    },
  };
}
