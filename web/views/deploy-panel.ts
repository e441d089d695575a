// The deploy section of a process page: the revision its definition runs, its instances with their
// revision and traffic, and the last deploy's progress — from deploy.status, refreshed every 2 s.
import type { Api } from '../api';
import { fill, h, setText } from '../dom';
import { formatTime } from '../format';

interface DeployInstance { name: string; instance: number; state: string; pid: number | null; revision: number; port: number | null; restarts: number; traffic: { weight: number; connections: number; active: number; errors: number; http5xx: number } | null }
interface DeployInfo { id: number; fromRevision: number | null; toRevision: number; strategy: string; state: string; step: number; steps: string[]; reason: string | null; startedAt: number | null }
interface DeployStatus { name: string; revision: number | null; proxyPort: number | null; deploy: DeployInfo | null; instances: DeployInstance[] }

export function deployPanel(api: Api, definition: string): { el: HTMLElement; dispose: () => void } {
  const summary = h('p', { id: 'd-summary' });
  const progress = h('ol', { class: 'small', id: 'd-steps' });
  const rows = h('tbody', { id: 'd-instances' });
  const el = h('section', { class: 'deploys', 'aria-label': 'Deploys' },
    summary, progress,
    h('div', { class: 'table-wrap' }, h('table', { class: 'small' },
      h('thead', null, h('tr', null, ...['Instance', 'Revision', 'State', 'PID', 'Port', 'Weight', 'Connections', 'Errors'].map((t) => h('th', null, t)))), rows)));
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  function show(s: DeployStatus): void {
    const d = s.deploy;
    const served = s.proxyPort ? `, served on port ${s.proxyPort} through the proxy` : '';
    const last = d
      ? ` Deploy ${d.id} (${d.strategy}, revision ${d.fromRevision ?? 'none'} → ${d.toRevision}) ${d.state}${d.startedAt ? ` at ${formatTime(d.startedAt)}` : ''}${d.reason ? `: ${d.reason}` : ''}.`
      : ' Never deployed.';
    setText(summary, `Revision ${s.revision ?? '–'}${served}.${last}`);
    fill(progress, ...(d && d.state === 'running'
      ? d.steps.map((t, i) => h('li', { class: i < d.step ? 'done' : i === d.step ? 'now' : null }, i === d.step ? `${t} (now)` : t))
      : []));
    fill(rows, ...s.instances.map((i) => h('tr', null,
      h('td', null, `${i.name}:${i.instance}`), h('td', null, String(i.revision)), h('td', null, i.state), h('td', null, i.pid === null ? '–' : String(i.pid)),
      h('td', null, i.port === null ? '–' : String(i.port)), h('td', null, i.traffic ? String(Math.round(i.traffic.weight * 100) / 100) : '–'),
      h('td', null, i.traffic ? String(i.traffic.connections) : '–'), h('td', null, i.traffic ? String(i.traffic.errors + i.traffic.http5xx) : '–'))));
  }

  async function refresh(): Promise<void> {
    try {
      show(await api.call<DeployStatus>('deploy.status', { ref: definition }));
    } catch (err) {
      setText(summary, err instanceof Error ? err.message : String(err));
    }
    if (!stopped) timer = setTimeout(() => void refresh(), 2000);
  }
  void refresh();
  return { el, dispose: () => { stopped = true; clearTimeout(timer); } };
}
