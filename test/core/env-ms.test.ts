// The SENTINEL_*_MS timings (src/core/env-ms.ts): unset or empty gives the default, a whole number of
// milliseconds is taken, anything else is refused with the variable's name (it was silently the default).
import { describe, expect, it } from 'vitest';
import { checkEnvTimings, envMs, envMsOrUnset } from '../../src/core/env-ms.js';

describe('timings from the environment', () => {
  it('take a whole number of milliseconds, and the default when unset or empty', () => {
    expect(envMs('SENTINEL_REAP_SWEEP_MS', 1000, {})).toBe(1000);
    expect(envMs('SENTINEL_REAP_SWEEP_MS', 1000, { SENTINEL_REAP_SWEEP_MS: '' })).toBe(1000);
    expect(envMs('SENTINEL_REAP_SWEEP_MS', 1000, { SENTINEL_REAP_SWEEP_MS: '250' })).toBe(250);
    expect(envMsOrUnset('SENTINEL_DB_CHECK_MS', {})).toBeUndefined();
    expect(envMsOrUnset('SENTINEL_DB_CHECK_MS', { SENTINEL_DB_CHECK_MS: '5000' })).toBe(5000);
  });

  it('refuse what is not a whole number of at least 1 ms, naming the variable and its default', () => {
    expect(() => envMs('SENTINEL_LOG_CHECK_MS', 1000, { SENTINEL_LOG_CHECK_MS: '5s' })).toThrow(
      'SENTINEL_LOG_CHECK_MS must be a whole number of milliseconds of at least 1 (got "5s"); unset it for the default of 1000',
    );
    for (const bad of ['0', '-5', '1.5', '1,000', 'soon']) {
      expect(() => envMsOrUnset('SENTINEL_DISK_CHECK_MS', { SENTINEL_DISK_CHECK_MS: bad })).toThrow(/SENTINEL_DISK_CHECK_MS must be a whole number/);
    }
  });

  it('are all checked at once at the daemon start: the first bad one is thrown', () => {
    expect(() => checkEnvTimings({})).not.toThrow();
    expect(() => checkEnvTimings({ SENTINEL_SAMPLE_MS: '3000', SENTINEL_SCOPE_POLL_MS: 'fast' })).toThrow(/SENTINEL_SCOPE_POLL_MS must be/);
    expect(() => checkEnvTimings({ SENTINEL_ADOPT_POLL_MS: '1e3' })).not.toThrow();
    // the shutdown's stop timeout may be 0 (SIGKILL at once); a word was taken as NaN
    expect(envMsOrUnset('SENTINEL_SHUTDOWN_STOP_TIMEOUT', { SENTINEL_SHUTDOWN_STOP_TIMEOUT: '0' })).toBe(0);
    // the CLI's own two are the CLI's to check (the daemon never reads them)
    expect(() => checkEnvTimings({ SENTINEL_REQUEST_TIMEOUT: 'soon', SENTINEL_DAEMON_START_TIMEOUT: 'x' })).not.toThrow();
    expect(() => envMs('SENTINEL_REQUEST_TIMEOUT', 120_000, { SENTINEL_REQUEST_TIMEOUT: 'soon' })).toThrow(/SENTINEL_REQUEST_TIMEOUT must be a whole number of milliseconds of at least 1 \(got "soon"\); unset it for the default of 120000/);
    expect(() => checkEnvTimings({ SENTINEL_SHUTDOWN_STOP_TIMEOUT: 'ten seconds' })).toThrow(/SENTINEL_SHUTDOWN_STOP_TIMEOUT must be a whole number of milliseconds of at least 0 .*default of each process's own stop timeout/);
  });
});
