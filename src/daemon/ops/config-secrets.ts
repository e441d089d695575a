// Secret operations: set, list (names and times only), rm. A value goes in and never comes back out.
import type { Daemon, Operation } from '../context.js';
import { reqString } from '../params.js';
import type { SecretStore } from '../secrets-store.js';
import { SentinelError } from '../../core/errors.js';

/** Processes whose environment refers to a secret (normalize records the names in source.secrets). */
function usersOf(d: Daemon, name: string): string[] {
  return d.supervisor.list().filter((r) => r.spec.source.secrets.includes(name)).map((r) => r.name);
}

export function secretOps(d: Daemon, store: SecretStore): Record<string, Operation> {
  return {
    'secret.set'(p) {
      const name = reqString(p, 'name');
      const value = p.value;
      if (typeof value !== 'string') throw new SentinelError('INVALID_ARGUMENT', 'parameter "value": expected a string');
      const existed = store.info(name) !== undefined;
      const info = store.set(name, value);
      d.log.info('SECRET_SET', `secret ${name} ${existed ? 'updated' : 'created'}`);
      return { secret: info, updated: existed, usedBy: usersOf(d, name) };
    },
    'secret.list'() {
      return { secrets: store.list().map((s) => ({ ...s, usedBy: usersOf(d, s.name) })) };
    },
    'secret.rm'(p) {
      const name = reqString(p, 'name');
      const info = store.remove(name);
      d.log.info('SECRET_REMOVED', `secret ${name} removed`);
      return { removed: info, usedBy: usersOf(d, name) };
    },
  };
}
