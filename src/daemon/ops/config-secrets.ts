// Secret operations: set, list (names and times only), rm. A value goes in and never comes back out.
import type { Daemon, Handlers } from '../context.js';
import type { SecretStore } from '../secrets-store.js';

/** Processes whose environment refers to a secret (normalize records the names in source.secrets). */
function usersOf(d: Daemon, name: string): string[] {
  return d.supervisor.list().filter((r) => r.spec.source.secrets.includes(name)).map((r) => r.name);
}

export function secretOps(d: Daemon, store: SecretStore): Handlers<'secret.set' | 'secret.list' | 'secret.rm'> {
  return {
    'secret.set'(p) {
      const { name, value } = p;
      const existed = store.info(name) !== undefined;
      const info = store.set(name, value);
      d.log.info('SECRET_SET', `secret ${name} ${existed ? 'updated' : 'created'}`);
      return { secret: info, updated: existed, usedBy: usersOf(d, name) };
    },
    'secret.list'() {
      return { secrets: store.list().map((s) => ({ ...s, usedBy: usersOf(d, s.name) })) };
    },
    'secret.rm'(p) {
      const name = p.name;
      const info = store.remove(name);
      d.log.info('SECRET_REMOVED', `secret ${name} removed`);
      return { removed: info, usedBy: usersOf(d, name) };
    },
  };
}
