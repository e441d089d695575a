// Cluster operations: how many instances of a definition run.
import * as z from 'zod';
import { defineOp } from './define.js';
import { params, Ref } from './primitives.js';
import { ProcessView } from './results.js';

export const clusterContracts = [
  defineOp({
    name: 'scale', summary: 'Change how many instances of a definition run (6, +2, -1 or max)', kind: 'write', permission: 'operator', tokenScope: 'ref',
    params: () => params({
      ref: Ref,
      count: z.union([z.string().min(1), z.number()], { error: 'expected a count like 6, +2, -1 or "max"' })
        .meta({ description: 'The new count (6), a change (+2, -1) or "max" (one per core, or the scale maximum)' }),
    }),
    result: () => z.object({
      name: z.string(),
      from: z.number().int(),
      to: z.number().int(),
      processes: z.array(ProcessView()).meta({ description: 'Every instance of the definition after the change' }),
    }),
    routes: [{ method: 'POST', path: '/v1/processes/:ref/scale' }],
    errors: ['PROCESS_NOT_FOUND', 'PORT_IN_USE', 'CRASHED_IMMEDIATELY', 'STARTUP_TIMEOUT', 'DEPLOY_IN_PROGRESS'],
  }),
] as const;
