// Plugins declared in daemon.yaml: what each is and how it is doing.
import * as z from 'zod';
import { defineOp } from './define.js';
import { NoParams } from './primitives.js';

const PluginStatus = z.object({
  name: z.string(),
  form: z.enum(['module', 'exec']),
  kinds: z.array(z.string()),
  state: z.enum(['starting', 'ready', 'backoff', 'disabled', 'stopped']),
  restarts: z.number().int(),
  pid: z.number().int().nullable(),
  lastError: z.string().nullable(),
});

export const pluginContracts = [
  defineOp({
    name: 'plugin.list', summary: 'The plugins daemon.yaml declares: form, kinds, state, restarts and last error', kind: 'read', permission: 'viewer', tokenScope: 'any',
    params: () => NoParams, result: () => z.object({ plugins: z.array(PluginStatus) }),
    routes: [{ method: 'GET', path: '/v1/plugins' }],
  }),
] as const;
