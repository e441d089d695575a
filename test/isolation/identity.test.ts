// Identity applied to real processes: a user made with useradd (with a supplementary group), nice and
// ionice, through `run`, a config file and a supervisord import; bad values refused before anything starts.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityWrap, parseIonice, resolveIdentity, splitUserGroup } from '../../src/isolation/identity.js';
import { cleanupHome, cli, cliJson, tempHome } from '../helpers.js';

const suffix = `${process.pid % 100000}`;
const USER = `sntu${suffix}`;
const EXTRA_GROUP = `sntg${suffix}`;

function procStatus(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const at = line.indexOf(':');
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return out;
}

/** Field 19 of /proc/PID/stat (after the command name, which may hold spaces). */
function niceOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

function environOf(pid: number): Record<string, string> {
  return Object.fromEntries(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

function id(args: string[]): number {
  return Number(execFileSync('id', args, { encoding: 'utf8' }).trim());
}

interface View { name: string; pid: number | null; status: string }

describe('identity (unit)', () => {
  it('splits NAME[:GROUP] and refuses empty parts', () => {
    expect(splitUserGroup('www-data')).toEqual(['www-data', null]);
    expect(splitUserGroup('www-data:adm')).toEqual(['www-data', 'adm']);
    expect(() => splitUserGroup(':adm')).toThrow('expected NAME or NAME:GROUP');
  });

  it('parses ionice classes and levels, with a clear error for the rest', () => {
    expect(parseIonice('best-effort:4')).toEqual({ cls: 2, level: 4 });
    expect(parseIonice('idle')).toEqual({ cls: 3, level: null });
    expect(() => parseIonice('idle:3')).toThrow('the idle class takes no level');
    expect(() => parseIonice('fast')).toThrow('unknown class');
    expect(() => parseIonice('realtime:9')).toThrow('the level must be 0 (highest) to 7');
  });

  it('refuses another user, a group or a raised priority from a daemon that is not root', () => {
    const identity = { user: 'root', group: null, nice: null, ionice: null };
    expect(() => resolveIdentity(identity, 1000)).toThrow(/needs a daemon running as root/);
    expect(() => resolveIdentity({ ...identity, user: null, nice: -5 }, 1000)).toThrow(/raises the priority, which needs a daemon running as root/);
    expect(() => resolveIdentity({ ...identity, user: 'no-such-user-here' })).toThrow('user "no-such-user-here" does not exist on this machine');
    expect(() => resolveIdentity({ ...identity, user: null, group: 'no-such-group-here' })).toThrow('group "no-such-group-here" does not exist');
  });

  it('wraps with nice, ionice and setpriv in that order, keeping the user\'s groups', () => {
    const r = resolveIdentity({ user: 'nobody', group: null, nice: 3, ionice: 'idle' });
    const { prefix, env } = identityWrap(r);
    const names = prefix.filter((a) => a.startsWith('/')).map((a) => path.basename(a));
    expect(names).toEqual(['nice', 'ionice', 'setpriv']);
    expect(prefix).toContain('--init-groups');
    expect(prefix.at(-1)).toBe('--');
    expect(env.USER).toBe('nobody');
  });
});

describe.skipIf(process.getuid?.() !== 0)('identity with a real user (root)', () => {
  let home: string;
  let dir: string;
  let uid: number;
  let gid: number;
  let extraGid: number;

  beforeAll(() => {
    spawnSync('userdel', ['-r', USER]);
    spawnSync('groupdel', [EXTRA_GROUP]);
    execFileSync('groupadd', [EXTRA_GROUP]);
    execFileSync('useradd', ['-m', '-G', EXTRA_GROUP, USER]);
    uid = id(['-u', USER]);
    gid = id(['-g', USER]);
    extraGid = Number(execFileSync('getent', ['group', EXTRA_GROUP], { encoding: 'utf8' }).split(':')[2]);
    home = tempHome('sn-id-');
    dir = mkdtempSync(path.join(os.tmpdir(), 'sn-idcfg-'));
  });

  afterAll(async () => {
    await cleanupHome(home);
    rmSync(dir, { recursive: true, force: true });
    spawnSync('userdel', ['-r', USER]);
    spawnSync('groupdel', [EXTRA_GROUP]);
  });

  it('run --user --nice --ionice: uid, gid, supplementary groups, priority and login variables are applied', async () => {
    const r = await cliJson<{ process: View }>(home, ['run', '--name', 'as-user', '--user', USER, '--nice', '7', '--ionice', 'best-effort:6', '--', 'sleep', '300']);
    const pid = r.process.pid!;
    const st = procStatus(pid);
    expect(st.Uid.split(/\s+/).map(Number)).toEqual([uid, uid, uid, uid]);
    expect(st.Gid.split(/\s+/).map(Number)).toEqual([gid, gid, gid, gid]);
    expect(st.Groups.split(/\s+/).map(Number)).toContain(extraGid);
    expect(niceOf(pid)).toBe(7);
    expect(execFileSync('ionice', ['-p', String(pid)], { encoding: 'utf8' }).trim()).toBe('best-effort: prio 6');
    // the exec chain keeps the pid: the process itself is sleep, not a wrapper
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]).toBe('sleep');
    const env = environOf(pid);
    expect([env.USER, env.LOGNAME, env.HOME]).toEqual([USER, USER, `/home/${USER}`]);
  });

  it('user: NAME:GROUP and nice in sentinel.yaml are applied', async () => {
    const file = path.join(dir, 'sentinel.yaml');
    writeFileSync(file, `processes:\n  cfg-user:\n    command: sleep 301\n    user: "${USER}:${EXTRA_GROUP}"\n    nice: 4\n    ionice: idle\n`);
    const up = await cli(home, ['up', '-f', file]);
    expect(up.code, up.stderr).toBe(0);
    const list = await cliJson<{ processes: View[] }>(home, ['list']);
    const pid = list.processes.find((p) => p.name === 'cfg-user')!.pid!;
    const st = procStatus(pid);
    expect(Number(st.Uid.split(/\s+/)[0])).toBe(uid);
    expect(Number(st.Gid.split(/\s+/)[0])).toBe(extraGid);
    expect(niceOf(pid)).toBe(4);
    expect(execFileSync('ionice', ['-p', String(pid)], { encoding: 'utf8' }).trim()).toBe('idle');
  });

  it('an imported supervisord program with user= runs as that user', async () => {
    const conf = path.join(dir, 'supervisord.conf');
    writeFileSync(conf, `[program:imported]\ncommand=sleep 302\nuser=${USER}\n`);
    const imp = await cli(home, ['import', conf, '--output', path.join(dir, 'imported.yaml')]);
    expect(imp.code, imp.stderr + imp.stdout).toBe(0);
    const up = await cli(home, ['up', '-f', path.join(dir, 'imported.yaml')]);
    expect(up.code, up.stderr).toBe(0);
    const list = await cliJson<{ processes: View[] }>(home, ['list']);
    const pid = list.processes.find((p) => p.name === 'imported')!.pid!;
    expect(Number(procStatus(pid).Uid.split(/\s+/)[0])).toBe(uid);
  });

  it('an unknown user, a bad nice or ionice is refused before anything is created', async () => {
    const unknown = await cli(home, ['run', '--name', 'ghost', '--user', 'no-such-user-here', 'sleep 1']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('user "no-such-user-here" does not exist on this machine');
    const nice = await cli(home, ['run', '--name', 'ghost', '--nice', '40', 'sleep 1']);
    expect(nice.code).toBe(2);
    expect(nice.stderr).toContain('--nice 40: expected a whole number from -20 (highest priority) to 19');
    const ion = await cli(home, ['run', '--name', 'ghost', '--ionice', 'loud', 'sleep 1']);
    expect(ion.code).toBe(2);
    expect(ion.stderr).toContain('--ionice "loud": unknown class');
    const list = await cliJson<{ processes: View[] }>(home, ['list']);
    expect(list.processes.map((p) => p.name)).not.toContain('ghost');
  });
});
