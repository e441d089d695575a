// The `plugins:` key of daemon.yaml: each plugin's name, its form (an npm package / JS file, or a command
// speaking the exec protocol), the kinds it serves, its call timeout and its options.
import * as z from 'zod';
import { SettingsDuration } from '../config/schema-primitives.js';
import { PLUGIN_KINDS } from './types.js';

const pluginName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'a plugin name is letters, digits, ".", "_" or "-" (at most 63), like "pager"');

const timeout = SettingsDuration;

const pluginEntry = z
  .object({
    name: pluginName,
    /** JS form: an npm package name (installed under SENTINEL_HOME/node_modules) or an absolute path. */
    module: z.string().min(1).optional(),
    /** Exec form: argv as a list, or one string run by /bin/sh -c. */
    command: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    cwd: z.string().min(1).optional(),
    env: z.record(z.string(), z.string()).optional(),
    kinds: z.array(z.enum(PLUGIN_KINDS)).min(1).optional(),
    /** Bound of each call (default 5s); a hung exec plugin is killed and restarted at it. */
    timeout: timeout.default(5000),
    options: z.record(z.string(), z.unknown()).default({}),
  })
  .strict()
  .check(
    z.refine((p) => (p.module === undefined) !== (p.command === undefined), { error: 'give either "module" (an npm package or a JS file) or "command" (a program speaking the exec protocol), not both or neither' }),
    z.refine((p) => p.command === undefined || p.kinds !== undefined, { path: ['kinds'], error: 'an exec plugin needs "kinds", e.g. kinds: [health]' }),
  );

/** `- NAME` is short for `- {name: NAME, module: NAME}`. */
export const pluginsSetting = z
  .array(z.preprocess((v) => (typeof v === 'string' ? { name: v.replace(/^@[^/]+\//, ''), module: v } : v), pluginEntry))
  .default([])
  .check(
    z.refine((list) => new Set(list.map((p) => p.name)).size === list.length, { error: 'two plugins have the same name: give each its own "name"' }),
  );

export type PluginSetting = z.output<typeof pluginEntry>;
