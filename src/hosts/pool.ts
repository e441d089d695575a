// How the daemon reaches the hosts of daemon.yaml: one client per host, kept between calls (an SSH connection
// is set up once, not on every refresh), rebuilt after a failure. SSH hosts go through src/client/ssh.ts,
// imported only when an SSH host is first asked (a daemon without hosts never loads ssh2); TCP hosts through
// the RemoteClient with the token read from token_file at each new client (a rotated token is picked up).
import { readFileSync } from 'node:fs';
import { SentinelError } from '../core/errors.js';
import type { OpCaller } from '../client/client.js';
import type { OpResult } from '../contracts/index.js';
import type { SshTunnel } from '../client/ssh.js';
import type { HostSetting } from './settings.js';
import { loadedFaces } from '../daemon/loaded-faces.js';

/** As long as the CLI gives a stop or restart (a stop timeout plus the start wait). */
const ACTION_TIMEOUT_MS = 120_000;

interface Reached { caller: OpCaller; tunnel?: SshTunnel }

export class HostPool {
  private readonly clients = new Map<string, Promise<Reached>>();

  /** How a host is reached, for answers and messages: never its token. */
  static address(h: HostSetting): string {
    return h.ssh ?? h.url ?? '';
  }

  private async open(h: HostSetting): Promise<Reached> {
    if (h.ssh !== undefined) {
      const [{ SshTunnel }, { Client }] = await Promise.all([import('../client/ssh.js'), import('../client/client.js')]);
      // daemon.status shows it: a daemon whose hosts are all TCP (or that has none) never loads SSH
      loadedFaces.add('ssh');
      const tunnel = new SshTunnel({ host: h.ssh, remoteHome: h.remote_home, remoteCommand: h.remote_command, connectTimeoutMs: h.timeout });
      // never starts a daemon there: a viewer's question must not change another host
      return { caller: new Client({ tunnel, autostart: false, requestTimeoutMs: h.timeout, clientName: 'hosts' }), tunnel };
    }
    const { RemoteClient } = await import('../client/remote.js');
    let token: string;
    let ca: Buffer | undefined;
    try {
      token = readFileSync(h.token_file!, 'utf8').trim();
      ca = h.ca_file ? readFileSync(h.ca_file) : undefined;
    } catch (err) {
      throw new SentinelError('INVALID_CONFIG', `cannot read the token or CA file of host "${h.name}": ${(err as Error).message}`);
    }
    return { caller: new RemoteClient({ url: h.url!, token, ca, requestTimeoutMs: h.timeout, clientName: 'hosts' }) };
  }

  private reach(h: HostSetting): Promise<Reached> {
    let c = this.clients.get(h.name);
    if (!c) {
      c = this.open(h);
      this.clients.set(h.name, c);
    }
    return c;
  }

  /** Forgets a host's client after a failure (and ends its SSH connection): the next call starts afresh. */
  private drop(name: string): void {
    const c = this.clients.get(name);
    this.clients.delete(name);
    c?.then((r) => r.tunnel?.close(), () => undefined);
  }

  /** One host's process list, within its timeout; the error says which host and why. */
  async list(h: HostSetting): Promise<OpResult<'list'>> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SentinelError('TIMEOUT', `no answer within ${h.timeout} ms (hosts[].timeout in daemon.yaml)`)), h.timeout);
    });
    try {
      const work = this.reach(h).then((r) => r.caller.call('list'));
      work.catch(() => undefined);
      return await Promise.race([work, late]);
    } catch (err) {
      this.drop(h.name);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** One process action on a host: its own start/stop/restart, given the time a stop may take. */
  async act(h: HostSetting, action: 'start' | 'stop' | 'restart', ref: string): Promise<OpResult<'start'>['process']> {
    try {
      const { caller } = await this.reach(h);
      const r = await caller.call(action, { ref }, { minTimeoutMs: ACTION_TIMEOUT_MS });
      return r.process;
    } catch (err) {
      if (!(err instanceof SentinelError) || err.status >= 500) this.drop(h.name);
      throw err instanceof SentinelError ? new SentinelError(err.code, `host ${h.name}: ${err.message}`, err.details) : err;
    }
  }

  /** Ends every SSH connection (daemon shutdown). */
  close(): void {
    for (const name of [...this.clients.keys()]) this.drop(name);
  }
}
