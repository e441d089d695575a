// The failed-login limiter with a fake clock: locked after max failures within the window, per address,
// open again when the window that began with the first failure has passed.
import { describe, expect, it } from 'vitest';
import { LoginLimiter } from '../../src/api/tcp/login-limiter.js';

describe('LoginLimiter', () => {
  it('locks an address after max failures within the window, and only that address', () => {
    let now = 1_000;
    const l = new LoginLimiter(3, 10_000, () => now);
    l.fail('a');
    l.fail('a');
    expect(l.blockedFor('a')).toBe(0);
    now += 1_000;
    l.fail('a');
    expect(l.blockedFor('a')).toBe(9_000);
    expect(l.blockedFor('b')).toBe(0);
    now += 8_999;
    expect(l.blockedFor('a')).toBe(1);
    now += 1;
    expect(l.blockedFor('a')).toBe(0);
    // a new window starts from scratch
    l.fail('a');
    expect(l.blockedFor('a')).toBe(0);
  });

  it('forgets failures older than the window', () => {
    let now = 0;
    const l = new LoginLimiter(2, 1_000, () => now);
    l.fail('a');
    now = 1_500;
    l.fail('a');
    expect(l.blockedFor('a')).toBe(0);
  });

  it('stays bounded under a flood of addresses', () => {
    const now = 0;
    const l = new LoginLimiter(1, 60_000, () => now);
    for (let i = 0; i < 25_000; i++) l.fail(`10.0.${i >> 8}.${i & 255}`);
    expect((l as unknown as { byKey: Map<string, unknown> }).byKey.size).toBeLessThanOrEqual(10_000);
    expect(l.blockedFor('10.0.97.167')).toBeGreaterThan(0); // the latest are kept
  });
});
