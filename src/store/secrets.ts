// Secret rows as stored: the value is sealed (encrypted) by the caller, never stored in clear.
import type { Db } from './db.js';

export interface SecretRow {
  name: string;
  /** The encrypted value (config/secrets.ts: "v1:" + base64). */
  sealed: string;
  createdAt: number;
  updatedAt: number;
}

export type SecretMeta = Omit<SecretRow, 'sealed'>;

interface Row { name: string; value: string; created_at: number; updated_at: number }

export class SecretRepo {
  constructor(private readonly db: Db) {}

  list(): SecretRow[] {
    return (this.db.prepare('SELECT * FROM secrets ORDER BY name').all() as Row[])
      .map((r) => ({ name: r.name, sealed: r.value, createdAt: r.created_at, updatedAt: r.updated_at }));
  }

  /** Inserts, or replaces the value of an existing secret (its created_at stays). */
  upsert(name: string, sealed: string, now: number): void {
    this.db
      .prepare(`INSERT INTO secrets (name, value, created_at, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`)
      .run(name, sealed, now, now);
  }

  /** Name and times without reading the sealed value. */
  meta(name: string): SecretMeta | undefined {
    const row = this.db.prepare('SELECT name, created_at, updated_at FROM secrets WHERE name = ?').get(name) as
      | Omit<Row, 'value'>
      | undefined;
    return row && { name: row.name, createdAt: row.created_at, updatedAt: row.updated_at };
  }

  sealedValue(name: string): string | undefined {
    return (this.db.prepare('SELECT value FROM secrets WHERE name = ?').get(name) as { value: string } | undefined)?.value;
  }

  remove(name: string): void {
    this.db.prepare('DELETE FROM secrets WHERE name = ?').run(name);
  }
}
