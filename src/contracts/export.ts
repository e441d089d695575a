// Exporting processes to another system's format, for users who want that system to own them: systemd units,
// Kubernetes objects, Nomad jobs or a Compose file; from the daemon's processes or from a config file (read
// and normalized as `config validate` does, nothing started). FORMAT may also name an exporter plugin
// (daemon.yaml plugins:) whose render() writes the files. Admin only: the files carry each process's
// environment (secrets only as references).
import * as z from 'zod';
import { defineOp } from './define.js';
import { EnvMap, FilePath, params, Ref, StringMap } from './primitives.js';
import { EXPORT_FORMATS } from '../export/formats.js';

export { EXPORT_FORMATS };

export const exportContracts = [
  defineOp({
    name: 'export.units', summary: 'Render processes (and schedules) for another system: systemd units, Kubernetes objects, Nomad jobs or a Compose file', kind: 'read', permission: 'admin',
    params: () => params({
      format: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, { error: `expected a format (${EXPORT_FORMATS.join(', ')}) or the name of an exporter plugin declared in daemon.yaml` })
        .meta({ description: `${EXPORT_FORMATS.join(', ')}, or an exporter plugin declared in daemon.yaml (plugins:)` }),
      names: z.array(Ref).optional().meta({ description: 'Processes to export (default: all)' }),
      file: FilePath.optional().meta({ description: "A config file to export instead of the daemon's processes (absolute path; nothing is started)" }),
      environment: z.string().optional().meta({ description: 'With file: an environments: entry to apply' }),
      env: EnvMap.optional().meta({ description: "With file: the client's environment, for ${VAR} values" }),
      configFormat: z
        .enum(['sentinel', 'procfile', 'pm2', 'compose', 'process-compose', 'supervisord'])
        .optional()
        .meta({ description: "With file: the file's format, when its content does not tell" }),
      image: z.string().min(1).optional().meta({ description: 'The container image of every process without its own in images' }),
      images: StringMap.optional().meta({ description: 'Container images by process (or schedule) name' }),
    }),
    result: () => z.object({
      files: z.array(z.object({ process: z.string().nullable(), file: z.string(), content: z.string() })),
      warnings: z.array(z.string()).meta({ description: 'Every setting the format cannot carry, named' }),
    }),
    routes: [{ method: 'POST', path: '/v1/export' }],
    errors: ['PROCESS_NOT_FOUND', 'INVALID_CONFIG', 'CONFIG_NOT_FOUND', 'INVALID_ARGUMENT', 'PLUGIN_FAILED'],
  }),
] as const;
