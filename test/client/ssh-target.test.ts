// What an SSH target means and which host keys are trusted: parsed as OpenSSH users expect.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkHostKey, fingerprint, hostKeyAlgorithms, knownKeysFor, parseHostSpec, readSshConfig, resolveTarget } from '../../src/client/ssh-target.js';
import { tempHome } from '../helpers.js';

let home: string;
let savedHome: string | undefined;
beforeEach(() => {
  home = tempHome('sn-sshcfg-');
  mkdirSync(path.join(home, '.ssh'));
  savedHome = process.env.HOME;
  process.env.HOME = home;
});
afterEach(() => {
  process.env.HOME = savedHome;
});

function keyPair(name: string): { blob: Buffer; line: string } {
  const file = path.join(home, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
  const [type, b64] = readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/);
  return { blob: Buffer.from(b64, 'base64'), line: `${type} ${b64}` };
}

describe('parseHostSpec', () => {
  it('reads user@host, ports, IPv6 and ssh:// forms', () => {
    expect(parseHostSpec('deploy@10.0.0.5')).toEqual({ user: 'deploy', host: '10.0.0.5', port: undefined });
    expect(parseHostSpec('deploy@10.0.0.5:2222')).toEqual({ user: 'deploy', host: '10.0.0.5', port: 2222 });
    expect(parseHostSpec('prod')).toEqual({ user: undefined, host: 'prod', port: undefined });
    expect(parseHostSpec('me@[::1]:22')).toEqual({ user: 'me', host: '::1', port: 22 });
    expect(parseHostSpec('ssh://me@example.org:2200')).toEqual({ user: 'me', host: 'example.org', port: 2200 });
  });

  it('rejects what is not a target, saying what a good one looks like', () => {
    for (const bad of ['', 'me@', 'me@host:0', 'me@host:x', 'me@ho st', 'm e@host', 'me@host:70000']) {
      expect(() => parseHostSpec(bad), bad).toThrow(/give user@host or user@host:port/);
    }
  });
});

describe('~/.ssh/config', () => {
  it('applies HostName, User, Port and IdentityFile of the matching Host (first value wins)', () => {
    writeFileSync(path.join(home, '.ssh/config'), [
      'Host prod !prod-old',
      '  HostName 10.0.0.5',
      '  User deploy',
      '  Port 2222',
      '  IdentityFile ~/.ssh/prod_key',
      'Host *',
      '  User nobody',
      '  Port 22',
      '',
    ].join('\n'));
    const t = resolveTarget('prod');
    expect(t).toMatchObject({ host: '10.0.0.5', user: 'deploy', port: 2222, identityFiles: [path.join(home, '.ssh/prod_key')] });
    // what the command line says wins over the file
    expect(resolveTarget('root@prod:22')).toMatchObject({ host: '10.0.0.5', user: 'root', port: 22 });
    expect(readSshConfig('prod-old')).toEqual({ user: ['nobody'], port: ['22'] });
  });
});

describe('known_hosts', () => {
  it('trusts a listed key (plain or hashed, [host]:port for other ports) and refuses unknown, changed and revoked ones', () => {
    const good = keyPair('k1');
    const other = keyPair('k2');
    const kh = path.join(home, '.ssh/known_hosts');
    writeFileSync(kh, `[127.0.0.1]:2222 ${good.line}\n`);
    const t = resolveTarget('me@127.0.0.1:2222');
    expect(checkHostKey(t, good.blob)).toEqual({ ok: true });
    const changed = checkHostKey(t, other.blob);
    expect(changed.ok).toBe(false);
    expect(!changed.ok && changed.message).toContain('has CHANGED');
    expect(!changed.ok && changed.message).toContain(fingerprint(other.blob));
    // another port of the same host is another entry
    const unknown = checkHostKey(resolveTarget('me@127.0.0.1:2223'), good.blob);
    expect(!unknown.ok && unknown.message).toContain('ssh-keyscan -p 2223 127.0.0.1 >> ~/.ssh/known_hosts');
    // hashed names
    execFileSync('ssh-keygen', ['-q', '-H', '-f', kh]);
    expect(readFileSync(kh, 'utf8')).toMatch(/^\|1\|/);
    expect(knownKeysFor([kh], '127.0.0.1', 2222)).toHaveLength(1);
    expect(checkHostKey(t, good.blob)).toEqual({ ok: true });
    expect(hostKeyAlgorithms(t)).toEqual(['ssh-ed25519']);
    // a revoked key is refused even when also listed
    writeFileSync(kh, `[127.0.0.1]:2222 ${good.line}\n@revoked [127.0.0.1]:2222 ${good.line}\n`);
    const revoked = checkHostKey(t, good.blob);
    expect(!revoked.ok && revoked.message).toContain('@revoked');
  });
});
