// Failed logins per client address: after `max` failures within `windowMs` the address is refused (429)
// until the window that began with its first failure has passed. Only failures count: a client with a
// good token is never slowed down (@fastify/rate-limit counts every request, so it is not used here).

/** Addresses remembered at most; past it the oldest window is forgotten first. */
const MAX_ADDRESSES = 10_000;

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
    if (e && t - e.start < this.windowMs) {
      e.count += 1;
      return;
    }
    // entries stay in the order their windows started (delete, then set): the expired ones are at the
    // front, so a flood of addresses costs O(1) per failure and the map stays bounded
    this.byKey.delete(key);
    for (const [k, v] of this.byKey) {
      if (t - v.start < this.windowMs && this.byKey.size < MAX_ADDRESSES) break;
      this.byKey.delete(k);
    }
    this.byKey.set(key, { start: t, count: 1 });
  }
}
