// Exporting processes to another system's format (systemd units today), for users who want that system to
// own them. Admin only: the files carry each process's environment.
import { z } from 'zod';
import { defineOp } from './define.js';
import { params, Ref } from './primitives.js';

export const EXPORT_FORMATS = ['systemd'] as const;

export const exportContracts = [
  defineOp({
    name: 'export.units', summary: 'Render processes as units of another system (systemd): one file per process', kind: 'read', permission: 'admin',
    params: params({
      format: z.enum(EXPORT_FORMATS, { error: `expected a format: ${EXPORT_FORMATS.join(', ')}` }),
      names: z.array(Ref).optional().meta({ description: 'Processes to export (default: all)' }),
    }),
    result: z.object({
      files: z.array(z.object({ process: z.string(), file: z.string(), content: z.string() })),
    }),
    routes: [{ method: 'POST', path: '/v1/export' }],
    errors: ['PROCESS_NOT_FOUND'],
  }),
] as const;
