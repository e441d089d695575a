// How a process is shown to clients (CLI, API, dashboard): never its environment (it may hold secrets).
import type * as z from 'zod';
import type { ProcessView as ProcessViewSchema } from '../../contracts/results.js';
import type { ProcessRecord } from '../../store/processes.js';
import type { ProcessSpec } from '../../core/spec.js';
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

/** The parts of a view that only the record's name, instance and spec and the logs directory decide. */
interface Fixed {
  spec: ProcessSpec;
  name: string;
  instance: number;
  logsDir: string;
  display: string;
  command: string;
  port: number | null;
  stdoutLog: string;
  stderrLog: string;
}

/**
 * Kept per record between answers: list made them again for every process on every call (two path joins,
 * the command's quoting, the display name). 1000 views of running `sleep`s, Node 20 with the daemon's flags
 * on a loaded 2-core machine: 4.9 ms (min of 200; median 25) before, 0.27 ms (median 4-6) with them kept;
 * in a profile of the daemon answering list, logFile's joins alone were 2.9 ms a call. Checked against what
 * they were made from on each use, so a new spec (updateSpec gives each instance a new object; specs are never changed in place once a record holds
 * them), another logs directory or a record that took another name or index makes them again. Records that
 * are deleted take their entry with them (a WeakMap).
 */
const fixedParts = new WeakMap<ProcessRecord, Fixed>();

function fixedOf(rec: ProcessRecord, logsDir: string): Fixed {
  const had = fixedParts.get(rec);
  if (had && had.spec === rec.spec && had.name === rec.name && had.instance === rec.instance && had.logsDir === logsDir) return had;
  const key = instanceKey(rec);
  const made: Fixed = {
    spec: rec.spec,
    name: rec.name,
    instance: rec.instance,
    logsDir,
    display: displayName(rec),
    command: displayCommand(rec),
    port: instancePort(rec),
    stdoutLog: logFile(logsDir, key, 'stdout'),
    stderrLog: logFile(logsDir, key, 'stderr'),
  };
  fixedParts.set(rec, made);
  return made;
}

/** `warning`: why a live process's output is being lost right now (a full disk), shown as its reason. */
export function viewProcess(rec: ProcessRecord, usage: Usage | undefined, logsDir: string, now: number, warning: string | null = null): ProcessView {
  const live = rec.state === 'running' || rec.state === 'starting' || rec.state === 'stopping';
  const fixed = fixedOf(rec, logsDir);
  return {
    id: rec.id,
    name: fixed.display,
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
    command: fixed.command,
    cwd: rec.spec.cwd,
    port: fixed.port,
    portMode: rec.spec.portMode,
    scale: rec.spec.scale ? { min: rec.spec.scale.min, max: rec.spec.scale.max } : null,
    health: rec.health,
    reason: live && warning ? warning : rec.reason,
    lastExit: rec.lastExit,
    nextRestartAt: rec.state === 'backoff' ? rec.nextRestartAt : null,
    stdoutLog: fixed.stdoutLog,
    stderrLog: fixed.stderrLog,
    createdAt: rec.createdAt,
    ...(rec.spec.watch ? { watched: true as const } : {}),
  };
}
