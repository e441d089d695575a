// What each config file created (groups, ports, schedules), so `down` releases exactly that.
import type { Db } from './db.js';

export type OwnedKind = 'group' | 'port' | 'schedule';

export interface OwnedRow {
  kind: OwnedKind;
  name: string;
}

export class ConfigOwnedRepo {
  constructor(private readonly db: Db) {}

  /** Records that `file` created the object; recording it twice is a no-op. */
  add(file: string, kind: OwnedKind, name: string): void {
    this.db.prepare('INSERT OR IGNORE INTO config_owned (file, kind, name) VALUES (?, ?, ?)').run(file, kind, name);
  }

  list(file: string): OwnedRow[] {
    return this.db.prepare('SELECT kind, name FROM config_owned WHERE file = ?').all(file) as OwnedRow[];
  }

  names(file: string, kind: OwnedKind): string[] {
    return (this.db.prepare('SELECT name FROM config_owned WHERE file = ? AND kind = ?').all(file, kind) as Array<{ name: string }>).map((r) => r.name);
  }

  remove(file: string, kind: OwnedKind, name: string): void {
    this.db.prepare('DELETE FROM config_owned WHERE file = ? AND kind = ? AND name = ?').run(file, kind, name);
  }

  removeFile(file: string): void {
    this.db.prepare('DELETE FROM config_owned WHERE file = ?').run(file);
  }
}
