// Who the monitor's caller is and what its keys need, both asked of the daemon: the caller's role from
// `auth.whoami`, each operation's permission from the daemon's own OpenAPI document (x-sentinel-permission).
import type { OpCaller } from '../../client/client.js';
import type { Action, Role } from './state.js';

const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];
export const isRole = (v: unknown): v is Role => typeof v === 'string' && (ROLES as readonly string[]).includes(v);

/** The caller's role: `auth.whoami` where the daemon has it, else admin on the local socket, else unknown. */
export async function whoami(client: OpCaller, local: boolean): Promise<Role | null> {
  try {
    const me = await client.call('auth.whoami');
    if (isRole(me.role)) return me.role;
  } catch {
    /* an older daemon: fall through */
  }
  return local ? 'admin' : null;
}

/**
 * The role each key's operation needs, as the daemon's own contracts declare it (x-sentinel-permission in its
 * OpenAPI document): no copy of the permission table here, and the bundle does not carry the contracts.
 */
export async function permissions(client: OpCaller): Promise<Record<Action, Role>> {
  const needs: Record<Action, Role> = { start: 'operator', stop: 'operator', restart: 'operator' };
  try {
    const doc = (await client.call('api.schema')) as { paths?: Record<string, Record<string, Record<string, unknown>>> };
    for (const methods of Object.values(doc.paths ?? {})) {
      for (const op of Object.values(methods)) {
        const name = op['x-sentinel-op'];
        const permission = op['x-sentinel-permission'];
        if ((name === 'start' || name === 'stop' || name === 'restart') && isRole(permission)) needs[name] = permission;
      }
    }
  } catch {
    /* the daemon refuses it or predates it: its own answers to the keys still say who may do what */
  }
  return needs;
}
