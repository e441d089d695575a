// Other hosts on the overview: when the daemon lists hosts (daemon.yaml `hosts:`), their processes come from
// `hosts.processes`, polled; this host's rows keep coming live from processes.watch. Without hosts nothing runs.
import type { Api } from './api';
import type { ProcessView } from './types';

export interface HostRow extends ProcessView { host: string }
export interface HostsSnapshot { hosts: string[]; rows: HostRow[]; errors: Array<{ host: string; error: string }> }

const POLL_MS = 2000;

/** Starts polling when the daemon has other hosts; returns the stop function (a no-op without hosts). */
export async function watchHosts(api: Api, onSnapshot: (s: HostsSnapshot) => void): Promise<() => void> {
  if (!api.has('hosts.list') || !api.allowed('hosts.processes')) return () => undefined;
  const list = await api.call<{ hosts: Array<{ name: string }> }>('hosts.list').catch(() => null);
  if (!list || list.hosts.length <= 1) return () => undefined;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const poll = async () => {
    try {
      const r = await api.call<{ hosts: string[]; processes: HostRow[]; errors: Array<{ host: string; error: string }> }>('hosts.processes');
      // this host's rows come from the live stream
      if (!stopped) onSnapshot({ hosts: r.hosts, rows: r.processes.filter((p) => p.host !== 'local'), errors: r.errors });
    } catch (err) {
      if (!stopped) onSnapshot({ hosts: list.hosts.map((h) => h.name), rows: [], errors: [{ host: '(all)', error: (err as Error).message }] });
    }
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  };
  void poll();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
