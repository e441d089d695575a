// The runtime kind's call site: before each spawn of a process with `wrap:`, its runtime plugin is asked
// for the argv, environment and cwd to run instead, and the supervisor spawns that (through every spawner
// decorator: secrets, identity, cgroups apply to what the plugin answered). Processes without `wrap:` never
// get here: the hook answers null and their spawn stays synchronous.
import { instanceKey } from '../core/instances.js';
import type { ProcessSpec } from '../core/spec.js';
import type { SpawnWrap } from '../core/supervisor.js';
import type { PluginHost } from './host.js';

/** What would run, as one argv: a shell command is /bin/sh -c COMMAND. */
export function argvOf(spec: Pick<ProcessSpec, 'command' | 'args' | 'shell'>): string[] {
  return spec.shell ? ['/bin/sh', '-c', spec.command] : [spec.command, ...spec.args];
}

export function wrapHook(plugins: Pick<PluginHost, 'wrap'>): SpawnWrap {
  return (rec, spec) => {
    const w = spec.wrap;
    if (!w) return null;
    return plugins
      .wrap(w.plugin, { process: instanceKey(rec), argv: argvOf(spec), env: spec.env, cwd: spec.cwd, options: w.options })
      .then((answer) => ({
        ...spec,
        command: answer.argv[0],
        args: answer.argv.slice(1),
        shell: false,
        env: answer.env ?? spec.env,
        cwd: answer.cwd ?? spec.cwd,
      }));
  };
}
