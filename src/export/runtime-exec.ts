// How a container or Nix process starts outside Sentinel (an exported unit): the runtime's client in
// the foreground, stopped and removed through the runtime by a fixed name, or the command inside
// `nix-shell --run`. Null for a process that runs directly on this machine.
import { resolveExecutable } from '../core/spawn.js';
import type { ProcessSpec } from '../core/spec.js';
import { RUNTIMES } from '../isolation/runtime/index.js';

export interface RuntimeExec {
  start: string[];
  stop: string[][];
  stopPost: string[][];
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const which = (name: string) => resolveExecutable(name, process.env.PATH ?? '/usr/bin:/bin', '/') ?? `/usr/bin/${name}`;

export function runtimeExec(spec: ProcessSpec): RuntimeExec | null {
  const argv = spec.command === '' ? [] : spec.shell ? ['/bin/sh', '-c', spec.command] : [spec.command, ...spec.args];
  if (spec.container) {
    const c = spec.container;
    const rt = RUNTIMES[c.runtime];
    const bin = which(rt.name);
    const name = `sentinel-${spec.name}`;
    const seconds = Math.ceil(spec.stopTimeoutMs / 1000);
    const envKeys = [...Object.keys(spec.env).filter((k) => !k.startsWith('SENTINEL_')), ...(spec.port !== null ? ['PORT'] : [])];
    const { command, args } = rt.run(
      { name, image: c.image, argv, envKeys, ports: c.ports, volumes: c.volumes, user: c.user, labels: {}, stopSignal: spec.stopSignal, stopTimeoutSec: seconds },
      bin,
    );
    return { start: [command, ...args], stop: [[bin, ...rt.stop(name, seconds)]], stopPost: [[bin, ...rt.remove([name])]] };
  }
  if (spec.nix) {
    const run = `exec ${argv.map(quote).join(' ')}`;
    const from = spec.nix.file !== null ? [spec.nix.file] : ['-p', ...spec.nix.packages];
    return { start: [which('nix-shell'), ...from, '--run', run], stop: [], stopPost: [] };
  }
  return null;
}
