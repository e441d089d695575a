// Drives Sentinel through its CLI against a daemon in a throw-away SENTINEL_HOME.
import { mkdtempSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from './cli-timing.js';
import { stopDaemonAndClean } from './proc.js';

export function createSentinelDriver({ repo }) {
  const bin = join(repo, 'bin', 'sentinel.js');
  let home = null;
  let env = null;

  const command = (...args) => ({ file: process.execPath, args: [bin, ...args], env });

  return {
    key: 'sentinel',
    label: 'Sentinel',
    available: () => existsSync(join(repo, 'dist', 'cli', 'main.js')),
    // Misbehaviour seen while benchmarking, reported with the results.
    problems: [],

    // A fresh home and daemon, so every phase starts from nothing.
    open() {
      home = mkdtempSync(join(tmpdir(), 'sentinel-bench-home-'));
      env = { ...process.env, SENTINEL_HOME: home };
      runCommand(command('daemon', 'start'));
    },

    // spec: { name, argv, restart, stopSignal, stopTimeoutMs, bigLogs }
    startCommand(spec) {
      const args = ['run', '--name', spec.name, '--no-wait'];
      // the benchmark measures the no-delay restart path: say so, since the default now backs off and gives up
      if (spec.restart) args.push('--restart', '--restart-delay', '0', '--max-restarts', '0');
      if (spec.stopSignal) args.push('--stop-signal', spec.stopSignal);
      if (spec.stopTimeoutMs !== undefined) args.push('--stop-timeout', `${spec.stopTimeoutMs}ms`);
      // Rotation is on by default (10M); one big file keeps the 200 MB figure comparable with PM2.
      if (spec.bigLogs) args.push('--log-max-size', '1G');
      return command(...args, '--', ...spec.argv);
    },
    upCommand: (file) => command('up', '-f', file),
    listCommand: () => command('list'),
    listJsonCommand: () => command('list', '--json'),
    statusCommand: (name) => command('status', name),
    stopCommand: (name) => command('stop', name),

    listPids() {
      const out = JSON.parse(runCommand(command('list', '--json')).stdout);
      return out.processes.map((p) => p.pid).filter((pid) => Number.isInteger(pid));
    },
    statusOf(name) {
      const out = JSON.parse(runCommand(command('status', name, '--json')).stdout);
      return { pid: out.process.pid, status: out.process.status, restarts: out.process.restarts };
    },
    daemonPid() {
      return JSON.parse(runCommand(command('daemon', 'status', '--json')).stdout).pid;
    },
    stdoutLog: (name) => join(home, 'logs', `${name}.stdout.log`),
    remove(name) {
      runCommand(command('delete', name, '--purge'));
    },

    // Stops the daemon (and with it every process it owns) and removes the home.
    // The daemon's PID, or null when it never started (open failed half-way).
    readDaemonPid() {
      try {
        return this.daemonPid();
      } catch {
        // the CLI can fail under load (its round trip timed out): the daemon's own pid file still names it,
        // and a daemon left running would otherwise outlive the bench with all its processes
        try {
          const pid = Number(readFileSync(join(home, 'daemon.pid'), 'utf8').trim());
          return Number.isInteger(pid) && pid > 0 ? pid : null;
        } catch {
          return null;
        }
      }
    },

    async close() {
      if (!home) return;
      const dir = home;
      const pid = this.readDaemonPid(); // reads under home: before it is forgotten
      home = null;
      await stopDaemonAndClean({ pid, stop: () => runCommand(command('daemon', 'stop')), what: 'the daemon', home: dir, problems: this.problems });
    },
  };
}
