// Several hosts in one view: the hosts daemon.yaml lists (`hosts:`) and the processes of this host and of
// every one of them, each row naming its host. A host that does not answer is an error entry, never a failure.
import * as z from 'zod';
import { defineOp } from './define.js';
import { NoParams, params, Ref } from './primitives.js';
import { ProcessView } from './results.js';

const HostInfo = z.object({
  name: z.string().meta({ description: '"local" for this host, else the name daemon.yaml gives it' }),
  via: z.enum(['local', 'ssh', 'tcp']),
  address: z.string().nullable().meta({ description: 'user@host:port (ssh) or the API url (tcp); null for this host. Never a token' }),
  timeoutMs: z.number().nullable().meta({ description: 'How long an answer of that host may take' }),
});

export const hostContracts = [
  defineOp({
    name: 'hosts.list', summary: 'This host and the hosts daemon.yaml lists: name and how each is reached', kind: 'read', permission: 'viewer', tokenScope: 'any',
    params: () => NoParams, result: () => z.object({ hosts: z.array(HostInfo) }),
    routes: [{ method: 'GET', path: '/v1/hosts' }],
  }),
  defineOp({
    name: 'hosts.processes', summary: 'The processes of this host and of every listed host, each with its host; unreachable hosts as errors', kind: 'read', permission: 'viewer', tokenScope: 'filter',
    params: () => NoParams,
    result: () => z.object({
      hosts: z.array(z.string()).meta({ description: 'Every host asked, "local" first' }),
      processes: z.array(ProcessView().extend({ host: z.string() })),
      errors: z.array(z.object({ host: z.string(), code: z.string(), error: z.string() })).meta({ description: 'The hosts that did not answer (in time), and why' }),
    }),
    routes: [{ method: 'GET', path: '/v1/hosts/processes' }],
  }),
  defineOp({
    // no tokenScope: a token limited to some processes cannot be checked against another host's names, so it is refused
    name: 'hosts.act', summary: 'Start, stop or restart a process on one of the hosts (through that host\'s own operation)', kind: 'write', permission: 'operator',
    params: () => params({
      host: z.string().min(1).meta({ description: 'A host of hosts.list ("local" is this one)' }),
      action: z.enum(['start', 'stop', 'restart']),
      ref: Ref,
    }),
    result: () => z.object({ host: z.string(), action: z.string(), process: ProcessView() }),
    routes: [{ method: 'POST', path: '/v1/hosts/:host/processes/:ref/:action' }],
    errors: ['NOT_FOUND', 'PROCESS_NOT_FOUND'],
  }),
] as const;
