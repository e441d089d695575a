// Podman: daemonless, so the foreground `podman run` is the container's parent (through conmon). Where
// the machine's limits or runtimes differ from Podman's defaults (a hard open-files limit below its
// default, crun missing), it gets a containers.conf under SENTINEL_HOME, unless the user has their own.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveExecutable } from '../../core/spawn.js';
import { commonRunArgs, jsonLines, labelMap } from './args.js';
import type { ContainerRuntime, ContainerUsage } from './types.js';

// the administrator's; the distribution's defaults (/usr/share/containers) are not a choice of theirs
const USER_CONFS = ['/etc/containers/containers.conf'];

/** The soft and hard limit of one resource of this process ("Max open files  20000  20000  files"). */
function ownLimit(label: string): [string, string] | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith(label));
    const fields = line?.slice(label.length).trim().split(/\s+/);
    if (!fields || fields[0] === 'unlimited' || fields[1] === 'unlimited') return null;
    return [fields[0], fields[1]];
  } catch {
    return null;
  }
}

/** A containers.conf with what this machine needs, or null when Podman's defaults will do. */
export function machineContainersConf(): string | null {
  const lines: string[] = [];
  // Podman asks for 1048576 open files; a root without CAP_SYS_RESOURCE cannot raise its hard limit
  // that far, and its runc init cannot even set its own process limit again: ask for lower limits only
  const nofile = ownLimit('Max open files');
  if (nofile && Number(nofile[1]) < 1048576) {
    const low = (v: string) => String(Math.min(4096, Number(v)));
    const nproc = ownLimit('Max processes') ?? ['4096', '4096'];
    lines.push('[containers]', `default_ulimits=["nofile=${low(nofile[0])}:${nofile[1]}","nproc=${low(nproc[0])}:${low(nproc[1])}"]`);
  }
  const sys = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  if (!resolveExecutable('crun', sys, '/') && resolveExecutable('runc', sys, '/')) lines.push('[engine]', 'runtime="runc"');
  return lines.length > 0 ? `# written by Sentinel for this machine; used only when no containers.conf of yours exists\n${lines.join('\n')}\n` : null;
}

function hasOwnConf(env: NodeJS.ProcessEnv): boolean {
  if (env.CONTAINERS_CONF) return true;
  const userConf = path.join(env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config'), 'containers/containers.conf');
  return [...USER_CONFS, userConf].some((f) => existsSync(f));
}

export const podman: ContainerRuntime = {
  name: 'podman',
  installHint: 'install it (Debian/Ubuntu: apt-get install podman runc catatonit)',
  run(req, binary) {
    return { command: binary, args: [...commonRunArgs(req), '--replace', req.image, ...req.argv] };
  },
  exec: (name, argv) => ['exec', name, ...argv],
  stop: (name, timeoutSec) => ['stop', '--ignore', '--time', String(timeoutSec), name],
  remove: (refs) => ['rm', '--force', '--ignore', '--time', '0', ...refs],
  list: (label) => ['ps', '--all', '--filter', `label=${label}`, '--format', 'json'],
  parseList(stdout) {
    let rows: Array<Record<string, unknown>>;
    try {
      rows = JSON.parse(stdout || '[]') as Array<Record<string, unknown>>;
    } catch {
      return [];
    }
    return rows.map((r) => ({ id: String(r.Id), name: String((r.Names as string[] | undefined)?.[0] ?? ''), labels: labelMap(r.Labels) }));
  },
  stats: () => ['stats', '--all', '--no-stream', '--no-reset', '--format', '{{json .ContainerStats}}'],
  parseStats(stdout) {
    const out = new Map<string, ContainerUsage>();
    for (const s of jsonLines(stdout)) {
      out.set(String(s.Name), {
        cpuPercent: typeof s.CPU === 'number' ? Math.round(s.CPU * 10) / 10 : null,
        memoryBytes: typeof s.MemUsage === 'number' ? s.MemUsage : null,
        pids: typeof s.PIDs === 'number' ? s.PIDs : 0,
      });
    }
    return out;
  },
  clientEnv(home, env): Record<string, string> {
    if (hasOwnConf(env)) return {};
    const conf = machineContainersConf();
    if (conf === null) return {};
    const file = path.join(home, 'containers.conf');
    let current: string | null = null;
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      /* first use */
    }
    if (current !== conf) {
      mkdirSync(home, { recursive: true });
      writeFileSync(file, conf);
    }
    return { CONTAINERS_CONF: file };
  },
};
