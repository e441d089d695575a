// A process may name plugins (health.plugin, notify.plugins, scale.policy.plugin, wrap.plugin); each must be declared in daemon.yaml and
// serve that kind. Checked when a config is validated or applied, so a typo fails `up`, not a check later.
import type { ProcessSpec } from '../core/spec.js';
import type { PluginHost } from './host.js';
import type { PluginKind } from './types.js';

/** `keys` name where each reference came from: the config keys, or the flags of `sentinel run`. */
export function pluginRefProblems(
  spec: Pick<ProcessSpec, 'liveness' | 'notify'> & Partial<Pick<ProcessSpec, 'scale' | 'wrap'>>,
  host: Pick<PluginHost, 'names' | 'kindsOf'>,
  keys: { health: string; notify: string; scale?: string; wrap?: string } = { health: 'health.plugin', notify: 'notify.plugins' },
): string[] {
  const refs: Array<[string, PluginKind, string]> = [];
  if (spec.liveness?.kind === 'plugin') refs.push([spec.liveness.target, 'health', keys.health]);
  for (const name of spec.notify.plugins ?? []) refs.push([name, 'notifier', keys.notify]);
  const policy = spec.scale?.policy?.plugin;
  if (policy) refs.push([policy.name, 'scaling', keys.scale ?? 'scale.policy.plugin']);
  if (spec.wrap) refs.push([spec.wrap.plugin, 'runtime', keys.wrap ?? 'wrap.plugin']);
  const problems: string[] = [];
  for (const [name, kind, key] of refs) {
    const kinds = host.kindsOf(name);
    const declared = host.names();
    if (kinds === null) {
      problems.push(`${key}: no plugin named "${name}" in daemon.yaml (${declared.length ? `declared: ${declared.join(', ')}` : 'it declares no plugins'}); add it under "plugins:" and restart the daemon`);
    } else if (kinds.length > 0 && !kinds.includes(kind)) {
      problems.push(`${key}: plugin "${name}" is not a ${kind} plugin (it serves ${kinds.join(', ')})`);
    }
  }
  return problems;
}
