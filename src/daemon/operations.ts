// The one explicit list of what the daemon can do: each contract (src/contracts) bound to its handler.
// The REST routes, the CLI (through the client), the dashboard and internal calls all go through
// `invokeOperation`, which checks parameters at the door; nothing else reaches the core.
import { SentinelError } from '../core/errors.js';
import { CONTRACT_LIST, type OpName } from '../contracts/index.js';
import type { AnyContract } from '../contracts/define.js';
import { checkResult, parseParams } from '../contracts/validate.js';
import { isStream, type Daemon, type Handlers, type OpContext } from './context.js';
import { processOps } from './ops/processes.js';
import { groupOps } from './ops/groups.js';
import { portOps } from './ops/ports.js';
import { logOps } from './ops/logs.js';
import { daemonOps } from './ops/daemon.js';
import { scheduleOps } from './ops/schedules.js';
import { policyOps } from './ops/policy.js';
import { notifyOps } from './ops/notify.js';
import { configOps } from './ops/config.js';
import { tokenOps } from './ops/tokens.js';
import { exportOps } from './ops/export.js';
import { metricsOps } from './ops/metrics.js';
import { watchOps } from './ops/watch.js';
import { deployOps } from './ops/deploys.js';
import { pluginOps } from './ops/plugins.js';
import { clusterOps } from './ops/cluster.js';
import { hostOps } from './ops/hosts.js';

export interface BoundOperation {
  contract: AnyContract;
  handler: (params: unknown, ctx: OpContext) => unknown;
}

/** Operations by name: a Map, so `constructor` or `__proto__` are never found. */
export type OperationTable = ReadonlyMap<string, BoundOperation>;

export function buildOperations(d: Daemon, version: string): OperationTable {
  let openApi: Record<string, unknown> | undefined;
  const handlers: Handlers = {
    ...processOps(d), ...groupOps(d), ...portOps(d), ...logOps(d), ...daemonOps(d, version), ...policyOps(d), ...notifyOps(d),
    ...scheduleOps(d), ...configOps(d), ...tokenOps(d), ...exportOps(d), ...metricsOps(d), ...watchOps(d), ...deployOps(d), ...pluginOps(d), ...clusterOps(d), ...hostOps(d),
    // built on first request (JSON Schema generation is not free), then kept: the list never changes at run time
    async 'api.schema'() {
      const { buildOpenApi } = await import('../contracts/openapi.js');
      openApi ??= buildOpenApi(version);
      return openApi;
    },
  };
  const table = new Map<string, BoundOperation>();
  for (const contract of CONTRACT_LIST) {
    const handler = handlers[contract.name as OpName] as BoundOperation['handler'];
    table.set(contract.name, { contract, handler });
  }
  return table;
}

/** Answers are checked against their contracts when SENTINEL_CHECK_RESULTS=1 (the test suite sets it). */
export const CHECK_RESULTS = process.env.SENTINEL_CHECK_RESULTS === '1';

export function unknownOperation(name: string): SentinelError {
  return new SentinelError('ROUTE_NOT_FOUND', `no operation ${JSON.stringify(name)}; GET /v1/openapi.json (or "sentinel api schema") lists the operations`);
}

/**
 * Finds, checks and calls one operation. Streams are returned as they are; their items are checked by the caller.
 * `guard` sees the checked parameters before the handler runs (the TCP face limits tokens to their processes there).
 */
export async function invokeOperation(
  ops: OperationTable, name: string, raw: unknown, ctx: OpContext, guard?: (contract: AnyContract, params: unknown) => void,
): Promise<unknown> {
  const op = ops.get(name);
  if (!op) throw unknownOperation(name);
  const params = parseParams(op.contract, raw);
  guard?.(op.contract, params);
  const result = await op.handler(params, ctx);
  if (CHECK_RESULTS && !isStream(result)) checkResult(op.contract, result);
  return result;
}
