// sentinel dashboard: the web dashboard's address and a short-lived sign-in link. The link's token is a
// real API token (token.create, over the Unix socket) that expires on its own; it travels in the URL's
// fragment, which the browser never sends to the server.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Command } from 'commander';
import { SentinelError } from '../../core/errors.js';
import { parseDuration } from '../../core/duration.js';
import { getClient } from '../common.js';
import { oneOf, badValue } from '../option-values.js';
import { failAndExit, printJson, println } from '../output.js';

const MAX_EXPIRES_MS = 24 * 3600_000;

/** Hands the link to the desktop's browser; says so when there is none (a server, an SSH session). */
function openInBrowser(url: string): Promise<string | null> {
  return new Promise((resolve) => {
    const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
    const child = spawn(opener, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => resolve(`could not start "${opener}" to open a browser; open the link above yourself`));
    child.on('spawn', () => {
      child.unref();
      resolve(null);
    });
  });
}

export function register(program: Command): void {
  program
    .command('dashboard')
    .description('Print the web dashboard\'s address and a sign-in link that works for a short time (needs the TCP listener)')
    .option('--role <role>', 'what the link may do: viewer, operator or admin', oneOf('--role', ['viewer', 'operator', 'admin']), 'operator')
    .option('--expires <duration>', 'how long the link works (at most 24h)', '15m')
    .option('--open', 'open the link in the default browser')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { role: 'viewer' | 'operator' | 'admin'; expires: string; open?: boolean; json?: boolean }) => {
      let expiresMs: number;
      try {
        expiresMs = parseDuration(opts.expires, '--expires');
      } catch (err) {
        badValue('--expires', opts.expires, `a duration like "15m" (${(err as Error).message})`);
      }
      if (expiresMs <= 0 || expiresMs > MAX_EXPIRES_MS) badValue('--expires', opts.expires, 'a duration from 1s to 24h, e.g. "15m"');
      try {
        const c = getClient();
        const status = await c.call('daemon.status');
        if (!status.api) {
          throw new SentinelError('NOT_RUNNING', 'the dashboard is served on the daemon\'s TCP listener, which is off. Turn it on with api: {listen: 127.0.0.1:9797} in ' +
            `${c.paths.home}/sentinel.yaml, then "sentinel daemon restart" (processes keep running); or stop the daemon and start it with "sentinel daemon start --listen 127.0.0.1:9797". Then run "sentinel dashboard" again`);
        }
        const name = `dashboard-${(createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto')).randomBytes(4).toString('hex')}`;
        const created = await c.call('token.create', { name, role: opts.role, expires: `${Math.round(expiresMs / 1000)}s` });
        const base = status.api.url.replace(/\/+$/, '');
        const link = `${base}/#token=${encodeURIComponent(created.value)}`;
        const opened = opts.open ? await openInBrowser(link) : null;
        if (opts.json) {
          printJson({ url: `${base}/`, link, token: created.token, ...(opts.open ? { opened: opened === null } : {}) });
          return;
        }
        println(`Dashboard: ${base}/`);
        println(`Sign-in link (${opts.role}, works until ${new Date(created.token.expiresAt ?? Date.now() + expiresMs).toLocaleTimeString()}):`);
        println(`  ${link}`);
        println(`The token "${name}" expires on its own; revoke it sooner with: sentinel token revoke ${name}`);
        if (opened) process.stderr.write(`Warning: ${opened}\n`);
        const tunnel = c.tunnel;
        if (tunnel) {
          // the listener is the remote host's: reachable from here only if it listens beyond loopback, or through a forward
          const at = new URL(base);
          println(`This address is on ${tunnel.label}. If it listens on loopback there, forward it first: ssh -N -L ${at.port}:${at.hostname}:${at.port} ${tunnel.target.user}@${tunnel.target.host}${tunnel.target.port === 22 ? '' : ` -p ${tunnel.target.port}`}`);
        }
      } catch (err) {
        failAndExit(err, opts.json ?? false);
      }
    });
}
