// What every command shares: a client, --json, and turning failures into a message and an exit code.
import { captureEnv, Client, type ClientOptions } from '../client/client.js';
import { SshTunnel } from '../client/ssh.js';
import { SentinelError } from '../core/errors.js';
import type { Context } from './contexts.js';
import { failAndExit, printJson } from './output.js';

export interface JsonOpt { json?: boolean }

let client: Client | undefined;
let tunnel: SshTunnel | undefined;

export function getClient(): Client {
  client ??= new Client({ onVersionMismatch: warnVersionMismatch, tunnel, blocking: true });
  return client;
}

/** A client with other options (daemon commands), on the same host as every other. */
export function makeClient(opts: Omit<ClientOptions, 'tunnel'>): Client {
  return new Client({ blocking: true, ...opts, tunnel });
}

/** The SSH tunnel when a remote host was chosen (--host, SENTINEL_HOST or the current context). */
export function remoteTunnel(): SshTunnel | undefined {
  return tunnel;
}

export interface TargetOptions { host?: string; context?: string; remoteHome?: string; remoteCommand?: string }

/**
 * Chooses the daemon every command talks to: --host, else --context, else SENTINEL_HOST, else the current context,
 * else the local one. Nothing connects yet: the first call does.
 */
export async function selectTarget(opts: TargetOptions): Promise<void> {
  const nonEmpty = (v: string | undefined) => (v && v.trim() ? v.trim() : undefined);
  const remoteHome = nonEmpty(opts.remoteHome) ?? nonEmpty(process.env.SENTINEL_REMOTE_HOME);
  const remoteCommand = nonEmpty(opts.remoteCommand) ?? nonEmpty(process.env.SENTINEL_REMOTE_COMMAND);
  let host = nonEmpty(opts.host);
  let ctx: Context | undefined;
  if (host && opts.context) throw new SentinelError('INVALID_ARGUMENT', '--host and --context both name a host; give one of them');
  if (!host) {
    const envHost = nonEmpty(process.env.SENTINEL_HOST);
    const { readContexts, contextsFile, LOCAL } = await import('./contexts.js');
    const wanted = opts.context ?? (envHost ? undefined : (await readContexts()).current);
    if (wanted && wanted !== LOCAL) {
      const file = await readContexts();
      ctx = file.contexts[wanted];
      if (!ctx) {
        const known = Object.keys(file.contexts);
        throw new SentinelError('CONTEXT_NOT_FOUND', `no context named "${wanted}" in ${contextsFile()}${known.length ? ` (known: ${known.join(', ')})` : ''}; add it with "sentinel context add ${wanted} --ssh user@host", or switch with "sentinel context use local"`);
      }
      host = ctx.ssh;
    } else if (!wanted) {
      host = envHost;
    }
  }
  if (!host) {
    if (remoteHome || remoteCommand) throw new SentinelError('INVALID_ARGUMENT', '--remote-home and --remote-command are for a remote daemon: add --host user@host (or use a context)');
    return;
  }
  tunnel = new SshTunnel({ host, remoteHome: remoteHome ?? ctx?.remote_home, remoteCommand: remoteCommand ?? ctx?.remote_command });
}

/**
 * The environment and directory `run`, `schedule` and `up` send: the caller's own on this machine; on another
 * host nothing (the local PATH, HOME and working directory mean nothing there: the remote daemon's apply).
 */
export function clientEnv(): Record<string, string> {
  return tunnel ? {} : captureEnv();
}

export function clientCwd(): string | undefined {
  return tunnel ? undefined : process.cwd();
}

/** Ends the SSH connection once a command is done, so the CLI can exit. */
export function closeTransport(): void {
  tunnel?.close();
}

/** The daemon answering was started from another install of Sentinel: say so, and how to switch. */
export function warnVersionMismatch(daemonVersion: string, cliVersion: string): void {
  process.stderr.write(`Warning: the daemon runs Sentinel ${daemonVersion} but this CLI is ${cliVersion} (a daemon started from another install); restart it with "sentinel daemon restart" to run this version\n`);
}

/** Runs a command body; prints JSON when asked, else lets `human` print; maps errors to exit codes. */
export async function act<T>(opts: JsonOpt, body: (c: Client) => Promise<T>, human: (result: T) => void): Promise<void> {
  try {
    const result = await body(getClient());
    if (opts.json) printJson(result);
    else human(result);
  } catch (err) {
    failAndExit(err, opts.json ?? false);
  }
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
