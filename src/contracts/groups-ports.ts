// Groups (named sets of processes with a shared environment) and ports (allocated, checked free).
import * as z from 'zod';
import { defineOp } from './define.js';
import { count, EnvPairs, NoParams, params, Ref } from './primitives.js';
import { GroupRecord, GroupResults, PortRecord, ProcessView } from './results.js';

const group = z.string().min(1).meta({ description: 'A group name' });
const port = count(1, 65535, 8000).meta({ description: 'A port number (1-65535)' });

export const groupContracts = [
  defineOp({
    name: 'group.create', summary: 'Create a group, optionally with environment variables', kind: 'write', permission: 'admin',
    params: () => params({ group, envVars: EnvPairs.optional() }), result: () => z.object({ group: GroupRecord() }),
    routes: [{ method: 'POST', path: '/v1/groups' }],
    errors: ['NAME_TAKEN', 'INVALID_NAME'],
  }),
  defineOp({
    name: 'group.list', summary: 'List the groups, or one group and its processes', kind: 'read', permission: 'viewer',
    params: () => params({ group: group.optional() }),
    result: () => z.union([
      z.object({ groups: z.array(GroupRecord().extend({ envKeys: z.array(z.string()), processes: z.array(z.string()) })) }),
      z.object({ group: GroupRecord(), processes: z.array(ProcessView()) }),
    ]),
    routes: [{ method: 'GET', path: '/v1/groups' }, { method: 'GET', path: '/v1/groups/:group' }],
    errors: ['GROUP_NOT_FOUND'],
  }),
  defineOp({
    name: 'group.add', summary: 'Add a process to a group', kind: 'write', permission: 'admin',
    params: () => params({ group, ref: Ref }), result: () => z.object({ group: z.string(), process: z.string() }),
    routes: [{ method: 'POST', path: '/v1/groups/:group/members' }],
    errors: ['GROUP_NOT_FOUND', 'PROCESS_NOT_FOUND'],
  }),
  defineOp({
    name: 'group.remove', summary: 'Take a process out of a group', kind: 'write', permission: 'admin',
    params: () => params({ group, ref: Ref }), result: () => z.object({ group: z.string(), process: z.string() }),
    routes: [{ method: 'DELETE', path: '/v1/groups/:group/members/:ref' }],
    errors: ['GROUP_NOT_FOUND', 'PROCESS_NOT_FOUND'],
  }),
  defineOp({
    name: 'group.start', summary: 'Start the processes of a group', kind: 'write', permission: 'operator',
    params: () => params({ group }), result: () => GroupResults(),
    routes: [{ method: 'POST', path: '/v1/groups/:group/start' }],
    errors: ['GROUP_NOT_FOUND'],
  }),
  defineOp({
    name: 'group.stop', summary: 'Stop the processes of a group', kind: 'write', permission: 'operator',
    params: () => params({ group, force: z.boolean().optional() }), result: () => GroupResults(),
    routes: [{ method: 'POST', path: '/v1/groups/:group/stop' }],
    errors: ['GROUP_NOT_FOUND'],
  }),
  defineOp({
    name: 'group.restart', summary: 'Restart the processes of a group', kind: 'write', permission: 'operator',
    params: () => params({ group }), result: () => GroupResults(),
    routes: [{ method: 'POST', path: '/v1/groups/:group/restart' }],
    errors: ['GROUP_NOT_FOUND'],
  }),
  defineOp({
    name: 'group.delete', summary: 'Delete a group (its processes stay, optionally stopped)', kind: 'write', permission: 'admin',
    params: () => params({ group, stop: z.boolean().optional() }),
    result: () => z.object({ deleted: z.string(), processes: z.array(z.string()), stopped: z.boolean() }),
    routes: [{ method: 'DELETE', path: '/v1/groups/:group' }],
    errors: ['GROUP_NOT_FOUND'],
  }),
] as const;

export const portContracts = [
  defineOp({
    name: 'port.allocate', summary: 'Allocate a port (a given one, or a free one)', kind: 'write', permission: 'admin',
    params: () => params({ port: port.optional(), name: z.string().optional() }), result: () => z.object({ port: PortRecord() }),
    routes: [{ method: 'POST', path: '/v1/ports' }],
    errors: ['PORT_IN_USE', 'INVALID_NAME'],
  }),
  defineOp({
    name: 'port.list', summary: 'List the allocated ports', kind: 'read', permission: 'viewer',
    params: () => NoParams, result: () => z.object({ ports: z.array(PortRecord()) }),
    routes: [{ method: 'GET', path: '/v1/ports' }],
  }),
  defineOp({
    name: 'port.free', summary: 'Free an allocated port', kind: 'write', permission: 'admin',
    params: () => params({ port }), result: () => z.object({ freed: z.number().int() }),
    routes: [{ method: 'DELETE', path: '/v1/ports/:port' }],
    errors: ['PORT_NOT_FOUND'],
  }),
] as const;
