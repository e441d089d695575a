// Identity: run a process as another user (with all of that user's groups), at a CPU and I/O priority.
//
// Node's spawn `uid`/`gid` calls setgroups() with nothing, so the child loses the user's supplementary
// groups; a process that needs group `docker` or `www-data` then fails. The child is therefore started
// through `setpriv --init-groups`, which keeps them, after `nice` and `ionice` (which need the daemon's
// privileges for a raised priority). Each of the three execs the next, so the pid the supervisor
// records is the process's own from its first instruction.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { SentinelError } from '../core/errors.js';
import { resolveExecutable, type Spawner } from '../core/spawn.js';
import type { IdentitySection, ProcessSpec } from '../core/spec.js';
import { spawnManyThrough } from '../core/spawn-many.js';

const SYSTEM_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
const IONICE_CLASSES: Record<string, number> = { realtime: 1, 'best-effort': 2, idle: 3, '1': 1, '2': 2, '3': 3 };

export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

/** "www-data:adm" → ["www-data", "adm"]; "www-data" → ["www-data", null]. */
export function splitUserGroup(ref: string): [string, string | null] {
  const at = ref.indexOf(':');
  const user = at < 0 ? ref : ref.slice(0, at);
  const group = at < 0 ? null : ref.slice(at + 1);
  if (user === '' || group === '') {
    throw new SentinelError('INVALID_ARGUMENT', `user ${JSON.stringify(ref)}: expected NAME or NAME:GROUP (e.g. --user www-data or --user www-data:adm)`);
  }
  return [user, group];
}

export function validateNice(n: number, what = 'nice'): void {
  if (!Number.isInteger(n) || n < -20 || n > 19) {
    throw new SentinelError('INVALID_ARGUMENT', `${what} ${n}: expected a whole number from -20 (highest priority) to 19 (lowest), e.g. ${what} 10`);
  }
}

/** "best-effort:4", "idle", "realtime:0", or the numeric classes 1-3. */
export function parseIonice(text: string, what = 'ionice'): { cls: number; level: number | null } {
  const [name, levelText] = text.split(':');
  const cls = IONICE_CLASSES[name.trim().toLowerCase()];
  const hint = `expected realtime[:0-7], best-effort[:0-7] or idle (e.g. ${what} best-effort:6)`;
  if (cls === undefined) throw new SentinelError('INVALID_ARGUMENT', `${what} ${JSON.stringify(text)}: unknown class; ${hint}`);
  if (levelText === undefined) return { cls, level: null };
  const level = Number(levelText);
  if (cls === 3) throw new SentinelError('INVALID_ARGUMENT', `${what} ${JSON.stringify(text)}: the idle class takes no level; ${hint}`);
  if (levelText.trim() === '' || !Number.isInteger(level) || level < 0 || level > 7) {
    throw new SentinelError('INVALID_ARGUMENT', `${what} ${JSON.stringify(text)}: the level must be 0 (highest) to 7; ${hint}`);
  }
  return { cls, level };
}

export function validateIonice(text: string, what = 'ionice'): void {
  parseIonice(text, what);
}

function getent(db: 'passwd' | 'group', key: string): string[] | null {
  try {
    const line = execFileSync('getent', [db, key], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0];
    return line ? line.split(':') : null;
  } catch {
    return null;
  }
}

/** The account of a user name or uid, from the system's user database (files, LDAP... as NSS says). */
export function lookupUser(ref: string): Account {
  const f = getent('passwd', ref);
  if (!f || f.length < 7) {
    throw new SentinelError('USER_NOT_FOUND', `user ${JSON.stringify(ref)} does not exist on this machine; create it (useradd ${ref}) or fix the user setting`);
  }
  return { name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5], shell: f[6] };
}

export function lookupGroup(ref: string): number {
  const f = getent('group', ref);
  if (!f || f.length < 3) {
    throw new SentinelError('SYSTEM_GROUP_NOT_FOUND', `group ${JSON.stringify(ref)} does not exist on this machine; create it (groupadd ${ref}) or fix the user setting`);
  }
  return Number(f[2]);
}

export interface ResolvedIdentity {
  account: Account | null;
  gid: number | null;
  nice: number | null;
  ionice: { cls: number; level: number | null } | null;
}

/** Checks an identity against the system before anything starts: users exist, the daemon may switch. */
export function resolveIdentity(id: IdentitySection, daemonUid: number = process.getuid?.() ?? 0): ResolvedIdentity {
  const account = id.user === null ? null : lookupUser(id.user);
  const gid = id.group === null ? null : lookupGroup(id.group);
  if (daemonUid !== 0) {
    if ((account && account.uid !== daemonUid) || (gid !== null && gid !== (process.getgid?.() ?? gid))) {
      throw new SentinelError(
        'PERMISSION_DENIED',
        `running a process as ${id.user ?? ''}${id.group ? `:${id.group}` : ''} needs a daemon running as root (this one runs as uid ${daemonUid}); start the daemon as root or drop the user setting`,
      );
    }
    if (id.nice !== null && id.nice < os.getPriority()) {
      throw new SentinelError('PERMISSION_DENIED', `nice ${id.nice} raises the priority, which needs a daemon running as root; use a value of ${os.getPriority()} or more`);
    }
  }
  if (id.nice !== null) validateNice(id.nice);
  return { account, gid, nice: id.nice, ionice: id.ionice === null ? null : parseIonice(id.ionice) };
}

export function hasIdentity(id: IdentitySection): boolean {
  return id.user !== null || id.group !== null || id.nice !== null || id.ionice !== null;
}

function tool(name: string): string {
  const found = resolveExecutable(name, SYSTEM_PATH, '/');
  if (!found) throw new SentinelError('EXECUTABLE_NOT_FOUND', `"${name}" is needed to apply the user, nice or ionice setting and was not found; install util-linux and coreutils`);
  return found;
}

/** The argv prefix and environment changes that apply an identity to a command. */
export function identityWrap(r: ResolvedIdentity): { prefix: string[]; env: Record<string, string> } {
  const prefix: string[] = [];
  const env: Record<string, string> = {};
  if (r.nice !== null) prefix.push(tool('nice'), '-n', String(r.nice - os.getPriority()));
  if (r.ionice !== null) prefix.push(tool('ionice'), '-c', String(r.ionice.cls), ...(r.ionice.level !== null ? ['-n', String(r.ionice.level)] : []));
  if (r.account || r.gid !== null) {
    const uid = r.account?.uid ?? process.getuid?.() ?? 0;
    const gid = r.gid ?? r.account?.gid ?? process.getgid?.() ?? 0;
    prefix.push(tool('setpriv'), `--reuid=${uid}`, `--regid=${gid}`);
    // a user's own groups; with only a group given, the daemon's supplementary groups are dropped
    prefix.push(...(r.account ? ['--init-groups'] : ['--clear-groups']), '--');
    if (r.account) Object.assign(env, { HOME: r.account.home, USER: r.account.name, LOGNAME: r.account.name, SHELL: r.account.shell });
  }
  return { prefix, env };
}

/** A spawner decorator: processes with a user, nice or ionice setting start through the wrappers. */
export function identitySpawner(inner: Spawner): Spawner {
  return {
    spawn(spec, fds) {
      if (!hasIdentity(spec.identity)) return inner.spawn(spec, fds);
      const { prefix, env } = identityWrap(resolveIdentity(spec.identity));
      const argv = spec.shell ? ['/bin/sh', '-c', spec.command] : [spec.command, ...spec.args];
      const wrapped: ProcessSpec = { ...spec, shell: false, command: prefix[0], args: [...prefix.slice(1), ...argv], env: { ...spec.env, ...env } };
      return inner.spawn(wrapped, fds);
    },
    spawnMany(requests) {
      return spawnManyThrough(inner, requests, (r) => (hasIdentity(r.spec.identity) ? null : r), (r) => this.spawn(r.spec, r.fds));
    },
  };
}
