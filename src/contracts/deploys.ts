// Deploys: revisions of a definition and the moves between them (rolling, blue/green, canary), with
// their progress, history and rollback. The engine is src/cluster/deploy.ts.
import * as z from 'zod';
import { defineOp } from './define.js';
import { count, DurationMs, params, Ref } from './primitives.js';

const Strategy = z.enum(['rolling', 'blue-green', 'canary'], { error: 'expected rolling, blue-green or canary' });
const percent = (example: number) => z.union([z.number(), z.string().regex(/^\s*\d+(\.\d+)?\s*%?\s*$/)], { error: `expected a percentage like ${example} or "${example}%"` })
  .transform((v) => Number(String(v).replace('%', '')))
  .check(z.refine((n) => n >= 0 && n <= 100, { error: `expected a percentage from 0 to 100, like ${example}` }));

const RolloutOptions = {
  strategy: Strategy.optional().meta({ description: 'rolling (default), blue-green or canary' }),
  maxSurge: count(0, 1000, 1).optional().meta({ description: 'New instances started at a time beside the old ones (default 1)' }),
  maxUnavailable: count(0, 1000, 0).optional().meta({ description: 'Old instances that may stop before their replacement is ready (default 0)' }),
  minHealthy: DurationMs.optional().meta({ description: 'How long a new instance must stay up and healthy after it is ready (default 1s)' }),
  canaryWeight: percent(10).optional().meta({ description: 'Share of new connections the canary gets, in % (default 10)' }),
  canaryInstances: count(1, 1000, 1).optional().meta({ description: 'How many canary instances (default 1)' }),
  bake: DurationMs.optional().meta({ description: 'How long the canary is watched before promotion (default 30s)' }),
  maxErrorRate: percent(1).optional().meta({ description: "The canary's largest error rate (proxy), in % (default 1)" }),
  drain: DurationMs.optional().meta({ description: 'Longest wait for an old instance\'s connections to end (default 10s)' }),
  dryRun: z.boolean().optional().meta({ description: 'Only show the plan' }),
  noWait: z.boolean().optional().meta({ description: 'Answer once the deploy started, not when it ended' }),
};

export const DeployView = z.object({
  id: z.number().int(),
  name: z.string(),
  fromRevision: z.number().int().nullable(),
  toRevision: z.number().int(),
  strategy: z.string(),
  state: z.enum(['planned', 'running', 'succeeded', 'rolled-back', 'failed']),
  step: z.number().int().meta({ description: 'Index of the step being taken (steps.length once done)' }),
  steps: z.array(z.string()),
  reason: z.string().nullable(),
  report: z.record(z.string(), z.unknown()),
  startedAt: z.number().nullable(),
  endedAt: z.number().nullable(),
  actor: z.string().nullable(),
});

const RevisionView = z.object({
  revision: z.number().int(),
  command: z.string(),
  instances: z.number().int(),
  traffic: z.string(),
  artifactHash: z.string().nullable(),
  createdAt: z.number(),
  createdBy: z.string().nullable(),
});

const InstanceView = z.object({
  name: z.string(), instance: z.number().int(), state: z.string(), pid: z.number().int().nullable(), revision: z.number().int(),
  port: z.number().int().nullable(), restarts: z.number().int(),
  traffic: z.object({ weight: z.number(), connections: z.number().int(), active: z.number().int(), errors: z.number().int(), http5xx: z.number().int() }).nullable(),
});

const DeployAnswer = z.object({ deploy: DeployView, dryRun: z.boolean() });

export const deployContracts = [
  defineOp({
    name: 'deploy.start', summary: 'Deploy a new revision of a definition (created if new) without downtime', kind: 'write', permission: 'admin', tokenScope: 'ref',
    params: () => params({
      ref: Ref,
      command: z.string().min(1).optional().meta({ description: 'The new command (a shell string); required for a new definition' }),
      cwd: z.string().min(1).optional(),
      env: z.record(z.string(), z.string()).optional().meta({ description: "The client's environment (a new definition inherits it)" }),
      envVars: z.array(z.string()).optional().meta({ description: 'KEY=VALUE pairs set in the new revision' }),
      port: count(1, 65535, 8080).optional().meta({ description: 'The public port (proxy traffic): each instance gets a port of its own in PORT' }),
      instances: count(1, 1000, 2).optional(),
      traffic: z.enum(['proxy', 'none']).optional().meta({ description: 'proxy: Sentinel owns the port and routes to the instances; none: no traffic routing' }),
      waitHttp: z.string().min(1).optional().meta({ description: 'Readiness: a URL that must answer 2xx/3xx (${PORT} is the instance\'s port)' }),
      startupTimeout: DurationMs.optional().meta({ description: 'How long a new instance may take to get ready (default 30s)' }),
      artifact: z.string().min(1).optional().meta({ description: 'A directory whose content hash is recorded with the revision' }),
      ...RolloutOptions,
    }),
    result: () => DeployAnswer,
    routes: [{ method: 'POST', path: '/v1/deploys/:ref' }],
    errors: ['PROCESS_NOT_FOUND', 'DEPLOY_IN_PROGRESS', 'PORT_IN_USE', 'CWD_NOT_FOUND', 'EXECUTABLE_NOT_FOUND', 'DEPLOY_FAILED'],
  }),
  defineOp({
    name: 'deploy.status', summary: "A definition's revision, instances and its last deploy's progress", kind: 'read', permission: 'viewer', tokenScope: 'ref',
    params: () => params({ ref: Ref }),
    result: () => z.object({
      name: z.string(), revision: z.number().int().nullable(), proxyPort: z.number().int().nullable(),
      deploy: DeployView.nullable(), instances: z.array(InstanceView),
    }),
    routes: [{ method: 'GET', path: '/v1/deploys/:ref' }],
    errors: ['PROCESS_NOT_FOUND'],
  }),
  defineOp({
    name: 'deploy.history', summary: "A definition's revisions and deploys, newest first", kind: 'read', permission: 'viewer', tokenScope: 'ref',
    params: () => params({ ref: Ref, limit: count(1, 10_000, 20).optional() }),
    result: () => z.object({ name: z.string(), revision: z.number().int().nullable(), revisions: z.array(RevisionView), deploys: z.array(DeployView) }),
    routes: [{ method: 'GET', path: '/v1/deploys/:ref/history' }],
    errors: ['PROCESS_NOT_FOUND'],
  }),
  defineOp({
    name: 'deploy.rollback', summary: 'Deploy an earlier revision again (default: the one before the current)', kind: 'write', permission: 'admin', tokenScope: 'ref',
    params: () => params({ ref: Ref, to: count(1, 1_000_000, 1).optional().meta({ description: 'The revision to go back to' }), ...RolloutOptions }),
    result: () => DeployAnswer,
    routes: [{ method: 'POST', path: '/v1/deploys/:ref/rollback' }],
    errors: ['PROCESS_NOT_FOUND', 'REVISION_NOT_FOUND', 'DEPLOY_IN_PROGRESS'],
  }),
] as const;
