// Who is calling: a principal (the socket's owner, or a token) with a role and, for a token, an optional
// pattern limiting it to some processes. admin ⊃ operator ⊃ viewer, as the contracts' permissions say.
import type { Permission } from './define.js';

export type Role = Permission;
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

export interface Principal {
  /** "owner" on the Unix socket, the token's name over TCP. */
  name: string;
  role: Role;
  /** A glob on process names ("web*"); null: every process. */
  processes: string | null;
  /** When the token stops working (ms since the epoch); null: never. */
  expiresAt: number | null;
}

/** Whoever can open the owner-only Unix socket: full access. */
export const OWNER: Principal = { name: 'owner', role: 'admin', processes: null, expiresAt: null };

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function roleAllows(role: Role, needed: Permission): boolean {
  return RANK[role] >= RANK[needed];
}

/** A process-name glob: "*" any run of characters, "?" one; everything else literal. */
export function globRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** The definition a displayed name belongs to ("web:2" → "web"). */
export function definitionOf(name: string): string {
  return name.replace(/:\d+$/, '');
}

/** Whether a principal may see a process (by its definition's or instance's name). */
export function seesProcess(p: Principal, name: string | null): boolean {
  if (p.processes === null) return true;
  if (name === null) return false;
  const re = globRegExp(p.processes);
  return re.test(definitionOf(name)) || re.test(name);
}
