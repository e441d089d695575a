// Host operations: the hosts daemon.yaml lists, and the processes of all of them in one answer.
import { SentinelError } from '../../core/errors.js';
import type { OpResult } from '../../contracts/index.js';
import { LOCAL_HOST } from '../../hosts/settings.js';
import type { HostPool } from '../../hosts/pool.js';
import type { Daemon, Handlers } from '../context.js';

type Answer = OpResult<'hosts.processes'>;

export function hostOps(d: Daemon): Handlers<'hosts.list' | 'hosts.processes' | 'hosts.act'> {
  const hosts = d.settings.hosts;
  let pool: Promise<HostPool> | null = null;
  // the pool (and what it loads) only once a host is asked
  const getPool = () => {
    pool ??= import('../../hosts/pool.js').then(({ HostPool }) => {
      const p = new HostPool();
      d.onShutdown(() => p.close());
      return p;
    });
    return pool;
  };
  return {
    async 'hosts.list'() {
      const { HostPool } = await import('../../hosts/pool.js');
      return {
        hosts: [
          { name: LOCAL_HOST, via: 'local' as const, address: null, timeoutMs: null },
          ...hosts.map((h) => ({ name: h.name, via: h.ssh !== undefined ? ('ssh' as const) : ('tcp' as const), address: HostPool.address(h), timeoutMs: h.timeout })),
        ],
      };
    },
    async 'hosts.processes'() {
      const local = await d.call('list', {});
      const out: Answer = {
        hosts: [LOCAL_HOST, ...hosts.map((h) => h.name)],
        processes: local.processes.map((p) => ({ ...p, host: LOCAL_HOST })),
        errors: [],
      };
      if (hosts.length === 0) return out;
      const p = await getPool();
      const answers = await Promise.allSettled(hosts.map((h) => p.list(h)));
      answers.forEach((a, i) => {
        const host = hosts[i].name;
        if (a.status === 'fulfilled') {
          for (const proc of a.value.processes) out.processes.push({ ...proc, host });
        } else {
          const err = a.reason;
          out.errors.push({ host, code: err instanceof SentinelError ? err.code : 'INTERNAL', error: err instanceof Error ? err.message : String(err) });
        }
      });
      return out;
    },
    async 'hosts.act'({ host, action, ref }) {
      if (host === LOCAL_HOST) return { host, action, process: (await d.call(action, { ref })).process };
      const h = hosts.find((x) => x.name === host);
      if (!h) {
        throw new SentinelError('NOT_FOUND', `no host "${host}"; the hosts are ${[LOCAL_HOST, ...hosts.map((x) => x.name)].join(', ')} (hosts: in daemon.yaml)`);
      }
      return { host, action, process: await (await getPool()).act(h, action, ref) };
    },
  };
}
