// SENTINEL_NOTIFY_WINDOW: a duration, 0 for none, the default when unset; a malformed value is refused with
// the variable's name (it was silently the default).
import { describe, expect, it } from 'vitest';
import { notifyWindowFromEnv } from '../../src/daemon/health-monitor.js';

describe('notification window from the environment', () => {
  it('takes a duration, 0 for none, and 5 minutes when unset or empty', () => {
    expect(notifyWindowFromEnv({})).toBe(300_000);
    expect(notifyWindowFromEnv({ SENTINEL_NOTIFY_WINDOW: '' })).toBe(300_000);
    expect(notifyWindowFromEnv({ SENTINEL_NOTIFY_WINDOW: '30s' })).toBe(30_000);
    expect(notifyWindowFromEnv({ SENTINEL_NOTIFY_WINDOW: '0' })).toBe(0);
  });

  it('refuses what is not a duration, naming the variable and its default', () => {
    expect(() => notifyWindowFromEnv({ SENTINEL_NOTIFY_WINDOW: 'often' })).toThrow(/^SENTINEL_NOTIFY_WINDOW: .*"often"; unset it for the default of 5m$/);
  });
});
