// Revisions (a definition's spec as deployed) and deploys (the move from one revision to another, step by
// step). The engine (src/cluster/deploy.ts) writes the step it is about to take here before taking it.
import type { Db } from './db.js';
import type { ProcessSpec } from '../core/spec.js';

export type Traffic = 'proxy' | 'none';
export type DeployState = 'running' | 'succeeded' | 'rolled-back' | 'failed';
export type Strategy = 'rolling' | 'blue-green' | 'canary';

export interface RevisionRecord {
  name: string;
  revision: number;
  spec: ProcessSpec;
  artifactHash: string | null;
  traffic: Traffic;
  createdAt: number;
  createdBy: string | null;
}

/** One step of a plan: start new instances, take old ones out, switch traffic, or watch the canary. */
export type DeployStep =
  | { op: 'add'; count: number; weight: 'normal' | 'none' | 'canary' }
  | { op: 'retire'; count: number }
  | { op: 'switch' }
  | { op: 'bake'; ms: number }
  | { op: 'promote' };

export interface DeployOptions {
  maxSurge: number;
  maxUnavailable: number;
  minHealthyMs: number;
  canaryWeight: number;
  canaryInstances: number;
  bakeMs: number;
  maxErrorRate: number;
  drainMs: number;
}

export interface DeployRecord {
  id: number;
  name: string;
  fromRevision: number | null;
  toRevision: number;
  strategy: Strategy;
  options: DeployOptions;
  plan: DeployStep[];
  /** The index of the step being taken (plan.length once all are done). */
  step: number;
  state: DeployState;
  reason: string | null;
  /** What was seen: canary error rate, restarts, durations; free-form, shown by status. */
  report: Record<string, unknown>;
  startedAt: number;
  endedAt: number | null;
  actor: string | null;
}

interface RevisionRow { name: string; revision: number; spec: string; artifact_hash: string | null; traffic: string; created_at: number; created_by: string | null }
interface DeployRow {
  id: number; name: string; from_revision: number | null; to_revision: number; strategy: string; options: string; plan: string;
  step: number; state: string; reason: string | null; report: string; started_at: number; ended_at: number | null; actor: string | null;
}

function revisionOf(r: RevisionRow): RevisionRecord {
  return { name: r.name, revision: r.revision, spec: JSON.parse(r.spec), artifactHash: r.artifact_hash, traffic: r.traffic as Traffic, createdAt: r.created_at, createdBy: r.created_by };
}

function deployOf(r: DeployRow): DeployRecord {
  return {
    id: r.id, name: r.name, fromRevision: r.from_revision, toRevision: r.to_revision, strategy: r.strategy as Strategy,
    options: JSON.parse(r.options), plan: JSON.parse(r.plan), step: r.step, state: r.state as DeployState, reason: r.reason,
    report: JSON.parse(r.report), startedAt: r.started_at, endedAt: r.ended_at, actor: r.actor,
  };
}

export class DeployRepo {
  constructor(private readonly db: Db) {}

  addRevision(rev: Omit<RevisionRecord, 'revision'>): RevisionRecord {
    const last = this.db.prepare('SELECT MAX(revision) AS n FROM revisions WHERE name = ?').get(rev.name) as { n: number | null };
    const revision = (last.n ?? 0) + 1;
    this.db.prepare('INSERT INTO revisions (name, revision, spec, artifact_hash, traffic, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(rev.name, revision, JSON.stringify(rev.spec), rev.artifactHash, rev.traffic, rev.createdAt, rev.createdBy);
    return { ...rev, revision };
  }

  revision(name: string, revision: number): RevisionRecord | undefined {
    const row = this.db.prepare('SELECT * FROM revisions WHERE name = ? AND revision = ?').get(name, revision) as RevisionRow | undefined;
    return row ? revisionOf(row) : undefined;
  }

  revisions(name: string): RevisionRecord[] {
    return (this.db.prepare('SELECT * FROM revisions WHERE name = ? ORDER BY revision').all(name) as RevisionRow[]).map(revisionOf);
  }

  /** The revision a definition runs: the target of its last deploy that succeeded (none: never deployed). */
  current(name: string): RevisionRecord | undefined {
    const row = this.db.prepare("SELECT to_revision, from_revision, state FROM deploys WHERE name = ? AND state <> 'running' ORDER BY id DESC LIMIT 1").get(name) as
      { to_revision: number; from_revision: number | null; state: string } | undefined;
    if (!row) return undefined;
    const rev = row.state === 'succeeded' ? row.to_revision : row.from_revision;
    return rev === null ? undefined : this.revision(name, rev);
  }

  /** Names of every definition with revisions. */
  names(): string[] {
    return (this.db.prepare('SELECT DISTINCT name FROM revisions ORDER BY name').all() as Array<{ name: string }>).map((r) => r.name);
  }

  insertDeploy(d: Omit<DeployRecord, 'id'>): DeployRecord {
    const info = this.db.prepare(`INSERT INTO deploys (name, from_revision, to_revision, strategy, options, plan, step, state, reason, report, started_at, ended_at, actor)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      d.name, d.fromRevision, d.toRevision, d.strategy, JSON.stringify(d.options), JSON.stringify(d.plan), d.step, d.state, d.reason,
      JSON.stringify(d.report), d.startedAt, d.endedAt, d.actor,
    );
    return { ...d, id: Number(info.lastInsertRowid) };
  }

  /** Writes the step about to be taken (and the report so far). */
  setStep(id: number, step: number, report: Record<string, unknown>): void {
    this.db.prepare('UPDATE deploys SET step = ?, report = ? WHERE id = ?').run(step, JSON.stringify(report), id);
  }

  finish(id: number, state: Exclude<DeployState, 'running'>, reason: string | null, report: Record<string, unknown>, now: number): void {
    this.db.prepare('UPDATE deploys SET state = ?, reason = ?, report = ?, ended_at = ? WHERE id = ?').run(state, reason, JSON.stringify(report), now, id);
  }

  deploy(id: number): DeployRecord | undefined {
    const row = this.db.prepare('SELECT * FROM deploys WHERE id = ?').get(id) as DeployRow | undefined;
    return row ? deployOf(row) : undefined;
  }

  running(name?: string): DeployRecord[] {
    const rows = name === undefined
      ? this.db.prepare("SELECT * FROM deploys WHERE state = 'running' ORDER BY id").all()
      : this.db.prepare("SELECT * FROM deploys WHERE state = 'running' AND name = ? ORDER BY id").all(name);
    return (rows as DeployRow[]).map(deployOf);
  }

  history(name: string, limit: number): DeployRecord[] {
    return (this.db.prepare('SELECT * FROM deploys WHERE name = ? ORDER BY id DESC LIMIT ?').all(name, limit) as DeployRow[]).map(deployOf);
  }
}
