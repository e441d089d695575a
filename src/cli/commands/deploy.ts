// sentinel deploy NAME [--command … --strategy …], deploy status|history NAME, rollback NAME [--to REV],
// rollout restart NAME. `sentinel reload` keeps its meaning (apply a config file's changes); the
// zero-downtime restart of one definition is `sentinel rollout restart NAME`.
import type { Command } from 'commander';
import { act, collect } from '../common.js';
import { println } from '../output.js';
import { makeTable } from '../format.js';
import type { OpResult } from '../../contracts/index.js';

type Answer = OpResult<'deploy.start'>;
type View = Answer['deploy'];

function rolloutOptions(cmd: Command): Command {
  return cmd
    .option('--strategy <strategy>', 'rolling, blue-green or canary', 'rolling')
    .option('--max-surge <n>', 'new instances started at a time beside the old ones (default 1)')
    .option('--max-unavailable <n>', 'old instances that may stop before their replacement is ready (default 0)')
    .option('--min-healthy <duration>', 'how long a new instance must stay up after it is ready (default 1s)')
    .option('--canary-weight <percent>', "the canary's share of new connections (default 10%)")
    .option('--canary-instances <n>', 'how many canary instances (default 1)')
    .option('--bake <duration>', 'how long the canary is watched before promotion (default 30s)')
    .option('--max-error-rate <percent>', "the canary's largest error rate before a rollback (default 1%)")
    .option('--drain <duration>', "longest wait for an old instance's connections to end (default 10s)")
    .option('--dry-run', 'only show the plan')
    .option('--no-wait', 'return once the deploy started')
    .option('--json', 'print the result as JSON');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function rolloutParams(opts: any): Record<string, unknown> {
  const out: Record<string, unknown> = { strategy: opts.strategy };
  for (const k of ['maxSurge', 'maxUnavailable', 'minHealthy', 'canaryWeight', 'canaryInstances', 'bake', 'maxErrorRate', 'drain']) {
    if (opts[k] !== undefined) out[k] = opts[k];
  }
  if (opts.dryRun) out.dryRun = true;
  if (opts.wait === false) out.noWait = true;
  return out;
}

function printDeploy(r: { deploy: View; dryRun: boolean }): void {
  const d = r.deploy;
  const head = r.dryRun
    ? `Plan for ${d.name}: revision ${d.fromRevision ?? 'none'} -> ${d.toRevision} (${d.strategy})`
    : `Deploy ${d.id} of ${d.name}: revision ${d.fromRevision ?? 'none'} -> ${d.toRevision} (${d.strategy}): ${d.state}`;
  println(head);
  d.steps.forEach((s, i) => println(`  ${i + 1}. ${s}${!r.dryRun && d.state === 'running' && i === d.step ? '   <- now' : ''}`));
  if (d.reason) println(`Reason: ${d.reason}`);
  const canary = d.report.canary as { connections: number; errorRate: number } | undefined;
  if (canary) println(`Canary: ${canary.connections} connections, error rate ${(canary.errorRate * 100).toFixed(2)}%`);
}

const LONG = { minTimeoutMs: 3_600_000 };

export function register(program: Command): void {
  const deploy = rolloutOptions(program.command('deploy').argument('[name]')
    .description('Deploy a new revision of a definition without downtime (created if new); "deploy status|history NAME" show progress')
    .option('--command <command>', 'the new command (required for a new definition)')
    .option('--cwd <dir>', 'the working directory')
    .option('-e, --env <KEY=VALUE>', 'set a variable in the new revision (repeatable)', collect)
    .option('-p, --port <port>', "the public port: Sentinel's proxy listens on it, each instance gets its own PORT")
    .option('-i, --instances <n>', 'how many instances run')
    .option('--traffic <mode>', 'proxy (default with --port for a new definition) or none')
    .option('--wait-http <url>', "readiness: a URL that must answer 2xx/3xx (${PORT} is the instance's port)")
    .option('--startup-timeout <duration>', 'how long a new instance may take to get ready (default 30s)')
    .option('--artifact <dir>', 'a build directory whose hash is recorded with the revision'))
    .action(async (name: string | undefined, opts) => {
      if (!name) {
        deploy.help({ error: true });
        return;
      }
      await act(opts, (c) => c.call('deploy.start', {
        ref: name, ...rolloutParams(opts),
        ...(opts.command !== undefined ? { command: opts.command, env: process.env as Record<string, string> } : {}),
        ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
        ...(opts.env ? { envVars: opts.env } : {}),
        ...(opts.port !== undefined ? { port: opts.port } : {}),
        ...(opts.instances !== undefined ? { instances: opts.instances } : {}),
        ...(opts.traffic !== undefined ? { traffic: opts.traffic } : {}),
        ...(opts.waitHttp !== undefined ? { waitHttp: opts.waitHttp } : {}),
        ...(opts.artifact !== undefined ? { artifact: opts.artifact } : {}),
        ...(opts.startupTimeout !== undefined ? { startupTimeout: opts.startupTimeout } : {}),
      } as never, LONG), printDeploy);
    });
  deploy.enablePositionalOptions();

  deploy.command('status').argument('<name>').description("A definition's revision, instances and its last deploy")
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts) => {
      await act(opts, (c) => c.call('deploy.status', { ref: name }), (r) => {
        println(`${r.name}: revision ${r.revision ?? '-'}${r.proxyPort ? `, served on port ${r.proxyPort} through the proxy` : ''}`);
        const t = makeTable(['INSTANCE', 'REV', 'STATE', 'PID', 'PORT', 'WEIGHT', 'CONNS', 'ERRORS'], [1, 3, 4, 5, 6, 7]);
        for (const i of r.instances) {
          t.push([`${i.name}:${i.instance}`, i.revision, i.state, i.pid ?? '-', i.port ?? '-', i.traffic ? Number(i.traffic.weight.toFixed(2)) : '-', i.traffic?.connections ?? '-', i.traffic ? i.traffic.errors + i.traffic.http5xx : '-']);
        }
        println(t.toString());
        if (r.deploy) printDeploy({ deploy: r.deploy, dryRun: false });
      });
    });

  deploy.command('history').argument('<name>').description("A definition's revisions and deploys")
    .option('-n, --limit <n>', 'how many deploys', '20')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts) => {
      await act(opts, (c) => c.call('deploy.history', { ref: name, limit: opts.limit }), (r) => {
        const revs = makeTable(['REV', 'COMMAND', 'INSTANCES', 'TRAFFIC', 'ARTIFACT', 'CREATED'], [0, 2]);
        for (const v of r.revisions) revs.push([`${v.revision}${v.revision === r.revision ? '*' : ''}`, v.command, v.instances, v.traffic, v.artifactHash?.slice(0, 19) ?? '-', new Date(v.createdAt).toISOString()]);
        println(revs.toString());
        const deps = makeTable(['DEPLOY', 'FROM', 'TO', 'STRATEGY', 'STATE', 'REASON'], [0, 1, 2]);
        for (const d of r.deploys) deps.push([d.id, d.fromRevision ?? '-', d.toRevision, d.strategy, d.state, d.reason ?? '']);
        println(deps.toString());
      });
    });

  rolloutOptions(program.command('rollback').argument('<name>').description('Deploy an earlier revision again (default: the one before the current)')
    .option('--to <revision>', 'the revision to go back to'))
    .action(async (name: string, opts) => {
      await act(opts, (c) => c.call('deploy.rollback', { ref: name, ...rolloutParams(opts), ...(opts.to !== undefined ? { to: opts.to } : {}) } as never, LONG), printDeploy);
    });

  const rollout = program.command('rollout').description('Zero-downtime operations on a definition');
  rolloutOptions(rollout.command('restart').argument('<name>').description('Replace every instance by a fresh one, without downtime (a rolling deploy of the same spec)'))
    .action(async (name: string, opts) => {
      await act(opts, (c) => c.call('deploy.start', { ref: name, ...rolloutParams(opts) } as never, LONG), printDeploy);
    });
}
