// Schedules: each with its trigger, next runs, last result; run-now and enable/disable for operators;
// a schedule's history (exit codes, durations) opens below it.
import type { Api } from '../api';
import { runAction } from '../controls';
import { fill, h } from '../dom';
import { formatDuration, formatTime, relative } from '../format';
import type { RunRecord, ScheduleView } from '../types';
import type { View } from './view';

function triggerText(t: ScheduleView['trigger']): string {
  if (t.cron) return `cron ${t.cron}${t.tz ? ` (${t.tz})` : ''}`;
  if (t.everyMs !== undefined) return `every ${formatDuration(t.everyMs)}`;
  if (t.at !== undefined) return `once at ${formatTime(t.at)}`;
  return '–';
}

function runExit(r: RunRecord): string {
  if (r.status === 'running') return 'running';
  return r.signal ? `${r.status} (${r.signal})` : `${r.status}${r.exitCode !== null ? ` (exit ${r.exitCode})` : ''}`;
}

export function schedulesView(api: Api): View {
  const body = h('div', { id: 'schedules' }, h('p', { class: 'muted' }, 'Loading…'));
  const el = h('section', { class: 'view', 'aria-labelledby': 'h-schedules' },
    h('div', { class: 'view-head' }, h('h1', { id: 'h-schedules' }, 'Schedules'), h('button', { type: 'button', class: 'btn', onclick: () => void load() }, 'Refresh')),
    body,
  );
  const open = new Set<string>();
  let timer = 0;

  async function details(s: ScheduleView, box: HTMLElement): Promise<void> {
    const [next, hist] = await Promise.all([
      api.call<{ times: number[] }>('schedule.next', { name: s.name, n: 5 }).catch(() => ({ times: [] as number[] })),
      api.call<{ runs: RunRecord[] }>('schedule.history', { name: s.name, limit: 20 }),
    ]);
    fill(box,
      h('p', null, h('strong', null, 'Next runs: '), next.times.length ? next.times.map((t) => formatTime(t)).join(' · ') : 'none'),
      h('div', { class: 'table-wrap' }, h('table', { class: 'small runs' },
        h('thead', null, h('tr', null, ['Started', 'Trigger', 'Result', 'Duration', 'Reason'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', null, hist.runs.length === 0
          ? h('tr', null, h('td', { colspan: 5 }, 'No runs yet.'))
          : hist.runs.map((r) => h('tr', { 'data-status': r.status },
            h('td', { class: 'nowrap' }, formatTime(r.startedAt)), h('td', null, r.attempt > 1 ? `${r.trigger} #${r.attempt}` : r.trigger),
            h('td', null, h('span', { class: `badge run-${r.status}` }, runExit(r))), h('td', null, formatDuration(r.durationMs)), h('td', null, r.reason ?? '')))),
      )),
    );
  }

  function card(s: ScheduleView): HTMLElement {
    const more = h('div', { class: 'sched-more', hidden: !open.has(s.name) });
    const toggle = h('button', { type: 'button', class: 'btn link', 'aria-expanded': String(open.has(s.name)) }, 'History');
    toggle.addEventListener('click', () => {
      const show = more.hidden;
      more.hidden = !show;
      toggle.setAttribute('aria-expanded', String(show));
      if (show) {
        open.add(s.name);
        void details(s, more);
      } else open.delete(s.name);
    });
    if (open.has(s.name)) void details(s, more);
    const actions = h('div', { class: 'controls' }, toggle);
    if (api.allowed('schedule.run-now')) {
      actions.append(h('button', { type: 'button', class: 'btn', onclick: (e: Event) => void runAction(e.currentTarget as HTMLButtonElement, `run ${s.name}`, () => api.call('schedule.run-now', { name: s.name }).then(load)) }, 'Run now'));
    }
    const toggleOp = s.enabled ? 'schedule.disable' : 'schedule.enable';
    if (api.allowed(toggleOp)) {
      actions.append(h('button', { type: 'button', class: 'btn', onclick: (e: Event) => void runAction(e.currentTarget as HTMLButtonElement, `${s.enabled ? 'disable' : 'enable'} ${s.name}`, () => api.call(toggleOp, { name: s.name }).then(load)) }, s.enabled ? 'Disable' : 'Enable'));
    }
    return h('article', { class: 'card sched', 'data-name': s.name },
      h('header', null, h('h2', null, s.name), h('span', { class: `badge ${s.enabled ? 'st-running' : 'st-stopped'}` }, s.enabled ? 'enabled' : 'disabled'), actions),
      h('dl', { class: 'facts' },
        h('dt', null, 'Trigger'), h('dd', null, triggerText(s.trigger)),
        h('dt', null, 'Command'), h('dd', { class: 'mono' }, s.shell ? s.command : [s.command, ...s.args].map((a) => (/[\s"'$]/.test(a) ? JSON.stringify(a) : a)).join(' ')),
        h('dt', null, 'Next run'), h('dd', null, s.nextRunAt ? `${formatTime(s.nextRunAt)} (${relative(s.nextRunAt)})` : '–'),
        h('dt', null, 'Last run'), h('dd', null, s.lastRun ? `${runExit(s.lastRun)}, ${formatTime(s.lastRun.startedAt)}, took ${formatDuration(s.lastRun.durationMs)}` : 'never'),
        h('dt', null, 'Now'), h('dd', null, `${s.running} running, ${s.queued} queued`),
      ),
      more,
    );
  }

  async function load(): Promise<void> {
    window.clearTimeout(timer);
    try {
      const { schedules } = await api.call<{ schedules: ScheduleView[] }>('schedule.list');
      fill(body, schedules.length === 0 ? h('p', { class: 'empty' }, 'No schedules. Add one with: sentinel schedule add NAME --cron "0 3 * * *" -- COMMAND') : schedules.map(card));
    } catch (err) {
      fill(body, h('p', { class: 'notice', role: 'alert' }, err instanceof Error ? err.message : String(err)));
    }
    // schedules change slowly and no operation streams them: refresh now and then while the page is open
    timer = window.setTimeout(() => void load(), 15_000);
  }
  void load();
  return { el, title: 'Schedules', dispose: () => window.clearTimeout(timer) };
}
