// Where an SSH target points and whom to trust there, as OpenSSH users expect: `user@host[:port]` (or a Host
// alias of ~/.ssh/config, whose HostName, User, Port, IdentityFile and UserKnownHostsFile apply), and the
// host keys of ~/.ssh/known_hosts (plain or hashed names, `[host]:port` for other ports, @revoked lines).
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SentinelError } from '../core/errors.js';

/** node:crypto, loaded when a host key is checked: loading it was 4 ms of every CLI call's start-up. */
const crypto = (): typeof import('node:crypto') => createRequire(import.meta.url)('node:crypto');

export interface SshTarget {
  /** What the user typed (or the context holds): used in messages. */
  spec: string;
  host: string;
  port: number;
  user: string;
  identityFiles: string[];
  knownHostsFiles: string[];
}

const HOST_RE = /^[A-Za-z0-9._-]+$/;

/** Splits `user@host[:port]`, `host`, `user@[v6addr]:port` or `ssh://user@host:port`; the error shows a good one. */
export function parseHostSpec(text: string): { user?: string; host: string; port?: number } {
  const bad = (why: string) =>
    new SentinelError('INVALID_ARGUMENT', `--host ${JSON.stringify(text)} ${why}; give user@host or user@host:port (e.g. deploy@10.0.0.5:22), or a Host name of ~/.ssh/config`);
  let rest = text.trim();
  if (rest.startsWith('ssh://')) rest = rest.slice('ssh://'.length).replace(/\/$/, '');
  if (!rest) throw bad('is empty');
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (!/^[A-Za-z0-9._][A-Za-z0-9._-]*$/.test(user)) throw bad(`has a user name (${JSON.stringify(user)}) that is not valid`);
  }
  let host = rest;
  let portText: string | undefined;
  const v6 = /^\[([0-9A-Fa-f:.]+)\](?::(.*))?$/.exec(rest);
  if (v6) {
    host = v6[1];
    portText = v6[2];
  } else if (rest.includes(':')) {
    host = rest.slice(0, rest.lastIndexOf(':'));
    portText = rest.slice(rest.lastIndexOf(':') + 1);
  }
  if (!v6 && !HOST_RE.test(host)) throw bad(`has a host name (${JSON.stringify(host)}) that is not valid`);
  let port: number | undefined;
  if (portText !== undefined) {
    port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) throw bad(`has a port (${JSON.stringify(portText)}) that is not a number from 1 to 65535`);
  }
  return { user, host, port };
}

function sshDir(): string {
  return path.join(os.homedir(), '.ssh');
}

function expandHome(p: string): string {
  return p === '~' ? os.homedir() : p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : p;
}

/** OpenSSH's pattern match: `*` and `?`, a comma or space list, `!pattern` excludes. */
export function matchesPatternList(list: string[], name: string): boolean {
  let hit = false;
  for (const raw of list) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
    if (re.test(name)) {
      if (negated) return false;
      hit = true;
    }
  }
  return hit;
}

/** The options of ~/.ssh/config that apply to `alias` (first value wins, as in OpenSSH). Match blocks are skipped. */
export function readSshConfig(alias: string, file = path.join(sshDir(), 'config')): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (!existsSync(file)) return out;
  let active = true;
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1].toLowerCase();
    const value = m[2].replace(/^"(.*)"$/, '$1');
    if (key === 'host') {
      active = matchesPatternList(value.split(/\s+/), alias);
      continue;
    }
    if (key === 'match') {
      active = false;
      continue;
    }
    if (!active) continue;
    if (key === 'identityfile') (out[key] ??= []).push(value);
    else if (!(key in out)) out[key] = [value];
  }
  return out;
}

/** The target a --host value means, with ~/.ssh/config applied. */
export function resolveTarget(spec: string): SshTarget {
  const parsed = parseHostSpec(spec);
  const conf = readSshConfig(parsed.host);
  const host = conf.hostname?.[0]?.replace(/%h/g, parsed.host) ?? parsed.host;
  const port = parsed.port ?? (conf.port ? Number(conf.port[0]) : 22);
  const user = parsed.user ?? conf.user?.[0] ?? os.userInfo().username;
  const identityFiles = conf.identityfile?.map(expandHome) ?? ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => path.join(sshDir(), f));
  const knownHostsFiles = conf.userknownhostsfile
    ? conf.userknownhostsfile[0].split(/\s+/).map(expandHome)
    : [path.join(sshDir(), 'known_hosts'), path.join(sshDir(), 'known_hosts2')];
  return { spec, host, port, user, identityFiles, knownHostsFiles };
}

export interface KnownKey { type: string; blob: Buffer; revoked: boolean; where: string }

/** The name known_hosts files use for a host: `host` on port 22, `[host]:port` elsewhere. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    return crypto().createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  return matchesPatternList(field.split(','), name);
}

/** Every key the known_hosts files hold for host:port (CA lines are not keys of the host: skipped). */
export function knownKeysFor(files: string[], host: string, port: number): KnownKey[] {
  const name = knownHostsName(host, port);
  const keys: KnownKey[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    readFileSync(file, 'utf8').split('\n').forEach((raw, i) => {
      const parts = raw.trim().split(/\s+/);
      if (!parts[0] || parts[0].startsWith('#')) return;
      let marker: string | undefined;
      if (parts[0].startsWith('@')) marker = parts.shift();
      if (marker === '@cert-authority' || parts.length < 3) return;
      if (!hostFieldMatches(parts[0], name)) return;
      keys.push({ type: parts[1], blob: Buffer.from(parts[2], 'base64'), revoked: marker === '@revoked', where: `${file}:${i + 1}` });
    });
  }
  return keys;
}

/** OpenSSH's fingerprint of a public key: SHA256:base64 without padding. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${crypto().createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type written inside a public key blob (its first SSH string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** Accepts the key the server offered, or says why not and how to fix it. */
export function checkHostKey(target: SshTarget, offered: Buffer): { ok: true } | { ok: false; message: string } {
  const keys = knownKeysFor(target.knownHostsFiles, target.host, target.port);
  const name = knownHostsName(target.host, target.port);
  const fp = fingerprint(offered);
  const type = keyTypeOf(offered);
  const portArg = target.port === 22 ? '' : `-p ${target.port} `;
  if (keys.some((k) => k.revoked && k.blob.equals(offered))) {
    return { ok: false, message: `the host key of ${name} (${type} ${fp}) is marked @revoked in known_hosts; refusing to connect` };
  }
  if (keys.some((k) => !k.revoked && k.blob.equals(offered))) return { ok: true };
  const known = keys.filter((k) => !k.revoked);
  if (known.length > 0) {
    return {
      ok: false,
      message:
        `the host key of ${name} has CHANGED (it now offers ${type} ${fp}; known_hosts has another key at ${known[0].where}): ` +
        `someone may be intercepting the connection, or the host was reinstalled. Refusing to connect. If the change is expected, ` +
        `remove the old key with: ssh-keygen -R '${name}', then add the new one`,
    };
  }
  return {
    ok: false,
    message:
      `the host key of ${name} is unknown (it offers ${type} ${fp}); refusing to connect to a host that is not in known_hosts. ` +
      `Check the fingerprint with the host's owner, then add it: ssh-keyscan ${portArg}${target.host} >> ~/.ssh/known_hosts ` +
      `(or connect once with: ssh ${portArg}${target.user}@${target.host})`,
  };
}

/** The host key algorithms to ask for, so a host known by one key type is not reported as changed for another. */
export function hostKeyAlgorithms(target: SshTarget): string[] | undefined {
  const types = new Set(knownKeysFor(target.knownHostsFiles, target.host, target.port).filter((k) => !k.revoked).map((k) => k.type));
  if (types.size === 0) return undefined;
  const out: string[] = [];
  for (const t of types) out.push(...(t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t]));
  return out;
}
