// Groups (named sets of processes with shared env) and allocated ports.
import type { Db } from './db.js';

export interface GroupRecord { name: string; env: Record<string, string>; createdAt: number }
export interface PortRecord { port: number; name: string; allocatedAt: number }

export class GroupRepo {
  constructor(private readonly db: Db) {}

  list(): GroupRecord[] {
    return (this.db.prepare('SELECT * FROM groups ORDER BY name').all() as Array<{ name: string; env: string; created_at: number }>)
      .map((r) => ({ name: r.name, env: JSON.parse(r.env), createdAt: r.created_at }));
  }

  get(name: string): GroupRecord | undefined {
    return this.list().find((g) => g.name === name);
  }

  create(name: string, env: Record<string, string>, now: number): GroupRecord {
    this.db.prepare('INSERT INTO groups (name, env, created_at) VALUES (?, ?, ?)').run(name, JSON.stringify(env), now);
    return { name, env, createdAt: now };
  }

  setEnv(name: string, env: Record<string, string>): void {
    this.db.prepare('UPDATE groups SET env = ? WHERE name = ?').run(JSON.stringify(env), name);
  }

  remove(name: string): void {
    this.db.prepare('DELETE FROM groups WHERE name = ?').run(name);
  }
}

export class PortRepo {
  constructor(private readonly db: Db) {}

  list(): PortRecord[] {
    return (this.db.prepare('SELECT * FROM ports ORDER BY port').all() as Array<{ port: number; name: string; allocated_at: number }>)
      .map((r) => ({ port: r.port, name: r.name, allocatedAt: r.allocated_at }));
  }

  get(port: number): PortRecord | undefined {
    return this.list().find((p) => p.port === port);
  }

  byName(name: string): PortRecord | undefined {
    return this.list().find((p) => p.name === name);
  }

  add(port: number, name: string, now: number): PortRecord {
    this.db.prepare('INSERT INTO ports (port, name, allocated_at) VALUES (?, ?, ?)').run(port, name, now);
    return { port, name, allocatedAt: now };
  }

  remove(port: number): void {
    this.db.prepare('DELETE FROM ports WHERE port = ?').run(port);
  }
}
