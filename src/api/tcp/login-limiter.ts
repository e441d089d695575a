// Failed logins per client address: after `max` failures within `windowMs` the address is refused (429)
// until the window that began with its first failure has passed. Only failures count: a client with a
// good token is never slowed down (@fastify/rate-limit counts every request, so it is not used here).

export class LoginLimiter {
  private readonly byKey = new Map<string, { start: number; count: number }>();

  constructor(private readonly max: number, private readonly windowMs: number, private readonly now: () => number = Date.now) {}

  /** Milliseconds until the address may try again; 0 when it may now. */
  blockedFor(key: string): number {
    const e = this.byKey.get(key);
    if (!e) return 0;
    const left = e.start + this.windowMs - this.now();
    if (left <= 0) {
      this.byKey.delete(key);
      return 0;
    }
    return e.count >= this.max ? left : 0;
  }

  fail(key: string): void {
    const t = this.now();
    const e = this.byKey.get(key);
    if (e && t - e.start < this.windowMs) e.count += 1;
    else {
      // a flood of addresses must not grow the map without bound: drop the expired entries first
      if (this.byKey.size >= 10_000) for (const [k, v] of this.byKey) if (t - v.start >= this.windowMs) this.byKey.delete(k);
      if (this.byKey.size >= 10_000) this.byKey.delete(this.byKey.keys().next().value!);
      this.byKey.set(key, { start: t, count: 1 });
    }
  }
}
