// Step 5b: references between sections — ports, groups, schedules and depends_on name things that
// exist, fixed ports are not shared, no group is named like a process, dependencies have no cycle.
import { graphFromConfig } from './graph.js';
import type { ConfigIssue } from './issues.js';
import { isPlainObject } from './merge.js';
import type { SentinelConfig } from './schema.js';
import { locate, type Path, type SourceMap } from './source-map.js';
import { didYouMean } from './suggest.js';

function checkPorts(config: SentinelConfig, add: (path: Path, message: string) => void): void {
  const ports = config.ports ?? {};
  const used = new Map<number, string>();
  for (const [name, proc] of Object.entries(config.processes ?? {})) {
    let port = proc.port;
    if (typeof port === 'string' && port !== 'auto') {
      if (!(port in ports)) {
        add(['processes', name, 'port'], `no port named "${port}" in "ports"${didYouMean(port, Object.keys(ports))}`);
        continue;
      }
      port = ports[port];
    }
    if (typeof port !== 'number') continue;
    const other = used.get(port);
    if (other) add(['processes', name, 'port'], `port ${port} is already used by process "${other}"; give each process its own port or "auto"`);
    else used.set(port, name);
  }
}

function checkGroups(config: SentinelConfig, add: (path: Path, message: string, at?: 'key') => void): void {
  const processes = config.processes ?? {};
  for (const [group, def] of Object.entries(config.groups ?? {})) {
    if (group in processes) add(['groups', group], `"${group}" is also a process name; a group and a process cannot share a name`, 'key');
    (def.processes ?? []).forEach((member, i) => {
      const proc = processes[member];
      if (!proc) add(['groups', group, 'processes', i], `no process named "${member}"${didYouMean(member, Object.keys(processes))}`);
      else if (proc.group && proc.group !== group) {
        add(['groups', group, 'processes', i], `process "${member}" already belongs to group "${proc.group}" (its "group:" key); a process is in one group`);
      }
    });
  }
  for (const [name, proc] of Object.entries(processes)) {
    if (proc.group && proc.group in processes) add(['processes', name, 'group'], `"${proc.group}" is a process, not a group; pick another group name`);
  }
}

function checkSchedules(config: SentinelConfig, add: (path: Path, message: string) => void): void {
  const processes = Object.keys(config.processes ?? {});
  for (const [name, schedule] of Object.entries(config.schedules ?? {})) {
    if (schedule.process && !processes.includes(schedule.process)) {
      add(['schedules', name, 'process'], `no process named "${schedule.process}"${didYouMean(schedule.process, processes)}`);
    }
  }
}

export function checkReferences(config: SentinelConfig, map: SourceMap): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const add = (path: Path, message: string, at: 'key' | 'value' = 'value'): void => {
    issues.push({ path, message, loc: locate(map, path, at) });
  };
  if (!isPlainObject(config)) return issues;
  checkPorts(config, add);
  checkGroups(config, add);
  checkSchedules(config, add);
  for (const problem of graphFromConfig(config).problems()) add(problem.path, problem.message);
  return issues;
}
