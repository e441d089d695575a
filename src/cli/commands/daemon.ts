// sentinel daemon start|stop|restart|status|logs.
import { wholeNumber } from '../option-values.js';
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { SentinelError } from '../../core/errors.js';
import { formatDuration, parseDuration } from '../../core/duration.js';
import { formatLogLine } from '../../daemon/logger.js';
import type { Client } from '../../client/client.js';
import { failAndExit, printJson, println } from '../output.js';
import { act, makeClient, remoteTunnel, warnVersionMismatch } from '../common.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Asks the daemon to stop (it stops its processes, remembering which ran) and waits until it is gone. */
async function stopDaemon(c: Client, timeout: string, keepProcesses = false): Promise<number> {
  if (!(await c.ping())) throw new SentinelError('DAEMON_UNAVAILABLE', `no daemon is running for ${c.paths.home}`);
  const { pid } = await c.call('daemon.stop', { keepProcesses }).catch((err: SentinelError) => {
    // a daemon from a release without keepProcesses: it stops its processes, the new one starts them again
    if (keepProcesses && err.code === 'INVALID_ARGUMENT') return c.call('daemon.stop');
    throw err;
  });
  const timeoutMs = parseDuration(timeout, '--timeout');
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  if (isAlive(pid)) {
    throw new SentinelError('TIMEOUT', `the daemon (pid ${pid}) is still stopping its processes after ${timeout}; it goes on in the background ("sentinel daemon status" tells when it is done), or wait longer with --timeout`);
  }
  return pid;
}

function readPid(c: Client): string {
  try {
    return readFileSync(c.paths.pidFile, 'utf8').trim();
  } catch {
    return '?';
  }
}

/**
 * On a remote host, start, stop, restart and logs act on that machine itself (its processes, its files): the
 * remote sentinel runs them, over an SSH exec channel, with the same arguments and output.
 */
async function runRemotely(json: boolean | undefined): Promise<boolean> {
  const tunnel = remoteTunnel();
  if (!tunnel) return false;
  try {
    process.exitCode = await tunnel.runRemoteCli(process.argv.slice(process.argv.indexOf('daemon')));
  } catch (err) {
    failAndExit(err, json ?? false);
  }
  return true;
}

export function register(program: Command): void {
  const daemon = program.command('daemon').description('Manage the Sentinel daemon that owns the processes');

  daemon
    .command('start')
    .description('Start the daemon (commands also start it on first use)')
    .option('--reset-damaged-db', 'if state.db is damaged, move it aside (state.db.damaged-<time>) and start with an empty state')
    .option('--listen <host:port>', 'also serve the API (tokens required) on this TCP address, e.g. 127.0.0.1:9797; overrides api.listen of SENTINEL_HOME/daemon.yaml')
    .option('--json', 'print the result as JSON')
    .action(async (opts) => {
      if (await runRemotely(opts.json)) return;
      const c = makeClient({ autostart: false });
      try {
        if (await c.ping()) {
          throw new SentinelError('DAEMON_RUNNING', `a daemon is already running (pid ${readPid(c)}) for ${c.paths.home}; stop it with "sentinel daemon stop"`);
        }
        await c.startDaemon({ resetDamagedDb: opts.resetDamagedDb === true, listen: opts.listen });
        const st = await c.call('daemon.status');
        if (opts.json) printJson(st);
        else println(`Started daemon (pid: ${st.pid})`);
      } catch (err) {
        failAndExit(err, opts.json ?? false);
      }
    });

  daemon
    .command('stop')
    .description('Stop every process gracefully (remembering which ran) and stop the daemon')
    .option('-t, --timeout <duration>', 'how long to wait for the daemon to finish', '60s')
    .option('--json', 'print the result as JSON')
    .action(async (opts) => {
      if (await runRemotely(opts.json)) return;
      const c = makeClient({ autostart: false });
      try {
        const pid = await stopDaemon(c, opts.timeout);
        if (opts.json) printJson({ stopped: true, pid });
        else println(`Stopped daemon (pid: ${pid})`);
      } catch (err) {
        failAndExit(err, opts.json ?? false);
      }
    });

  daemon
    .command('restart')
    .description('Restart the daemon from this install (after an upgrade); every process keeps running and is re-adopted')
    .option('-t, --timeout <duration>', 'how long to wait for the daemon to stop', '60s')
    .option('--json', 'print the result as JSON')
    .action(async (opts) => {
      if (await runRemotely(opts.json)) return;
      const c = makeClient({ autostart: false });
      try {
        const before = await c.call('daemon.status');
        await stopDaemon(c, opts.timeout, true);
        await c.startDaemon();
        const after = await c.call('daemon.status');
        if (opts.json) printJson({ restarted: true, previous: { pid: before.pid, version: before.version }, pid: after.pid, version: after.version });
        else println(`Restarted daemon (pid: ${before.pid} -> ${after.pid}, version ${before.version === after.version ? after.version : `${before.version} -> ${after.version}`}); every process kept running and was re-adopted`);
      } catch (err) {
        failAndExit(err, opts.json ?? false);
      }
    });

  daemon
    .command('status')
    .description('Is the daemon running?')
    .option('--json', 'print the result as JSON')
    .action(async (opts) => {
      const c = makeClient({ autostart: false, onVersionMismatch: warnVersionMismatch });
      let running = false;
      let home = c.paths.home;
      try {
        running = await c.ping();
        if (c.tunnel) home = await c.tunnel.remoteHome();
      } catch (err) {
        failAndExit(err, opts.json ?? false);
      }
      if (!running) {
        if (opts.json) printJson({ running: false, home, ...(c.tunnel ? { host: c.tunnel.label } : {}) });
        else println(c.tunnel ? `Daemon is not running on ${c.tunnel.label} (${home})` : 'Daemon is not running');
        process.exitCode = 1;
        return;
      }
      await act(opts, () => c.call('daemon.status'), (s) =>
        println(`Daemon is running (pid: ${s.pid}, uptime ${formatDuration(s.uptimeMs as number)}, ${s.processes} processes, ${s.running} running)` +
          (s.api ? `\nTCP API: ${s.api.url}` : '')));
    });

  daemon
    .command('logs')
    .description("Print the daemon's own log in a readable form")
    .option('-n, --lines <n>', 'number of lines', wholeNumber('--lines', 1, 1_000_000, 100), 100)
    .option('--json', 'print the raw JSON lines')
    .action(async (opts) => {
      if (await runRemotely(opts.json)) return;
      const c = makeClient({ autostart: false });
      let lines: string[] = [];
      try {
        lines = readFileSync(c.paths.daemonLog, 'utf8').split('\n').filter(Boolean).slice(-opts.lines);
      } catch {
        println(`No daemon log at ${c.paths.daemonLog}`);
        return;
      }
      const color = process.stdout.isTTY === true;
      for (const l of lines) println(opts.json ? l : formatLogLine(l, color));
    });
}
