// Docker: the engine is the containers' parent, the foreground `docker run` only its attached client.
// It has no --replace: a container of the same name left by an earlier run is removed first, in the
// same child (`sh -c 'docker rm -f NAME; exec docker run ...'`), so the recorded pid ends as the client.
import { commonRunArgs, jsonLines, labelMap, parseHumanBytes } from './args.js';
import type { ContainerRuntime, ContainerUsage } from './types.js';

const REPLACE = '"$0" rm --force "$1" >/dev/null 2>&1; shift; exec "$0" "$@"';

export const docker: ContainerRuntime = {
  name: 'docker',
  installHint: 'install Docker Engine and make sure its daemon runs (docker info)',
  run(req, binary) {
    return { command: '/bin/sh', args: ['-c', REPLACE, binary, req.name, ...commonRunArgs(req), req.image, ...req.argv] };
  },
  exec: (name, argv) => ['exec', name, ...argv],
  stop: (name, timeoutSec) => ['stop', '--time', String(timeoutSec), name],
  remove: (refs) => ['rm', '--force', ...refs],
  list: (label) => ['ps', '--all', '--no-trunc', '--filter', `label=${label}`, '--format', '{{json .}}'],
  parseList: (stdout) => jsonLines(stdout).map((r) => ({ id: String(r.ID), name: String(r.Names ?? ''), labels: labelMap(r.Labels) })),
  stats: () => ['stats', '--no-stream', '--format', '{{json .}}'],
  parseStats(stdout) {
    const out = new Map<string, ContainerUsage>();
    for (const s of jsonLines(stdout)) {
      const cpu = Number(String(s.CPUPerc ?? '').replace('%', ''));
      out.set(String(s.Name), {
        cpuPercent: Number.isFinite(cpu) && String(s.CPUPerc ?? '') !== '' ? cpu : null,
        memoryBytes: parseHumanBytes(String(s.MemUsage ?? '').split('/')[0]),
        pids: Number(s.PIDs) || 0,
      });
    }
    return out;
  },
  clientEnv: () => ({}),
};
