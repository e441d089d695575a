// deploy.start / status / history / rollback: the requests are checked and turned into a revision's spec
// here; the moves themselves are the engine's (src/cluster/deploy.ts).
import path from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { SentinelError } from '../../core/errors.js';
import type { ProcessSpec } from '../../core/spec.js';
import type { DeployOptions, DeployRecord, RevisionRecord, Strategy } from '../../store/deploys.js';
import { describeStep, planDeploy } from '../../cluster/plan.js';
import { revisionOf, type DeployEngine } from '../../cluster/deploy.js';
import { hashArtifact } from '../../cluster/artifact.js';
import { parseEnvPairs } from '../params.js';
import { specFromParams } from './spec-from-params.js';
import type { Daemon, Handlers } from '../context.js';
import type { OpParams } from '../../contracts/index.js';

type DeployOp = 'deploy.start' | 'deploy.status' | 'deploy.history' | 'deploy.rollback';
type Rollout = OpParams<'deploy.rollback'>;

function optionsOf(p: Rollout): DeployOptions {
  const canaryWeight = (p.canaryWeight ?? 10) / 100;
  if (canaryWeight <= 0 || canaryWeight >= 1) {
    throw new SentinelError('INVALID_ARGUMENT', `--canary-weight ${p.canaryWeight}%: the canary's share must be above 0% and below 100%, like 10`);
  }
  return {
    maxSurge: p.maxSurge ?? (p.maxUnavailable ? 0 : 1),
    maxUnavailable: p.maxUnavailable ?? 0,
    minHealthyMs: p.minHealthy ?? 1000,
    canaryWeight,
    canaryInstances: p.canaryInstances ?? 1,
    bakeMs: p.bake ?? 30_000,
    maxErrorRate: (p.maxErrorRate ?? 1) / 100,
    drainMs: p.drain ?? 10_000,
  };
}

export function deployView(d: DeployRecord | (Omit<DeployRecord, 'id' | 'state' | 'startedAt'> & { id: 0; state: 'planned'; startedAt: null })): import('zod').input<typeof import('../../contracts/deploys.js').DeployView> {
  return {
    id: d.id, name: d.name, fromRevision: d.fromRevision, toRevision: d.toRevision, strategy: d.strategy, state: d.state, step: d.step,
    steps: d.plan.map(describeStep), reason: d.reason, report: d.report, startedAt: d.startedAt, endedAt: d.endedAt, actor: d.actor,
  };
}

function engineOf(d: Daemon): DeployEngine {
  if (!d.deploys) throw new SentinelError('INTERNAL', 'internal error: the deploy engine is not running in this daemon');
  return d.deploys;
}

function commandText(spec: ProcessSpec): string {
  return spec.shell ? spec.command : [spec.command, ...spec.args].join(' ');
}

export function deployOps(d: Daemon): Handlers<DeployOp> {
  const sup = d.supervisor;

  /** The revision's spec: the current one with the request's changes, or a new definition's. */
  async function specFor(p: OpParams<'deploy.start'>): Promise<ProcessSpec> {
    const members = sup.instancesOf(p.ref);
    const current = members.length > 0 ? d.deployRepo?.current(p.ref) : undefined;
    if (members.length === 0) {
      if (p.command === undefined) {
        throw new SentinelError('PROCESS_NOT_FOUND', `no process named "${p.ref}" to deploy; to create it, give its command: sentinel deploy ${p.ref} --command "node server.js" --port 8080`);
      }
      const spec = await specFromParams({ command: p.command, name: p.ref, cwd: p.cwd, env: p.env, envVars: p.envVars, instances: p.instances, waitHttp: p.waitHttp }, {
        groupEnv: () => ({}), globalEnvFile: d.paths.globalEnv, takenNames: (n) => sup.find(n) !== undefined,
      });
      spec.port = p.port ?? null;
      if (p.startupTimeout !== undefined) spec.readiness = { ...(spec.readiness ?? {}), timeoutMs: p.startupTimeout };
      return spec;
    }
    const base = structuredClone(current?.spec ?? members[0].spec);
    if (p.command !== undefined) Object.assign(base, { command: p.command, args: [], shell: true });
    if (p.cwd !== undefined) {
      const cwd = path.resolve(p.cwd);
      if (!existsSync(cwd) || !statSync(cwd).isDirectory()) throw new SentinelError('CWD_NOT_FOUND', `--cwd ${p.cwd}: no such directory; give an existing directory`);
      base.cwd = cwd;
    }
    if (p.envVars) base.env = { ...base.env, ...parseEnvPairs(p.envVars) };
    if (p.instances !== undefined) base.instances = p.instances;
    if (p.port !== undefined) base.port = p.port;
    if (p.waitHttp !== undefined) base.readiness = { ...(base.readiness ?? {}), waitHttp: { url: p.waitHttp } };
    if (p.startupTimeout !== undefined) base.readiness = { ...(base.readiness ?? {}), timeoutMs: p.startupTimeout };
    delete base.env.SENTINEL_REVISION;
    return base;
  }

  async function launch(p: Rollout, req: { spec: ProcessSpec; artifactHash: string | null; traffic: 'proxy' | 'none'; revision?: RevisionRecord }, actor: string) {
    const engine = engineOf(d);
    const strategy: Strategy = p.strategy ?? 'rolling';
    const options = optionsOf(p);
    if (p.dryRun) {
      engine.checkFree(p.ref);
      const from = sup.instancesOf(p.ref).length > 0 ? d.deployRepo?.current(p.ref) : undefined;
      const plan = planDeploy(strategy, sup.instancesOf(p.ref).length, req.spec.instances, options);
      const next = req.revision?.revision ?? (d.deployRepo!.revisions(p.ref).at(-1)?.revision ?? (sup.instancesOf(p.ref).length > 0 ? 1 : 0)) + 1;
      return {
        deploy: deployView({ id: 0, name: p.ref, fromRevision: from?.revision ?? (sup.instancesOf(p.ref).length > 0 ? 1 : null), toRevision: next, strategy, options, plan, step: 0, state: 'planned', reason: null, report: {}, startedAt: null, endedAt: null, actor }),
        dryRun: true,
      };
    }
    const { deploy, done } = await engine.begin({ name: p.ref, ...req, strategy, options, actor });
    const final = p.noWait ? deploy : await done;
    if (!p.noWait && final.state !== 'succeeded') {
      throw new SentinelError('DEPLOY_FAILED', `deploy ${final.id} of "${p.ref}" ${final.state === 'rolled-back' ? 'was rolled back' : 'failed'}: ${final.reason}; revision ${final.fromRevision ?? 'none'} still runs (see "sentinel deploy status ${p.ref}")`, { deployId: final.id });
    }
    return { deploy: deployView(final), dryRun: false };
  }

  return {
    async 'deploy.start'(p, ctx) {
      engineOf(d).checkFree(p.ref);
      const spec = await specFor(p);
      const exists = sup.instancesOf(p.ref).length > 0;
      const current = exists ? d.deployRepo?.current(p.ref) : undefined;
      const traffic = p.traffic ?? current?.traffic ?? (spec.port !== null && !exists ? 'proxy' : 'none');
      const artifactHash = p.artifact === undefined ? null : hashArtifact(path.resolve(spec.cwd, p.artifact));
      return launch(p, { spec, artifactHash, traffic }, ctx.actor);
    },

    'deploy.status'(p) {
      const repo = d.deployRepo;
      const members = sup.instancesOf(p.ref);
      if (members.length === 0) sup.resolve(p.ref);
      const current = repo?.current(p.ref);
      const last = repo?.history(p.ref, 1)[0] ?? null;
      const proxy = d.deploys?.proxyOf(p.ref);
      return {
        name: p.ref, revision: current?.revision ?? (members.length > 0 ? 1 : null), proxyPort: proxy?.port ?? null,
        deploy: last ? deployView(last) : null,
        instances: members.map((r) => {
          const s = proxy && r.spec.port !== null ? proxy.list().find((b) => b.port === r.spec.port) : undefined;
          return {
            name: r.name, instance: r.instance, state: r.state, pid: r.pid, revision: revisionOf(r), port: r.spec.port, restarts: r.restarts,
            traffic: s ? { weight: s.weight, connections: s.connections, active: s.active, errors: s.errors, http5xx: s.http5xx } : null,
          };
        }),
      };
    },

    'deploy.history'(p) {
      const repo = d.deployRepo;
      const revisions = repo?.revisions(p.ref) ?? [];
      if (revisions.length === 0) sup.resolve(p.ref);
      return {
        name: p.ref, revision: repo?.current(p.ref)?.revision ?? null,
        revisions: revisions.reverse().map((r) => ({
          revision: r.revision, command: commandText(r.spec), instances: r.spec.instances, traffic: r.traffic, artifactHash: r.artifactHash, createdAt: r.createdAt, createdBy: r.createdBy,
        })),
        deploys: (repo?.history(p.ref, p.limit ?? 20) ?? []).map(deployView),
      };
    },

    async 'deploy.rollback'(p, ctx) {
      engineOf(d).checkFree(p.ref);
      const repo = d.deployRepo!;
      if (sup.instancesOf(p.ref).length === 0) sup.resolve(p.ref);
      const current = repo.current(p.ref);
      const revisions = repo.revisions(p.ref);
      if (revisions.length === 0) {
        sup.resolve(p.ref);
        throw new SentinelError('REVISION_NOT_FOUND', `"${p.ref}" was never deployed, so it has no earlier revision; deploy a change first ("sentinel deploy ${p.ref} --command ...")`);
      }
      const known = revisions.map((r) => r.revision).join(', ');
      let target: RevisionRecord | undefined;
      if (p.to !== undefined) {
        target = repo.revision(p.ref, p.to);
        if (!target) throw new SentinelError('REVISION_NOT_FOUND', `"${p.ref}" has no revision ${p.to}; its revisions are ${known} ("sentinel deploy history ${p.ref}")`);
      } else {
        const before = revisions.filter((r) => current === undefined || r.revision < current.revision).at(-1);
        if (!before) throw new SentinelError('REVISION_NOT_FOUND', `"${p.ref}" runs its first revision (${current?.revision ?? 1}); there is nothing earlier to go back to`);
        target = before;
      }
      if (current && target.revision === current.revision) {
        throw new SentinelError('INVALID_ARGUMENT', `"${p.ref}" already runs revision ${target.revision}; pick another with --to (its revisions are ${known})`);
      }
      return launch(p, { spec: target.spec, artifactHash: target.artifactHash, traffic: current?.traffic ?? target.traffic, revision: target }, ctx.actor);
    },
  };
}
