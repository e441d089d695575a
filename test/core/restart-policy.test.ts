import { describe, expect, it } from 'vitest';
import { backoffDelay, decideRestart, EMPTY_HISTORY, takeToken, type Bucket, type RestartHistory } from '../../src/core/restart-policy.js';
import { DEFAULT_RESTART_POLICY, type ExitRecord, type RestartPolicy } from '../../src/core/spec.js';

const exit = (over: Partial<ExitRecord> = {}): ExitRecord => ({
  pid: 1, exitCode: 1, signal: null, startedAt: 0, endedAt: 100, durationMs: 100, stoppedByUs: false, forceKilled: false, timedOut: false, ...over,
});
const policy = (over: Partial<RestartPolicy> = {}): RestartPolicy => ({ ...DEFAULT_RESTART_POLICY, mode: 'always', ...over });

describe('decideRestart', () => {
  it('never restarts with policy never', () => {
    const d = decideRestart(exit(), policy({ mode: 'never' }), EMPTY_HISTORY, 1000);
    expect(d).toMatchObject({ restart: false, final: 'exited', reason: 'restart policy is "never"' });
  });

  it('never restarts what Sentinel stopped', () => {
    expect(decideRestart(exit({ stoppedByUs: true }), policy(), EMPTY_HISTORY, 1000).restart).toBe(false);
  });

  it('on-failure restarts a failure and not a success', () => {
    expect(decideRestart(exit({ exitCode: 0 }), policy({ mode: 'on-failure' }), EMPTY_HISTORY, 0).restart).toBe(false);
    expect(decideRestart(exit({ exitCode: 2 }), policy({ mode: 'on-failure' }), EMPTY_HISTORY, 0).restart).toBe(true);
    expect(decideRestart(exit({ exitCode: null, signal: 'SIGSEGV' }), policy({ mode: 'on-failure' }), EMPTY_HISTORY, 0).restart).toBe(true);
  });

  it('always restarts a success too', () => {
    expect(decideRestart(exit({ exitCode: 0 }), policy(), EMPTY_HISTORY, 0).restart).toBe(true);
  });

  it('honours exit-code conditions', () => {
    const p = policy({ exitCodes: [1, 2], noRestartExitCodes: [] });
    expect(decideRestart(exit({ exitCode: 2 }), p, EMPTY_HISTORY, 0).restart).toBe(true);
    const no = decideRestart(exit({ exitCode: 5 }), p, EMPTY_HISTORY, 0);
    expect(no).toMatchObject({ restart: false, reason: 'exit code 5 is not in restart-exit-codes (1,2)' });
    const skip = decideRestart(exit({ exitCode: 143 }), policy({ noRestartExitCodes: [0, 143] }), EMPTY_HISTORY, 0);
    expect(skip).toMatchObject({ restart: false, reason: 'exit code 143 is in no-restart-exit-codes' });
  });

  it('gives up after max restarts within the window, with the reason', () => {
    const p = policy({ maxRestarts: 3, windowMs: 60_000, minUptimeMs: 10_000 });
    let h: RestartHistory = EMPTY_HISTORY;
    let now = 0;
    for (let i = 0; i < 3; i++) {
      const d = decideRestart(exit(), p, h, now);
      expect(d.restart).toBe(true);
      h = d.history;
      now += 1000;
    }
    const last = decideRestart(exit(), p, h, now);
    expect(last).toMatchObject({ restart: false, final: 'failed' });
    expect(last.reason).toBe('exit code 1; restarted 3 times within 60s (max-restarts 3), giving up');
  });

  it('forgets old restarts outside the window', () => {
    const p = policy({ maxRestarts: 2, windowMs: 10_000, minUptimeMs: 100_000 });
    const h: RestartHistory = { restartTimes: [0, 1000], consecutive: 2 };
    expect(decideRestart(exit(), p, h, 5000).restart).toBe(false);
    expect(decideRestart(exit(), p, h, 20_000).restart).toBe(true);
  });

  it('resets the counter after a run longer than min uptime', () => {
    const p = policy({ maxRestarts: 1, minUptimeMs: 10_000 });
    const h: RestartHistory = { restartTimes: [900], consecutive: 5 };
    const d = decideRestart(exit({ durationMs: 20_000 }), p, h, 1000);
    expect(d).toMatchObject({ restart: true, attempt: 1 });
  });

  it('backs off exponentially up to the maximum', () => {
    const p = policy({ backoff: 'exponential', delayMs: 1000, backoffMaxMs: 5000, jitter: 0 });
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(p, a))).toEqual([1000, 2000, 4000, 5000, 5000]);
    const d = decideRestart(exit(), p, { restartTimes: [], consecutive: 2 }, 0);
    expect(d).toMatchObject({ restart: true, delayMs: 4000, attempt: 3 });
  });

  it('applies jitter within its bounds', () => {
    const p = policy({ delayMs: 1000, jitter: 0.5 });
    expect(decideRestart(exit(), p, EMPTY_HISTORY, 0, () => 0)).toMatchObject({ delayMs: 500 });
    expect(decideRestart(exit(), p, EMPTY_HISTORY, 0, () => 1)).toMatchObject({ delayMs: 1500 });
  });

  it('an explicit zero delay stays zero with exponential backoff', () => {
    const p = policy({ backoff: 'exponential', delayMs: 0 });
    expect([1, 2, 5].map((a) => backoffDelay(p, a))).toEqual([0, 0, 0]);
  });

  it('by default backs off from 100 ms to 30 s with jitter, and ends failed after 15 unstable restarts', () => {
    const p = policy();
    expect([1, 2, 3, 9, 10, 11].map((a) => backoffDelay(p, a))).toEqual([100, 200, 400, 25_600, 30_000, 30_000]);
    expect(decideRestart(exit(), p, EMPTY_HISTORY, 0, () => 0)).toMatchObject({ delayMs: 80 });
    expect(decideRestart(exit(), p, EMPTY_HISTORY, 0, () => 1)).toMatchObject({ delayMs: 120 });
    // each run dies before min uptime; hours apart still counts (window 0: since the last stable run)
    let h: RestartHistory = EMPTY_HISTORY;
    let now = 0;
    for (let i = 1; i <= 15; i++) {
      const d = decideRestart(exit(), p, h, now);
      expect(d).toMatchObject({ restart: true, attempt: i });
      h = d.history;
      now += 3_600_000;
    }
    const last = decideRestart(exit(), p, h, now);
    expect(last).toMatchObject({ restart: false, final: 'failed' });
    expect(last.reason).toBe('exit code 1; restarted 15 times without staying up 1s (max-restarts 15), giving up');
    // a run that stayed up min uptime starts over
    expect(decideRestart(exit({ durationMs: 1000 }), p, h, now)).toMatchObject({ restart: true, attempt: 1 });
  });

  it('max-restarts 0 is unlimited, and the history stays small', () => {
    const p = policy({ maxRestarts: 0, delayMs: 0 });
    let h: RestartHistory = EMPTY_HISTORY;
    for (let i = 0; i < 1000; i++) {
      const d = decideRestart(exit(), p, h, i);
      expect(d.restart).toBe(true);
      h = d.history;
    }
    expect(h.consecutive).toBe(1000);
    expect(h.restartTimes.length).toBeLessThanOrEqual(1);
  });
});

describe('takeToken', () => {
  const rate = { burst: 3, perSecond: 10 };
  it('lets a burst through at once, then spaces takes at the refill rate', () => {
    let b: Bucket | undefined;
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t = takeToken(b, 1000, rate);
      b = t.bucket;
      waits.push(t.waitMs);
    }
    expect(waits).toEqual([0, 0, 0, 100, 200, 300]);
  });

  it('refills with time, up to the burst', () => {
    let b = takeToken(undefined, 0, rate).bucket;
    b = takeToken(b, 0, rate).bucket;
    b = takeToken(b, 0, rate).bucket;
    expect(takeToken(b, 100, rate).waitMs).toBe(0);
    expect(takeToken(b, 50, rate).waitMs).toBe(50);
    expect(takeToken(b, 60_000, rate).bucket.tokens).toBe(2);
  });
});

