// The one list of operations. The server, the route table, the typed client, internal calls, the
// OpenAPI document and the README's API table are all derived from it.
import * as z from 'zod';
import { defineOp, type AnyContract, type ItemOf, type ParamsIn, type ParamsOut, type ResultOf } from './define.js';
import { NoParams } from './primitives.js';
import { processContracts } from './processes.js';
import { groupContracts, portContracts } from './groups-ports.js';
import { daemonContracts, logContracts } from './logs-daemon.js';
import { scheduleContracts } from './schedules.js';
import { notifyContracts } from './notify.js';
import { configContracts, secretContracts } from './config.js';
import { tokenContracts } from './tokens.js';
import { exportContracts } from './export.js';
import { metricsContracts } from './metrics.js';
import { watchContracts } from './watch.js';
import { deployContracts } from './deploys.js';
import { pluginContracts } from './plugins.js';
import { clusterContracts } from './cluster.js';
import { hostContracts } from './hosts.js';

export const apiContracts = [
  defineOp({
    name: 'api.schema', summary: 'This API as an OpenAPI 3.1 document', kind: 'read', permission: 'viewer', tokenScope: 'any',
    params: () => NoParams, result: () => z.record(z.string(), z.unknown()),
    routes: [{ method: 'GET', path: '/v1/openapi.json' }],
  }),
] as const;

export const CONTRACT_LIST = [
  ...processContracts,
  ...clusterContracts,
  ...watchContracts,
  ...logContracts,
  ...groupContracts,
  ...portContracts,
  ...scheduleContracts,
  ...notifyContracts,
  ...configContracts,
  ...secretContracts,
  ...daemonContracts,
  ...tokenContracts,
  ...exportContracts,
  ...metricsContracts,
  ...deployContracts,
  ...pluginContracts,
  ...hostContracts,
  ...apiContracts,
] as const;

type List = (typeof CONTRACT_LIST)[number];
export type OpName = List['name'];
export type ContractOf<K extends OpName> = Extract<List, { name: K }>;
export type OpParamsIn<K extends OpName> = ParamsIn<ContractOf<K>>;
export type OpParams<K extends OpName> = ParamsOut<ContractOf<K>>;
export type OpResult<K extends OpName> = ResultOf<ContractOf<K>>;
export type OpItem<K extends OpName> = ItemOf<ContractOf<K>>;
/** Operations whose answer may be a stream. */
export type StreamOpName = Extract<List, { kind: 'stream' }>['name'];

/** Looked up by name only: `constructor`, `__proto__` or `toString` are simply absent. */
export const CONTRACTS: ReadonlyMap<string, AnyContract> = new Map(CONTRACT_LIST.map((c) => [c.name, c as AnyContract]));

export function findContract(name: string): AnyContract | undefined {
  return CONTRACTS.get(name);
}
