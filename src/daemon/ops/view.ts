// How a process is shown to clients (CLI, API, dashboard): never its environment (it may hold secrets).
import type * as z from 'zod';
import type { ProcessView as ProcessViewSchema } from '../../contracts/results.js';
import type { ProcessRecord } from '../../store/processes.js';
import type { Usage } from '../metrics.js';
import { logFile } from '../log-port.js';
import { displayName, instanceKey, instancePort } from '../../core/instances.js';

/** Declared by its contract (src/contracts/results.ts); what every process answer shows. */
export type ProcessView = z.input<ReturnType<typeof ProcessViewSchema>>;

export function displayCommand(rec: ProcessRecord): string {
  const command = rec.spec.shell ? rec.spec.command : [rec.spec.command, ...rec.spec.args].map((a) => (/[\s"'$]/.test(a) ? JSON.stringify(a) : a)).join(' ');
  // a container shows its image (and its command, when it has one of its own)
  const c = rec.spec.container;
  return c ? `[${c.image}]${rec.spec.command === '' ? '' : ` ${command}`}` : command;
}

/** `warning`: why a live process's output is being lost right now (a full disk), shown as its reason. */
export function viewProcess(rec: ProcessRecord, usage: Usage | undefined, logsDir: string, now: number, warning: string | null = null): ProcessView {
  const live = rec.state === 'running' || rec.state === 'starting' || rec.state === 'stopping';
  return {
    id: rec.id,
    name: displayName(rec),
    definition: rec.name,
    instance: rec.instance,
    instances: rec.spec.instances,
    pid: live ? rec.pid : null,
    status: rec.state,
    cpu: live ? usage?.cpuPercent ?? null : null,
    memory: live ? usage?.memoryBytes ?? null : null,
    uptimeMs: live && rec.startedAt ? now - rec.startedAt : null,
    restarts: rec.restarts,
    restart: rec.spec.restart.mode,
    group: rec.spec.group,
    command: displayCommand(rec),
    cwd: rec.spec.cwd,
    port: instancePort(rec),
    portMode: rec.spec.portMode,
    scale: rec.spec.scale ? { min: rec.spec.scale.min, max: rec.spec.scale.max } : null,
    health: rec.health,
    reason: live && warning ? warning : rec.reason,
    lastExit: rec.lastExit,
    nextRestartAt: rec.state === 'backoff' ? rec.nextRestartAt : null,
    stdoutLog: logFile(logsDir, instanceKey(rec), 'stdout'),
    stderrLog: logFile(logsDir, instanceKey(rec), 'stderr'),
    createdAt: rec.createdAt,
    ...(rec.spec.watch ? { watched: true as const } : {}),
  };
}
