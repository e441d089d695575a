// The one explicit list of what the daemon can do. The REST routes, the CLI (through the client) and
// the dashboard all call these operations by name; nothing else reaches the core.
import type { Daemon, Operation } from './context.js';
import { processOps } from './ops/processes.js';
import { groupOps } from './ops/groups.js';
import { portOps } from './ops/ports.js';
import { logOps } from './ops/logs.js';
import { daemonOps } from './ops/daemon.js';
import { scheduleOps } from './ops/schedules.js';
import { policyOps } from './ops/policy.js';
import { notifyOps } from './ops/notify.js';
import { configOps } from './ops/config.js';

export type OperationTable = Record<string, Operation>;

export function buildOperations(d: Daemon, version: string, extra: OperationTable[] = []): OperationTable {
  return Object.assign({}, processOps(d), groupOps(d), portOps(d), logOps(d), daemonOps(d, version), policyOps(d), notifyOps(d), scheduleOps(d), configOps(d), ...extra);
}
