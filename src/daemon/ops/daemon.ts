// Daemon operations: status, stop, its own log.
import { readFileSync } from 'node:fs';
import type { Daemon, Operation } from '../context.js';
import { optNumber } from '../params.js';
import { readLastLines } from '../log-port.js';

export function daemonOps(d: Daemon, version: string): Record<string, Operation> {
  return {
    'daemon.status'() {
      const procs = d.supervisor.list();
      return {
        pid: process.pid,
        version,
        home: d.paths.home,
        socket: d.paths.socket,
        startedAt: d.startedAt,
        uptimeMs: Date.now() - d.startedAt,
        rssBytes: process.memoryUsage().rss,
        processes: procs.length,
        running: procs.filter((r) => r.state === 'running').length,
      };
    },
    'daemon.stop'() {
      d.requestShutdown();
      return { pid: process.pid, stopping: true };
    },
    'daemon.logs'(p) {
      const n = optNumber(p, 'lines') ?? 100;
      let lines: string[];
      try {
        lines = n > 2000 ? readFileSync(d.paths.daemonLog, 'utf8').split('\n').filter(Boolean).slice(-n) : readLastLines(d.paths.daemonLog, n);
      } catch {
        lines = [];
      }
      return { lines };
    },
  };
}
