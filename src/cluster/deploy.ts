// The deploy engine: moves a definition from one revision to another by a plan (src/cluster/plan.ts),
// writing each step to the store before taking it. Why it is safe to kill the daemon at any point: every
// instance carries its revision in its spec (SENTINEL_REVISION), so the instances say what exists; a
// deploy found unfinished at start is rolled back from that (old revision's instances brought back to their
// number and into traffic, new ones drained and removed), never guessed from the step alone.
import { SentinelError } from '../core/errors.js';
import type { Supervisor } from '../core/supervisor.js';
import type { ProcessSpec } from '../core/spec.js';
import type { ProcessRecord } from '../store/processes.js';
import type { DeployOptions, DeployRecord, DeployRepo, DeployStep, RevisionRecord, Strategy, Traffic } from '../store/deploys.js';
import { describeStep, planDeploy } from './plan.js';
import { freePort, TcpProxy } from './deploy-proxy.js';

export const REVISION_ENV = 'SENTINEL_REVISION';

export interface DeployRequest {
  name: string;
  /** The new revision's spec as the user wants it (its `port` is the public port in proxy mode). */
  spec: ProcessSpec;
  artifactHash: string | null;
  traffic: Traffic;
  strategy: Strategy;
  options: DeployOptions;
  actor: string;
  /** A rollback names an existing revision instead of creating one. */
  revision?: RevisionRecord;
}

class DeployAbort extends Error {}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The revision an instance runs; instances from before the first deploy are revision 1. */
export function revisionOf(rec: ProcessRecord): number {
  return Number(rec.spec.env[REVISION_ENV] ?? '1');
}

export class DeployEngine {
  private readonly proxies = new Map<string, TcpProxy>();
  private readonly active = new Map<number, Promise<DeployRecord>>();
  private halted = false;

  constructor(private readonly sup: Supervisor, private readonly repo: DeployRepo, private readonly log: (msg: string) => void = () => undefined) {}

  proxyOf(name: string): TcpProxy | undefined {
    return this.proxies.get(name);
  }

  /** Daemon start: proxies back up for proxied definitions, then every unfinished deploy rolled back. */
  async recover(): Promise<DeployRecord[]> {
    for (const name of this.repo.names()) {
      // a deleted definition keeps its history, not its port
      if (this.sup.instancesOf(name).length === 0) continue;
      const cur = this.repo.current(name);
      const running = this.repo.running(name)[0];
      const rev = running ? this.repo.revision(name, running.fromRevision ?? running.toRevision) : cur;
      if (rev?.traffic !== 'proxy' || rev.spec.port === null) continue;
      try {
        const proxy = await this.ensureProxy(name, rev.spec.port);
        for (const rec of this.sup.instancesOf(name)) if (rec.spec.port !== null) proxy.set(rec.spec.port, revisionOf(rec) === rev.revision ? 1 : 0);
      } catch (err) {
        this.log(`proxy of ${name} on port ${rev.spec.port} could not start: ${messageOf(err)}`);
      }
    }
    const done: DeployRecord[] = [];
    for (const d of this.repo.running()) {
      const at = d.plan[d.step] ? `step ${d.step + 1} of ${d.plan.length} (${describeStep(d.plan[d.step])})` : 'its last step';
      done.push(await this.rollBack(d, `the daemon stopped during ${at}; rolled back when it started again`));
    }
    return done;
  }

  /** Daemon shutdown: no step is taken any more; an unfinished deploy is rolled back at the next start. */
  async halt(): Promise<void> {
    this.halted = true;
    for (const p of this.proxies.values()) await p.close();
    this.proxies.clear();
  }

  private async ensureProxy(name: string, port: number): Promise<TcpProxy> {
    let proxy = this.proxies.get(name);
    if (proxy && proxy.port !== port) throw new SentinelError('INVALID_ARGUMENT', `"${name}" is served on port ${proxy.port}; a deploy cannot move it to port ${port}: leave --port out, or delete it and deploy it again`);
    if (!proxy) {
      proxy = new TcpProxy(port);
      try {
        await proxy.listen();
      } catch (err) {
        const code = (err as { code?: string }).code;
        throw new SentinelError('PORT_IN_USE', `port ${port} cannot be bound for "${name}"'s proxy (${code ?? messageOf(err)}): stop what listens on it, or give another --port`);
      }
      this.proxies.set(name, proxy);
    }
    return proxy;
  }

  /** The steps a request would take, without taking them. */
  plan(name: string, strategy: Strategy, newCount: number, options: DeployOptions): DeployStep[] {
    return planDeploy(strategy, this.sup.instancesOf(name).length, newCount, options);
  }

  /** Refuses a second deploy of the same definition while one runs. */
  checkFree(name: string): void {
    const running = this.repo.running(name)[0];
    if (running) {
      throw new SentinelError('DEPLOY_IN_PROGRESS', `deploy ${running.id} of "${name}" is still running (step ${running.step + 1} of ${running.plan.length}); wait for it ("sentinel deploy status ${name}") and try again`, { deployId: running.id });
    }
  }

  /** Records the revision and the deploy, then runs it in the background; `done` settles at its end. */
  async begin(req: DeployRequest): Promise<{ deploy: DeployRecord; done: Promise<DeployRecord> }> {
    if (this.halted) throw new SentinelError('DAEMON_SHUTTING_DOWN', 'the daemon is shutting down; deploy again once it is back');
    this.checkFree(req.name);
    const existing = this.sup.instancesOf(req.name);
    // a definition deleted and deployed again starts afresh (its earlier revisions stay in the history)
    let from = existing.length > 0 ? this.repo.current(req.name) : undefined;
    if (!from && existing.length > 0) {
      // a definition deployed for the first time: what it runs now becomes revision 1
      const base = structuredClone(existing[0].spec);
      from = this.repo.addRevision({ name: req.name, spec: base, artifactHash: null, traffic: 'none', createdAt: Date.now(), createdBy: 'sentinel' });
      this.repo.insertDeploy({
        name: req.name, fromRevision: null, toRevision: from.revision, strategy: 'rolling', options: req.options, plan: [], step: 0,
        state: 'succeeded', reason: 'the definition as it ran before its first deploy', report: {}, startedAt: Date.now(), endedAt: Date.now(), actor: 'sentinel',
      });
    }
    const traffic = from ? from.traffic : req.traffic;
    if (from && req.traffic === 'proxy' && from.traffic !== 'proxy' && !req.revision) {
      throw new SentinelError('INVALID_ARGUMENT', `"${req.name}" listens on its port itself, not behind Sentinel's proxy; deploy it with --traffic none, or delete it and create it with "sentinel deploy ${req.name} --command ... --port N" to put it behind the proxy`);
    }
    if (traffic === 'proxy' && req.spec.port === null) {
      throw new SentinelError('INVALID_ARGUMENT', `proxy traffic needs a public port: give --port N (or --traffic none)`);
    }
    if (traffic === 'proxy' && from?.spec.port != null && req.spec.port !== from.spec.port) {
      throw new SentinelError('INVALID_ARGUMENT', `"${req.name}" is served on port ${from.spec.port}; a deploy cannot move it to port ${req.spec.port}: leave --port out`);
    }
    const plan = planDeploy(req.strategy, existing.length, req.spec.instances, req.options);
    this.sup.host.checkSpawnable(req.spec);
    if (traffic === 'proxy') await this.ensureProxy(req.name, req.spec.port!);
    const to = req.revision ?? this.repo.addRevision({ name: req.name, spec: req.spec, artifactHash: req.artifactHash, traffic, createdAt: Date.now(), createdBy: req.actor });
    const deploy = this.repo.insertDeploy({
      name: req.name, fromRevision: from?.revision ?? null, toRevision: to.revision, strategy: req.strategy, options: req.options, plan, step: 0,
      state: 'running', reason: null, report: { steps: [] }, startedAt: Date.now(), endedAt: null, actor: req.actor,
    });
    const done = this.run(deploy, to);
    this.active.set(deploy.id, done);
    void done.finally(() => this.active.delete(deploy.id));
    return { deploy, done };
  }

  private async run(d: DeployRecord, to: RevisionRecord): Promise<DeployRecord> {
    const report = d.report as { steps: Array<{ step: string; ms: number }> } & Record<string, unknown>;
    try {
      for (let i = d.step; i < d.plan.length; i++) {
        if (this.halted) throw new DeployAbort();
        d.step = i;
        this.repo.setStep(d.id, i, report);
        const t0 = Date.now();
        await this.take(d, to, d.plan[i], report);
        report.steps.push({ step: describeStep(d.plan[i]), ms: Date.now() - t0 });
      }
      if (this.halted) throw new DeployAbort();
      this.repo.finish(d.id, 'succeeded', null, report, Date.now());
      this.log(`deploy ${d.id} of ${d.name}: revision ${d.toRevision} is live`);
    } catch (err) {
      if (err instanceof DeployAbort || this.halted) return this.repo.deploy(d.id)!;
      return this.rollBack({ ...d, report }, `step ${d.step + 1} (${describeStep(d.plan[d.step])}) failed: ${messageOf(err)}`);
    }
    return this.repo.deploy(d.id)!;
  }

  private instances(name: string, revision: number | null): ProcessRecord[] {
    return this.sup.instancesOf(name).filter((r) => revision === null || revisionOf(r) === revision);
  }

  private async take(d: DeployRecord, to: RevisionRecord, step: DeployStep, report: Record<string, unknown>): Promise<void> {
    const proxy = this.proxies.get(d.name);
    const fresh = this.instances(d.name, d.toRevision);
    const old = this.sup.instancesOf(d.name).filter((r) => revisionOf(r) !== d.toRevision);
    switch (step.op) {
      case 'add': {
        const oldInRotation = old.length;
        const canaryWeight = oldInRotation > 0 ? (d.options.canaryWeight / (1 - d.options.canaryWeight)) * oldInRotation / step.count : 1;
        const weight = step.weight === 'none' ? 0 : step.weight === 'canary' ? canaryWeight : 1;
        await this.addInstances(d.name, to, step.count, d.options.minHealthyMs, d.actor ?? 'deploy', weight);
        return;
      }
      case 'retire':
        await this.retire(d.name, old.sort((a, b) => b.instance - a.instance).slice(0, step.count), d.options.drainMs, d.actor ?? 'deploy');
        return;
      case 'switch':
        if (proxy) {
          for (const r of fresh) if (r.spec.port !== null) proxy.set(r.spec.port, 1);
          for (const r of old) if (r.spec.port !== null) proxy.set(r.spec.port, 0);
        }
        return;
      case 'promote':
        if (proxy) for (const r of fresh) if (r.spec.port !== null) proxy.set(r.spec.port, 1);
        return;
      case 'bake':
        report.canary = await this.bake(d, fresh, step.ms);
        return;
    }
  }

  /** Watches the canaries: any restart, exit or failed health check, or (proxy) too many errors, fails the deploy. */
  private async bake(d: DeployRecord, canaries: ProcessRecord[], ms: number): Promise<Record<string, number>> {
    const proxy = this.proxies.get(d.name);
    const restarts = new Map(canaries.map((r) => [r.id, r.restarts]));
    const until = Date.now() + ms;
    const seen = { connections: 0, errors: 0, http5xx: 0, errorRate: 0 };
    for (;;) {
      if (this.halted) throw new DeployAbort();
      seen.connections = 0; seen.errors = 0; seen.http5xx = 0;
      for (const r of canaries) {
        if (r.state !== 'running') throw new Error(`canary ${r.name}:${r.instance} is ${r.state}${r.reason ? ` (${r.reason})` : ''}`);
        if (r.restarts !== restarts.get(r.id)) throw new Error(`canary ${r.name}:${r.instance} restarted`);
        if (r.health === 'unhealthy') throw new Error(`canary ${r.name}:${r.instance} failed its health check`);
        const s = r.spec.port !== null ? proxy?.stats(r.spec.port) : undefined;
        if (s) { seen.connections += s.connections; seen.errors += s.errors; seen.http5xx += s.http5xx; }
      }
      seen.errorRate = seen.connections > 0 ? (seen.errors + seen.http5xx) / seen.connections : 0;
      if (seen.connections >= 5 && seen.errorRate > d.options.maxErrorRate) {
        throw new Error(`the canary's error rate is ${(seen.errorRate * 100).toFixed(1)}% (${seen.errors + seen.http5xx} of ${seen.connections} connections), above ${(d.options.maxErrorRate * 100).toFixed(1)}%`);
      }
      if (Date.now() >= until) return seen;
      await sleep(Math.min(200, until - Date.now()));
    }
  }

  /** The lowest instance indexes no record uses. */
  private freeIndexes(name: string, n: number): number[] {
    const used = new Set(this.sup.instancesOf(name).map((r) => r.instance));
    const out: number[] = [];
    for (let i = 0; out.length < n; i++) if (!used.has(i)) out.push(i);
    return out;
  }

  /** Starts `count` instances of a revision, waits until they are ready and stayed healthy, then gives them traffic. */
  private async addInstances(name: string, rev: RevisionRecord, count: number, minHealthyMs: number, actor: string, weight: number): Promise<ProcessRecord[]> {
    const proxy = this.proxies.get(name);
    const recs: ProcessRecord[] = [];
    for (const index of this.freeIndexes(name, count)) {
      const spec = structuredClone(rev.spec);
      spec.env = { ...spec.env, [REVISION_ENV]: String(rev.revision) };
      if (rev.traffic === 'proxy') {
        const port = await freePort();
        spec.port = port;
        spec.env.PORT = String(port);
        // behind the proxy an instance gets traffic once it is ready: at least, once its port answers
        const r = spec.readiness ?? {};
        if (r.waitPort === undefined && !r.waitHttp && r.waitLog === undefined && r.waitExec === undefined) spec.readiness = { ...r, waitPort: true };
      }
      recs.push(this.sup.addInstance(spec, index, actor));
    }
    await Promise.all(recs.map(async (r) => {
      if (this.halted) throw new DeployAbort();
      await this.sup.start(r, actor);
      const restarts = r.restarts;
      const until = Date.now() + minHealthyMs;
      while (Date.now() < until) {
        await sleep(Math.min(100, until - Date.now()));
        if (r.state !== 'running' || r.restarts !== restarts) throw new Error(`new instance ${r.name}:${r.instance} did not stay up for ${minHealthyMs}ms (it is ${r.state}${r.reason ? `: ${r.reason}` : ''})`);
        if (r.health === 'unhealthy') throw new Error(`new instance ${r.name}:${r.instance} failed its health check`);
      }
    }));
    if (proxy) for (const r of recs) if (r.spec.port !== null) proxy.set(r.spec.port, weight);
    return recs;
  }

  /** Takes instances out of traffic, waits for their connections to end, stops and removes them. */
  private async retire(name: string, recs: ProcessRecord[], drainMs: number, actor: string): Promise<void> {
    const proxy = this.proxies.get(name);
    await Promise.all(recs.map(async (r) => {
      if (proxy && r.spec.port !== null) await proxy.drain(r.spec.port, drainMs);
      await this.sup.remove(r, actor);
      if (proxy && r.spec.port !== null) proxy.remove(r.spec.port);
    }));
  }

  /**
   * Back to the deploy's old revision: its instances brought back to their number and into traffic first,
   * then the new revision's instances drained and removed. A first deploy (no old revision) removes all.
   */
  async rollBack(d: DeployRecord, why: string): Promise<DeployRecord> {
    this.log(`deploy ${d.id} of ${d.name}: rolling back: ${why}`);
    const report = { ...d.report, rollback: why } as Record<string, unknown>;
    const proxy = this.proxies.get(d.name);
    try {
      const fromRev = d.fromRevision === null ? undefined : this.repo.revision(d.name, d.fromRevision);
      if (fromRev) {
        // an old instance that is down (say it was being retired when the daemon died) is replaced by a fresh
        // one on a port of its own: what is left of its run may still hold its old port for a while
        for (const r of this.instances(d.name, fromRev.revision)) {
          if (r.state === 'stopping') await this.sup.stop(r, 'deploy', { keepWanted: true }).catch(() => undefined);
          if (this.sup.isLive(r)) {
            if (proxy && r.spec.port !== null) proxy.set(r.spec.port, 1);
            continue;
          }
          await this.sup.remove(r, 'deploy');
          if (proxy && r.spec.port !== null) proxy.remove(r.spec.port);
        }
        const missing = fromRev.spec.instances - this.instances(d.name, fromRev.revision).length;
        if (missing > 0) await this.addInstances(d.name, fromRev, missing, 0, 'deploy', 1).catch((err) => { report.rollbackProblem = messageOf(err); });
      }
      const others = this.sup.instancesOf(d.name).filter((r) => revisionOf(r) !== fromRev?.revision);
      await this.retire(d.name, others, d.options.drainMs, 'deploy');
      if (!fromRev && proxy) {
        await proxy.close();
        this.proxies.delete(d.name);
      }
    } catch (err) {
      this.repo.finish(d.id, 'failed', `${why}; the rollback failed too: ${messageOf(err)}`, report, Date.now());
      return this.repo.deploy(d.id)!;
    }
    this.repo.finish(d.id, 'rolled-back', why, report, Date.now());
    return this.repo.deploy(d.id)!;
  }

  /** Stops serving a definition (deleted): its proxy goes. */
  async forget(name: string): Promise<void> {
    const proxy = this.proxies.get(name);
    this.proxies.delete(name);
    await proxy?.close();
  }
}
