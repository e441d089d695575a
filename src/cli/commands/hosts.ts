// sentinel hosts list | ps: the hosts daemon.yaml lists (hosts:), and the processes of all of them.
import type { Command } from 'commander';
import { act } from '../common.js';
import { formatCpu, formatMem, makeTable, statusText } from '../format.js';
import { println } from '../output.js';
import type { OpResult } from '../../contracts/index.js';

function showList(r: OpResult<'hosts.list'>): void {
  if (r.hosts.length <= 1) println('Only this host. List others under "hosts:" in SENTINEL_HOME/daemon.yaml, then restart the daemon.');
  const t = makeTable(['HOST', 'VIA', 'ADDRESS', 'TIMEOUT']);
  for (const h of r.hosts) t.push([h.name, h.via, h.address ?? '-', h.timeoutMs === null ? '-' : `${h.timeoutMs} ms`]);
  println(t.toString());
}

function showProcesses(r: OpResult<'hosts.processes'>): void {
  const t = makeTable(['HOST', 'NAME', 'PID', 'STATUS', 'CPU', 'MEM', 'RESTARTS'], { alignRight: [2, 4, 5, 6] });
  for (const p of r.processes) t.push([p.host, p.name, p.pid ?? '-', statusText(p), formatCpu(p.cpu), formatMem(p.memory), p.restarts]);
  println(t.toString());
  for (const e of r.errors) println(`${e.host}: unreachable: ${e.error}`);
}

export function register(program: Command): void {
  const hosts = program.command('hosts').description('The other hosts daemon.yaml lists (hosts:) and their processes, next to this one\'s');
  hosts.command('list').description('This host and the listed hosts: how each is reached (never a token)').option('--json', 'print the result as JSON')
    .action(async (opts) => act(opts, (c) => c.call('hosts.list'), showList));
  hosts.command('ps').description('The processes of this host and of every listed host, with their host; unreachable hosts say why')
    .option('--json', 'print the result as JSON')
    .action(async (opts) => act(opts, (c) => c.call('hosts.processes', {}, { minTimeoutMs: 0 }), showProcesses));
}
