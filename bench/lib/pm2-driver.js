// Drives PM2 through its CLI against a God daemon in a throw-away PM2_HOME.
// PM2 is AGPL: it is installed on demand into the git-ignored .bench/ directory, never as a dependency.
import { mkdtempSync, existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from './cli-timing.js';
import { stopDaemonAndClean } from './proc.js';

const PM2_RANGE = 'pm2@7';

function installedVersion(prefix) {
  try {
    return JSON.parse(readFileSync(join(prefix, 'node_modules', 'pm2', 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

// Installs PM2 7 into PREFIX unless it is already there; returns its version or null with the reason.
export function installPm2(prefix) {
  const present = installedVersion(prefix);
  if (present?.startsWith('7.')) return { version: present };
  try {
    execFileSync('npm', ['install', '--prefix', prefix, PM2_RANGE, '--no-audit', '--no-fund', '--loglevel=error'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (error) {
    return { version: null, reason: `npm install ${PM2_RANGE} failed: ${String(error.stderr ?? error.message).trim()}` };
  }
  return { version: installedVersion(prefix) };
}

export function createPm2Driver({ prefix }) {
  const bin = join(prefix, 'node_modules', 'pm2', 'bin', 'pm2');
  let home = null;
  let env = null;

  const command = (...args) => ({ file: process.execPath, args: [bin, ...args], env });
  const jlist = () => JSON.parse(runCommand(command('jlist')).stdout);

  return {
    key: 'pm2',
    label: 'PM2',
    available: () => existsSync(bin),
    problems: [],

    open() {
      home = mkdtempSync(join(tmpdir(), 'sentinel-bench-pm2-'));
      // PM2 stops with SIGINT unless its daemon starts with PM2_KILL_SIGNAL (there is no per-app flag):
      // SIGTERM, Sentinel's default, so both send the same stop signal.
      env = { ...process.env, PM2_HOME: home, PM2_KILL_SIGNAL: 'SIGTERM' };
      runCommand(command('ping'));
    },

    // spec: { name, argv, restart, stopTimeoutMs, bigLogs }; stopSignal is SIGTERM daemon-wide (above); PM2 logs to one unrotated file.
    startCommand(spec) {
      const args = ['start', spec.argv[0], '--name', spec.name];
      // PM2 gives up after 16 restarts that lived less than min_uptime (1 s): lift that for the crash loop.
      if (spec.restart === true) args.push('--max-restarts', '100000');
      if (spec.restart === false) args.push('--no-autorestart');
      if (spec.stopTimeoutMs !== undefined) args.push('--kill-timeout', String(spec.stopTimeoutMs));
      if (spec.argv.length > 1) args.push('--', ...spec.argv.slice(1));
      return command(...args);
    },
    startFileCommand: (file) => command('start', file),
    // any other pm2 command (e.g. `start APP --watch DIR` for bench/watch-idle.mjs)
    exec: (...args) => runCommand(command(...args)),
    listCommand: () => command('ls'),
    listJsonCommand: () => command('jlist'),
    statusCommand: (name) => command('describe', name),
    stopCommand: (name) => command('stop', name),

    listPids: () => jlist().map((p) => p.pid).filter((pid) => Number.isInteger(pid) && pid > 0),
    statusOf(name) {
      const app = jlist().find((p) => p.name === name);
      return app ? { pid: app.pid, status: app.pm2_env.status, restarts: app.pm2_env.restart_time } : null;
    },
    daemonPid: () => Number(readFileSync(join(home, 'pm2.pid'), 'utf8').trim()),
    stdoutLog: (name) => join(home, 'logs', `${name}-out.log`),
    remove(name) {
      runCommand(command('delete', name));
    },

    // `pm2 kill` stops every app and the God daemon; the daemon's PID is checked afterwards.
    // The daemon's PID, or null when it never started (open failed half-way).
    readDaemonPid() {
      try {
        return this.daemonPid();
      } catch {
        return null;
      }
    },

    async close() {
      if (!home) return;
      const dir = home;
      const pid = this.readDaemonPid(); // reads under home: before it is forgotten
      home = null;
      await stopDaemonAndClean({ pid, stop: () => runCommand(command('kill')), what: 'the God daemon', home: dir, problems: this.problems });
    },
  };
}
