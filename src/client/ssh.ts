// The SSH transport: one SSH connection per CLI run; each HTTP request to the remote daemon rides its own
// channel to the daemon's Unix socket (direct-streamlocal, what `ssh -L local:/remote.sock` uses), so no TCP
// port is ever opened on the remote host. Exec channels start the remote daemon and run the few commands
// that read the remote machine itself (daemon start/stop/logs). ssh2 is loaded only when a host is given.
import type { Duplex } from 'node:stream';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SentinelError } from '../core/errors.js';
import { checkHostKey, hostKeyAlgorithms, resolveTarget, type SshTarget } from './ssh-target.js';
import { createRequire } from 'node:module';

export interface SshOptions {
  /** user@host[:port] or a Host of ~/.ssh/config. */
  host: string;
  /** The remote SENTINEL_HOME (default: the remote user's ~/.sentinel). */
  remoteHome?: string;
  /** How to run sentinel on the remote host (default "sentinel"); a shell command line. */
  remoteCommand?: string;
  connectTimeoutMs?: number;
}

type SshClient = import('ssh2').Client;

/** Quotes one word for the remote POSIX shell. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export class SshTunnel {
  readonly target: SshTarget;
  readonly remoteCommand: string;
  private readonly remoteHomeOpt: string | undefined;
  private readonly connectTimeoutMs: number;
  private conn: Promise<SshClient> | null = null;
  private home: string | null = null;
  private readonly channels = new Set<Duplex>();
  /** Set when an established connection dropped: every later error of a request is explained by it. */
  lost: SentinelError | null = null;
  private refused: string | null = null;

  constructor(opts: SshOptions) {
    this.target = resolveTarget(opts.host);
    this.remoteHomeOpt = opts.remoteHome;
    if (opts.remoteHome !== undefined && !opts.remoteHome.startsWith('/') && !opts.remoteHome.startsWith('~/') && opts.remoteHome !== '~') {
      throw new SentinelError('INVALID_ARGUMENT', `--remote-home ${JSON.stringify(opts.remoteHome)} must be an absolute path on the remote host (or start with ~/), e.g. /home/deploy/.sentinel`);
    }
    this.remoteCommand = opts.remoteCommand?.trim() || 'sentinel';
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 15_000;
  }

  /** user@host:port, for messages. */
  get label(): string {
    return `${this.target.user}@${this.target.host}${this.target.port === 22 ? '' : `:${this.target.port}`}`;
  }

  private connect(): Promise<SshClient> {
    this.conn ??= this.open();
    return this.conn;
  }

  private async open(): Promise<SshClient> {
    // a specifier the bundler cannot follow: ssh2 (and its native parts) stay out of the CLI bundle, loaded from
    // node_modules; required (the CLI runs as CommonJS from V8's code cache, where import() has no loader)
    const moduleName = 'ssh2';
    const { Client, utils } = createRequire(import.meta.url)(moduleName) as typeof import('ssh2');
    const t = this.target;
    const auth: object[] = [];
    const skipped: string[] = [];
    if (process.env.SSH_AUTH_SOCK) auth.push({ type: 'agent', username: t.user, agent: process.env.SSH_AUTH_SOCK });
    for (const file of t.identityFiles) {
      if (!existsSync(file)) continue;
      const key = readFileSync(file);
      const parsed = utils.parseKey(key);
      if (parsed instanceof Error) {
        skipped.push(`${file} (${/encrypt|passphrase/i.test(parsed.message) ? 'has a passphrase: add it to ssh-agent' : parsed.message})`);
        continue;
      }
      auth.push({ type: 'publickey', username: t.user, key });
    }
    if (auth.length === 0) {
      throw new SentinelError('SSH_FAILED', `no SSH key to log in to ${this.label} with: start ssh-agent (SSH_AUTH_SOCK) or create a key (~/.ssh/id_ed25519)${skipped.length ? `; skipped ${skipped.join(', ')}` : ''}`);
    }
    const conn = new Client();
    return new Promise<SshClient>((resolve, reject) => {
      let ready = false;
      conn.on('ready', () => {
        ready = true;
        resolve(conn);
      });
      conn.on('error', (err: Error & { level?: string }) => {
        if (!ready) return reject(this.connectError(err, skipped));
        this.dropped(`the SSH connection to ${this.label} failed (${err.message})`);
      });
      conn.on('close', () => {
        if (!ready) return reject(this.connectError(new Error('the connection closed during the handshake'), skipped));
        this.dropped(`the SSH connection to ${this.label} was lost`);
      });
      const algorithms = hostKeyAlgorithms(t);
      conn.connect({
        host: t.host,
        port: t.port,
        username: t.user,
        readyTimeout: this.connectTimeoutMs,
        // a silent network drop is noticed after about 45 s instead of hanging forever
        keepaliveInterval: 15_000,
        keepaliveCountMax: 3,
        ...(algorithms ? { algorithms: { serverHostKey: algorithms as never } } : {}),
        hostVerifier: (key: Buffer) => {
          const verdict = checkHostKey(t, key);
          if (!verdict.ok) this.refused = verdict.message;
          return verdict.ok;
        },
        authHandler: auth as never,
      });
    });
  }

  private connectError(err: Error & { level?: string; code?: string }, skipped: string[]): SentinelError {
    if (this.refused) return new SentinelError('SSH_HOST_KEY', this.refused);
    const where = `${this.target.host}:${this.target.port}`;
    if (err.level === 'client-authentication') {
      return new SentinelError('SSH_FAILED', `SSH login as ${this.target.user} on ${where} was refused (tried ${process.env.SSH_AUTH_SOCK ? 'ssh-agent and ' : ''}${this.target.identityFiles.filter(existsSync).join(', ') || 'no key files'}${skipped.length ? `; skipped ${skipped.join(', ')}` : ''}); add your public key to the remote ~/.ssh/authorized_keys, or name the key with IdentityFile in ~/.ssh/config`);
    }
    if (err.code === 'ECONNREFUSED') return new SentinelError('SSH_FAILED', `nothing accepts SSH connections at ${where}; is sshd running there, on that port?`);
    if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return new SentinelError('SSH_FAILED', `cannot resolve the host ${this.target.host}; check --host (or the HostName in ~/.ssh/config)`);
    if (/timed out/i.test(err.message) || err.code === 'ETIMEDOUT') return new SentinelError('SSH_FAILED', `SSH to ${where} did not answer within ${this.connectTimeoutMs} ms`);
    return new SentinelError('SSH_FAILED', `cannot connect over SSH to ${where}: ${err.message}`);
  }

  private dropped(message: string): void {
    if (this.lost) return;
    this.lost = new SentinelError('SSH_FAILED', `${message}; the command could not finish (run it again once the host is reachable)`);
    for (const ch of this.channels) ch.destroy(this.lost);
    this.channels.clear();
  }

  /** The remote SENTINEL_HOME: the option, else the remote user's ~/.sentinel (asked once). */
  async remoteHome(): Promise<string> {
    if (this.home) return this.home;
    const given = this.remoteHomeOpt;
    if (given && given.startsWith('/')) return (this.home = given.replace(/\/+$/, '') || '/');
    const r = await this.exec(`printf '%s' "$HOME"`);
    const home = r.stdout.trim();
    if (r.code !== 0 || !home.startsWith('/')) throw new SentinelError('SSH_FAILED', `cannot learn the home directory of ${this.label}; pass --remote-home /path/to/.sentinel`);
    this.home = path.posix.normalize(given ? `${home}${given.slice(1)}` : `${home}/.sentinel`);
    return this.home;
  }

  /** One stream to the remote daemon's socket; a socket nobody answers on fails with ECONNREFUSED (the client then starts the daemon). */
  async openSocket(): Promise<Duplex> {
    if (this.lost) throw this.lost;
    const conn = await this.connect();
    const socket = `${await this.remoteHome()}/sentinel.sock`;
    return new Promise((resolve, reject) => {
      try {
        conn.openssh_forwardOutStreamLocal(socket, (err, stream) => {
          if (err) {
            const reason = (err as Error & { reason?: number }).reason;
            if (reason === 1) {
              return reject(new SentinelError('SSH_FAILED', `the SSH server of ${this.label} refuses to forward Unix sockets; set "AllowStreamLocalForwarding yes" in its sshd_config`));
            }
            return reject(Object.assign(new Error(`no daemon answers on ${socket} at ${this.label}`), { code: 'ECONNREFUSED' }));
          }
          // what http.ClientRequest calls on a socket
          const s = stream as unknown as Duplex & Record<string, unknown>;
          const noop = () => s;
          Object.assign(s, { setKeepAlive: noop, setNoDelay: noop, setTimeout: noop, ref: noop, unref: noop, destroySoon: () => s.destroy() });
          this.channels.add(s);
          s.once('close', () => this.channels.delete(s));
          resolve(s);
        });
      } catch (e) {
        reject(this.lost ?? e);
      }
    });
  }

  /** Runs a shell command line on the remote host; its output is collected. */
  async exec(command: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const conn = await this.connect();
    return new Promise((resolve, reject) => {
      conn.exec(command, (err, stream) => {
        if (err) return reject(new SentinelError('SSH_FAILED', `cannot run a command on ${this.label}: ${err.message}`));
        let stdout = '';
        let stderr = '';
        let code = -1;
        stream.on('data', (d: Buffer) => (stdout += d.toString()));
        stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        stream.on('exit', (c: number | null) => (code = c ?? -1));
        stream.on('close', () => (this.lost ? reject(this.lost) : resolve({ code, stdout, stderr })));
      });
    });
  }

  /** Runs the remote sentinel with these arguments, its output going to ours; resolves to its exit code. */
  async runRemoteCli(args: string[]): Promise<number> {
    const conn = await this.connect();
    const line = await this.cliLine(args);
    return new Promise((resolve, reject) => {
      conn.exec(line, (err, stream) => {
        if (err) return reject(new SentinelError('SSH_FAILED', `cannot run a command on ${this.label}: ${err.message}`));
        let code = -1;
        stream.pipe(process.stdout, { end: false });
        stream.stderr.pipe(process.stderr, { end: false });
        stream.on('exit', (c: number | null) => (code = c ?? -1));
        stream.on('close', () => (this.lost ? reject(this.lost) : resolve(code === 127 ? this.notInstalled() : code)));
      });
    });
  }

  private notInstalled(): never {
    throw new SentinelError('SSH_FAILED', `"${this.remoteCommand}" was not found on ${this.label} (exit 127); install Sentinel there (on the PATH of non-interactive shells) or pass --remote-command "node /path/to/bin/sentinel.js"`);
  }

  private async cliLine(args: string[]): Promise<string> {
    const home = await this.remoteHome();
    return `SENTINEL_HOME=${shellQuote(home)} ${this.remoteCommand} ${args.map(shellQuote).join(' ')}`;
  }

  /** Starts the remote daemon (`sentinel daemon start` over an exec channel); a racing start that won is fine. */
  async startDaemon(opts: { resetDamagedDb?: boolean; listen?: string } = {}): Promise<void> {
    const args = ['daemon', 'start', '--json', ...(opts.resetDamagedDb ? ['--reset-damaged-db'] : []), ...(opts.listen ? ['--listen', opts.listen] : [])];
    const r = await this.exec(await this.cliLine(args));
    if (r.code === 0) return;
    if (r.code === 127) this.notInstalled();
    if (/DAEMON_RUNNING|already running/.test(r.stdout + r.stderr)) return;
    const why = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' | ');
    throw new SentinelError('DAEMON_UNAVAILABLE', `starting the daemon on ${this.label} failed (exit ${r.code}): ${why.replace(/^Error: /, '')}`);
  }

  /** Ends the SSH connection (the CLI calls it when a command is done, so the process can exit). */
  close(): void {
    const conn = this.conn;
    this.conn = null;
    if (conn) conn.then((c) => c.end(), () => undefined);
  }
}
