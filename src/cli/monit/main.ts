// `sentinel monit`: picks the client (the local socket, or --url/--token over the TCP API), checks it has a
// terminal, runs the monitor and exits with its code. Loaded only by the monit command.
import { RemoteClient } from '../../client/remote.js';
import { SentinelError } from '../../core/errors.js';
import { getClient, makeClient } from '../common.js';
import { failAndExit } from '../output.js';
import { runMonit } from './app.js';

export interface MonitCliOptions { url?: string; token?: string; color?: boolean; hosts?: boolean; hostFilter?: string }

const nonEmpty = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);

/** NO_COLOR (any non-empty value), TERM=dumb or --no-color turn colors off. */
export function colorWanted(opts: MonitCliOptions, env: NodeJS.ProcessEnv = process.env): boolean {
  return opts.color !== false && !nonEmpty(env.NO_COLOR) && env.TERM !== 'dumb';
}

export async function startMonit(opts: MonitCliOptions): Promise<void> {
  try {
    const url = nonEmpty(opts.url) ?? nonEmpty(process.env.SENTINEL_URL);
    const token = nonEmpty(opts.token) ?? nonEmpty(process.env.SENTINEL_TOKEN);
    if (opts.token !== undefined && !url) {
      throw new SentinelError('INVALID_ARGUMENT', '--token is for a remote daemon: add --url http(s)://HOST:PORT (or set SENTINEL_URL)');
    }
    let client;
    let source: string;
    // a bad --url or token is reported before anything else
    const remote = url ? new RemoteClient({ url, token, clientName: 'monit', requestTimeoutMs: 30_000 }) : null;
    if (!process.stdout.isTTY || !process.stdin.isTTY) {
      throw new SentinelError('INVALID_ARGUMENT', 'sentinel monit needs a terminal (stdin and stdout are not both a TTY); for scripts use "sentinel list --json"');
    }
    if (remote) {
      client = remote;
      source = remote.url.origin;
    } else {
      // starts the daemon if needed, as every command does; the monitor itself never starts one behind your back
      await getClient().call('daemon.status');
      const local = makeClient({ autostart: false, clientName: 'monit', requestTimeoutMs: 30_000 });
      client = local;
      source = local.tunnel ? `ssh ${local.tunnel.label}` : `local ${local.paths.home}`;
    }
    const end = await runMonit({ client, source, local: !url, color: colorWanted(opts), input: process.stdin, output: process.stdout, hosts: opts.hosts, hostFilter: opts.hostFilter });
    if (end.error) process.stderr.write(`Error: ${end.error}\n`);
    process.exit(end.code);
  } catch (err) {
    failAndExit(err, false);
  }
}
