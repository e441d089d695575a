// Plugins: notifiers, health checks, scaling policies, runtimes and exporters as JS modules or as
// programs of any language speaking JSON lines (see types.ts for the API, exec-protocol.ts for the wire).
export { createPluginHost } from './host.js';
export type { PluginHost, PluginHostOptions } from './host.js';
export { createExecPlugin } from './exec-protocol.js';
export type { ExecPlugin, ExecPluginOptions } from './exec-protocol.js';
export { pluginsSetting } from './settings.js';
export type { PluginSetting } from './settings.js';
export * from './types.js';
