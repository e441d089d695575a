// Small daemon-wide values kept by key: the boot id of the last start, the global notification channels.
import type { Db } from './db.js';

export type MetaKey = 'boot_id' | 'notifications';

export class MetaRepo {
  constructor(private readonly db: Db) {}

  get(key: MetaKey): string | undefined {
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  set(key: MetaKey, value: string): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }
}
