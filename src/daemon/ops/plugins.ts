// Plugin operations: the state of every plugin daemon.yaml declares.
import type { Daemon, Handlers } from '../context.js';

export function pluginOps(d: Daemon): Handlers<'plugin.list'> {
  return {
    'plugin.list'() {
      return { plugins: d.plugins.status() };
    },
  };
}
