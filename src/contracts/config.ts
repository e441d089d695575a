// Config files and stacks (up, down, reload, validate, print, schema, graph, import, init) and secrets.
import * as z from 'zod';
import { defineOp } from './define.js';
import { DurationMs, EnvMap, FilePath, NoParams, params } from './primitives.js';
import { ProcessView, SecretInfo, StartOutcome } from './results.js';

const stack = {
  file: FilePath.meta({ description: 'Absolute path of the config file' }),
  environment: z.string().optional().meta({ description: 'An environments: entry to apply' }),
  env: EnvMap.optional().meta({ description: "The client's environment: ${VAR} values and what processes inherit" }),
  format: z
    .enum(['sentinel', 'procfile', 'pm2', 'compose', 'process-compose', 'supervisord'])
    .optional()
    .meta({ description: 'The format of the file (main file only), when its content does not tell' }),
  content: z.string().max(4 * 1024 * 1024).optional().meta({
    description: "The file's content, sent by a client on another machine: file is then the client's path, and the daemon keeps the content under SENTINEL_HOME/stacks/ (includes and the file's .env are not sent)",
  }),
  client_file: z.boolean().optional().meta({ description: "file is a path on the client's machine whose content was sent before (down of a file that is gone)" }),
};
const names = z.array(z.string()).optional().meta({ description: 'Only these processes (and what they depend on)' });
const warnings = z.array(z.string());
const plan = z.object({
  added: z.array(z.object({ name: z.string(), command: z.string() })),
  changed: z.array(z.object({ name: z.string(), fields: z.array(z.string()) })),
  removed: z.array(z.string()),
  unchanged: z.array(z.string()),
});
const configErrors = ['INVALID_CONFIG', 'CONFIG_NOT_FOUND', 'DEPENDENCY_CYCLE', 'NAME_TAKEN', 'PROCESS_NOT_FOUND'] as const;

export const configContracts = [
  defineOp({
    name: 'up', summary: 'Create and start the processes of a config file, in dependency order', kind: 'write', permission: 'admin',
    params: () => params({ ...stack, names, timeout: DurationMs.optional() }),
    result: () => StartOutcome().extend({
      ok: z.boolean(), file: z.string(), environment: z.string().nullable(), created: z.array(z.string()),
      updated: z.array(z.object({ name: z.string(), fields: z.array(z.string()) })), running: z.array(z.string()),
      orphans: z.array(z.string()), schedules: z.array(z.string()), notifications: z.boolean(), warnings, processes: z.array(ProcessView()),
    }),
    routes: [{ method: 'POST', path: '/v1/stacks/up' }],
    errors: [...configErrors, 'PORT_IN_USE', 'EXECUTABLE_NOT_FOUND', 'CWD_NOT_FOUND'],
  }),
  defineOp({
    name: 'down', summary: 'Stop (and unless keep, delete) the processes a config file started', kind: 'write', permission: 'admin',
    params: () => params({ file: stack.file, environment: stack.environment, env: stack.env, format: stack.format, content: stack.content, client_file: stack.client_file, names, keep: z.boolean().optional() }),
    result: () => z.object({
      ok: z.boolean(), file: z.string(), stopped: z.array(z.string()), removed: z.array(z.string()), kept: z.boolean(),
      released: z.object({ ports: z.array(z.number()), groups: z.array(z.string()), schedules: z.array(z.string()) }),
      errors: z.array(z.object({ name: z.string(), error: z.string() })),
    }),
    routes: [{ method: 'POST', path: '/v1/stacks/down' }],
    errors: ['PROCESS_NOT_FOUND'],
  }),
  defineOp({
    name: 'reload', summary: 'Apply the changes of a config file: only what was added, changed or removed', kind: 'write', permission: 'admin',
    params: () => params({ ...stack, dryRun: z.boolean().optional(), timeout: DurationMs.optional() }),
    result: () => z.union([
      z.object({ ok: z.boolean(), file: z.string(), dryRun: z.literal(true), plan, text: z.string() }),
      StartOutcome().extend({
        ok: z.boolean(), file: z.string(), dryRun: z.literal(false), plan, text: z.string(), removed: z.array(z.string()),
        schedules: z.array(z.string()), warnings,
      }),
    ]),
    routes: [{ method: 'POST', path: '/v1/stacks/reload' }],
    errors: [...configErrors, 'PORT_IN_USE'],
  }),
  defineOp({
    name: 'config.validate', summary: 'Check a config file; every problem with its file, line and key', kind: 'read', permission: 'admin',
    params: () => params(stack),
    result: () => z.object({ valid: z.boolean(), file: z.string(), errors: z.array(z.string()), warnings, files: z.array(z.string()), processes: z.array(z.string()) }),
    routes: [{ method: 'POST', path: '/v1/config/validate' }],
  }),
  defineOp({
    name: 'config.print', summary: 'A config file after includes, overlays and interpolation (secrets redacted)', kind: 'read', permission: 'admin',
    params: () => params(stack), result: () => z.object({ file: z.string(), config: z.record(z.string(), z.unknown()), text: z.string() }),
    routes: [{ method: 'POST', path: '/v1/config/print' }],
    errors: ['INVALID_CONFIG', 'CONFIG_NOT_FOUND'],
  }),
  defineOp({
    name: 'config.schema', summary: 'The JSON Schema of sentinel.yaml', kind: 'read', permission: 'viewer', tokenScope: 'any',
    params: () => NoParams, result: () => z.object({ schema: z.record(z.string(), z.unknown()) }),
    routes: [{ method: 'GET', path: '/v1/config/schema' }],
  }),
  defineOp({
    name: 'graph', summary: 'The dependency graph of a config file', kind: 'read', permission: 'admin',
    params: () => params(stack),
    result: () => z.object({
      file: z.string(), tree: z.string(), levels: z.array(z.array(z.string())),
      dependencies: z.record(z.string(), z.array(z.object({ name: z.string(), condition: z.string() }))),
    }),
    routes: [{ method: 'POST', path: '/v1/config/graph' }],
    errors: ['INVALID_CONFIG', 'CONFIG_NOT_FOUND', 'DEPENDENCY_CYCLE'],
  }),
  defineOp({
    name: 'import', summary: 'Convert a Procfile, PM2 or docker-compose file to sentinel.yaml', kind: 'read', permission: 'admin',
    params: () => params({ file: FilePath, format: z.string().optional(), output_dir: FilePath.optional().meta({ description: 'Where the sentinel.yaml will be written: relative paths are rewritten for it' }) }),
    result: () => z.object({ file: z.string(), format: z.string(), text: z.string(), warnings }),
    routes: [{ method: 'POST', path: '/v1/config/import' }],
    errors: ['IMPORT_FAILED'],
  }),
  defineOp({
    name: 'init', summary: 'A starter sentinel.yaml from a template', kind: 'read', permission: 'viewer', tokenScope: 'any',
    params: () => params({ template: z.string().optional() }), result: () => z.object({ template: z.string(), text: z.string() }),
    routes: [{ method: 'GET', path: '/v1/config/init' }],
  }),
] as const;

const secretName = z.string().min(1).meta({ description: 'A secret name' });

export const secretContracts = [
  defineOp({
    name: 'secret.set', summary: 'Create or replace a secret (the value never comes back out)', kind: 'write', permission: 'admin',
    params: () => params({ name: secretName, value: z.string() }),
    result: () => z.object({ secret: SecretInfo(), updated: z.boolean(), usedBy: z.array(z.string()) }),
    routes: [{ method: 'PUT', path: '/v1/secrets/:name' }],
    errors: ['INVALID_SECRET_KEY'],
  }),
  defineOp({
    name: 'secret.list', summary: 'Secret names, times and users (never values)', kind: 'read', permission: 'admin',
    params: () => NoParams, result: () => z.object({ secrets: z.array(SecretInfo().extend({ usedBy: z.array(z.string()) })) }),
    routes: [{ method: 'GET', path: '/v1/secrets' }],
  }),
  defineOp({
    name: 'secret.rm', summary: 'Remove a secret', kind: 'write', permission: 'admin',
    params: () => params({ name: secretName }), result: () => z.object({ removed: SecretInfo(), usedBy: z.array(z.string()) }),
    routes: [{ method: 'DELETE', path: '/v1/secrets/:name' }],
    errors: ['SECRET_NOT_FOUND'],
  }),
] as const;
