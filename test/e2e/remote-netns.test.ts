// Several hosts: two network namespaces, each with its own sshd, reached over veth links from this one. Each
// context manages its own host's daemon, and what that daemon starts lives in that host's network.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readlinkSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanupHome, cli, readPid, tempHome } from '../helpers.js';
import { startSshd, type Sshd } from './sshd.js';

const tag = `sn${process.pid % 100000}`;
const subnet = 100 + (process.pid % 120);
interface Host { ns: string; address: string; sshd?: Sshd; home: string }
const hosts: Host[] = ['a', 'b'].map((n, i) => ({ ns: `${tag}${n}`, address: `10.${subnet}.${i}.2`, home: '' }));
let localHome: string;
let configDir: string;
let clientHome: string;
const remoteCommand = `${process.execPath} ${BIN}`;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

beforeAll(async () => {
  localHome = tempHome('sn-loc-');
  configDir = tempHome('sn-cfg-');
  hosts.forEach((h, i) => {
    ip('netns', 'add', h.ns);
    ip('link', 'add', `${h.ns}h`, 'type', 'veth', 'peer', 'name', `${h.ns}p`);
    ip('link', 'set', `${h.ns}p`, 'netns', h.ns);
    ip('addr', 'add', `10.${subnet}.${i}.1/30`, 'dev', `${h.ns}h`);
    ip('link', 'set', `${h.ns}h`, 'up');
    ip('netns', 'exec', h.ns, 'ip', 'addr', 'add', `${h.address}/30`, 'dev', `${h.ns}p`);
    ip('netns', 'exec', h.ns, 'ip', 'link', 'set', `${h.ns}p`, 'up');
    ip('netns', 'exec', h.ns, 'ip', 'link', 'set', 'lo', 'up');
  });
  for (const h of hosts) {
    h.sshd = await startSshd({ address: h.address, netns: h.ns });
    h.home = tempHome('sn-rem-');
  }
  // one client: the first host's key is authorized on both, and both host keys are known
  clientHome = hosts[0].sshd!.clientHome;
  copyFileSync(path.join(clientHome, '.ssh/id_ed25519.pub'), path.join(hosts[1].sshd!.dir, 'authorized_keys'));
  appendFileSync(path.join(clientHome, '.ssh/known_hosts'), readFileSync(path.join(hosts[1].sshd!.clientHome, '.ssh/known_hosts')));
  mkdirSync(configDir, { recursive: true });
}, 60_000);

afterAll(async () => {
  for (const h of hosts) {
    if (h.home) await cleanupHome(h.home);
    h.sshd?.stop();
    try {
      ip('link', 'del', `${h.ns}h`);
    } catch { /* already gone */ }
    try {
      ip('netns', 'del', h.ns);
    } catch { /* already gone */ }
  }
  await cleanupHome(localHome);
}, 60_000);

describe('several hosts in network namespaces', () => {
  it('each context manages its own host, whose processes run in that host\'s network', async () => {
    const env = { HOME: clientHome, SSH_AUTH_SOCK: '', SENTINEL_CONFIG_DIR: configDir };
    const c = (args: string[]) => cli(localHome, args, { env });
    for (const [i, h] of hosts.entries()) {
      const add = await c(['context', 'add', `host${i}`, '--ssh', `root@${h.address}:${h.sshd!.port}`, '--remote-home', h.home, '--remote-command', remoteCommand]);
      expect(add.code, add.stderr).toBe(0);
      const run = await c(['--context', `host${i}`, 'run', '--name', `only-on-${i}`, '--', process.execPath, '-e', 'setInterval(() => {}, 1000)']);
      expect(run.code, run.stderr).toBe(0);
    }
    const own = readlinkSync('/proc/self/ns/net');
    const nets = new Set<string>();
    for (const [i, h] of hosts.entries()) {
      const list = await c(['--context', `host${i}`, 'list', '--json']);
      expect(list.code, list.stderr).toBe(0);
      const procs = JSON.parse(list.stdout).processes as Array<{ name: string; pid: number }>;
      expect(procs.map((p) => p.name)).toEqual([`only-on-${i}`]);
      // the remote daemon and its process live in the namespace of that host, not in ours
      const daemonNet = readlinkSync(`/proc/${readPid(path.join(h.home, 'daemon.pid'))}/ns/net`);
      expect(readlinkSync(`/proc/${procs[0].pid}/ns/net`)).toBe(daemonNet);
      expect(daemonNet).not.toBe(own);
      nets.add(daemonNet);
    }
    expect(nets.size).toBe(2);
  }, 120_000);
});
