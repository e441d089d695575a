// Daemon operations: status, stop, its own log.
import { readFileSync } from 'node:fs';
import type { Daemon, Handlers } from '../context.js';
import { readLastLines } from '../log-port.js';
import { seesProcess } from '../../contracts/roles.js';
import { loadedFaces } from '../loaded-faces.js';

export function daemonOps(d: Daemon, version: string): Handlers<'daemon.status' | 'daemon.stop' | 'daemon.logs'> {
  return {
    'daemon.status'(_p, ctx) {
      // a token limited to some processes counts only those
      const procs = d.supervisor.list().filter((r) => !ctx.principal || seesProcess(ctx.principal, r.name));
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
        api: d.listener,
        loaded: [...loadedFaces],
      };
    },
    'daemon.stop'(p) {
      d.requestShutdown({ keepProcesses: p.keepProcesses ?? false });
      return { pid: process.pid, stopping: true as const };
    },
    'daemon.logs'(p) {
      const n = p.lines ?? 100;
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
