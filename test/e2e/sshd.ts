// A real sshd on loopback for the remote tests: its own config, host key, authorized key and pid file under a
// temporary directory, and a client HOME whose ~/.ssh holds the user's key and known_hosts.
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { alive, killPids, readPid, tempHome, waitFor } from '../helpers.js';

export const SSHD = '/usr/sbin/sshd';

export interface Sshd {
  dir: string;
  port: number;
  pid: number;
  /** HOME of the client: .ssh/id_ed25519 and .ssh/known_hosts are there. */
  clientHome: string;
  hostKeyPub: string;
  /** The sshd processes serving connections (children of the listener). */
  sessions(): number[];
  stop(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function keygen(file: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'sentinel-test', '-f', file]);
}

/** Children of a pid, from /proc. */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * `address` is where it listens (default 127.0.0.1); `netns` runs it inside that network namespace (another
 * "host": what it starts, the remote daemon included, lives in that namespace too).
 */
export async function startSshd(opts: { knownHost?: boolean; address?: string; netns?: string } = {}): Promise<Sshd> {
  const address = opts.address ?? '127.0.0.1';
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = tempHome('sn-sshd-');
  const clientHome = path.join(dir, 'client');
  mkdirSync(path.join(clientHome, '.ssh'), { recursive: true, mode: 0o700 });
  keygen(path.join(dir, 'host_key'));
  keygen(path.join(clientHome, '.ssh/id_ed25519'));
  writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(path.join(clientHome, '.ssh/id_ed25519.pub')));
  const port = await freePort();
  const conf = path.join(dir, 'sshd_config');
  writeFileSync(conf, [
    `Port ${port}`,
    `ListenAddress ${address}`,
    `HostKey ${dir}/host_key`,
    `AuthorizedKeysFile ${dir}/authorized_keys`,
    `PidFile ${dir}/sshd.pid`,
    'UsePAM no',
    'StrictModes no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'AllowStreamLocalForwarding yes',
    'LogLevel VERBOSE',
    '',
  ].join('\n'));
  const hostKeyPub = readFileSync(path.join(dir, 'host_key.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  if (opts.knownHost !== false) appendFileSync(path.join(clientHome, '.ssh/known_hosts'), `[${address}]:${port} ${hostKeyPub}\n`);
  // -D: stays in the foreground, so its pid is ours to kill
  const args = ['-D', '-f', conf, '-E', path.join(dir, 'sshd.log')];
  // ip netns exec execs sshd in place: the pid stays sshd's
  const child = opts.netns ? spawn('ip', ['netns', 'exec', opts.netns, SSHD, ...args], { stdio: 'ignore' }) : spawn(SSHD, args, { stdio: 'ignore' });
  const pid = child.pid!;
  child.unref();
  const up = await waitFor(() => new Promise<boolean>((resolve) => {
    const s = net.connect(port, address, () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  }), 10_000, 50);
  if (!up) throw new Error(`sshd did not start: ${existsSync(path.join(dir, 'sshd.log')) ? readFileSync(path.join(dir, 'sshd.log'), 'utf8') : 'no log'}`);
  return {
    dir, port, pid, clientHome, hostKeyPub,
    sessions: () => childrenOf(pid).filter(alive),
    stop() {
      killPids([...childrenOf(pid), pid]);
      const p = readPid(path.join(dir, 'sshd.pid'));
      if (p && p !== pid && alive(p)) killPids([p]);
    },
  };
}
