// API token rows: a token's hash, never the token itself.
import type { Db } from './db.js';
import type { Role } from '../contracts/roles.js';

export interface TokenRow {
  name: string;
  /** SHA-256 of the token, hex. */
  hash: string;
  role: Role;
  processes: string | null;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  createdBy: string | null;
}

interface Row {
  name: string; hash: string; role: string; processes: string | null; created_at: number;
  expires_at: number | null; last_used_at: number | null; created_by: string | null;
}

function fromRow(r: Row): TokenRow {
  return {
    name: r.name, hash: r.hash, role: r.role as Role, processes: r.processes, createdAt: r.created_at,
    expiresAt: r.expires_at, lastUsedAt: r.last_used_at, createdBy: r.created_by,
  };
}

export class TokenRepo {
  constructor(private readonly db: Db) {}

  list(): TokenRow[] {
    return (this.db.prepare('SELECT * FROM tokens ORDER BY name').all() as Row[]).map(fromRow);
  }

  get(name: string): TokenRow | undefined {
    const r = this.db.prepare('SELECT * FROM tokens WHERE name = ?').get(name) as Row | undefined;
    return r && fromRow(r);
  }

  byHash(hash: string): TokenRow | undefined {
    const r = this.db.prepare('SELECT * FROM tokens WHERE hash = ?').get(hash) as Row | undefined;
    return r && fromRow(r);
  }

  insert(t: TokenRow): void {
    this.db
      .prepare(`INSERT INTO tokens (name, hash, role, processes, created_at, expires_at, last_used_at, created_by)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(t.name, t.hash, t.role, t.processes, t.createdAt, t.expiresAt, t.lastUsedAt, t.createdBy);
  }

  /** Deletes a token; false when there was none of that name. */
  remove(name: string): boolean {
    return this.db.prepare('DELETE FROM tokens WHERE name = ?').run(name).changes > 0;
  }

  /** Deletes tokens that expired before `time` (short-lived ones pile up otherwise); returns how many. */
  removeExpiredBefore(time: number): number {
    return this.db.prepare('DELETE FROM tokens WHERE expires_at IS NOT NULL AND expires_at < ?').run(time).changes;
  }

  touch(name: string, now: number): void {
    this.db.prepare('UPDATE tokens SET last_used_at = ? WHERE name = ?').run(now, name);
  }
}
