// Notification channels (webhooks, email): listed for everyone; an admin may send a test or remove one.
import type { Api } from '../api';
import { runAction } from '../controls';
import { fill, h } from '../dom';
import type { Channels } from '../types';
import type { View } from './view';

export function notificationsView(api: Api): View {
  const body = h('div', { id: 'notifications' }, h('p', { class: 'muted' }, 'Loading…'));
  const tools = h('div', { class: 'controls' });
  const el = h('section', { class: 'view', 'aria-labelledby': 'h-notify' },
    h('div', { class: 'view-head' }, h('h1', { id: 'h-notify' }, 'Notifications'), tools), body);

  if (api.allowed('notify.test')) {
    tools.append(h('button', { type: 'button', class: 'btn', onclick: (e: Event) => void runAction(e.currentTarget as HTMLButtonElement, 'test message', async () => {
      const r = await api.call<{ results: Array<{ target: string; ok: boolean; error?: string }> }>('notify.test');
      const failed = r.results.filter((x) => !x.ok);
      if (failed.length) throw new Error(failed.map((x) => `${x.target}: ${x.error ?? 'failed'}`).join('; '));
    }) }, 'Send a test'));
  }

  const events = (e: string[] | null) => (e ? e.join(', ') : 'all events');
  const remove = (index: number) =>
    api.allowed('notify.remove')
      ? h('button', { type: 'button', class: 'btn danger', onclick: (e: Event) => {
        if (!confirm(`Remove channel ${index}?`)) return;
        void runAction(e.currentTarget as HTMLButtonElement, `remove channel ${index}`, () => api.call('notify.remove', { index }).then(load));
      } }, 'Remove')
      : null;

  async function load(): Promise<void> {
    if (!api.allowed('notify.list')) {
      fill(body, h('p', { class: 'empty', id: 'notify-role' }, `The notification channels are shown to admin tokens only (their addresses can carry secrets); this token is ${api.me.role}.`));
      return;
    }
    try {
      const c = await api.call<Channels>('notify.list');
      const rows = [
        ...c.webhooks.map((w) => h('tr', null, h('td', null, String(w.index)), h('td', null, 'webhook'), h('td', { class: 'mono wrap' }, w.url), h('td', null, `${events(w.events)}${w.signed ? ' · signed' : ''}`), h('td', null, remove(w.index)))),
        ...c.emails.map((m) => h('tr', null, h('td', null, String(m.index)), h('td', null, 'email'), h('td', { class: 'wrap' }, `${Array.isArray(m.to) ? m.to.join(', ') : m.to} via ${m.host}${m.port ? `:${m.port}` : ''}`), h('td', null, events(m.events)), h('td', null, remove(m.index)))),
      ];
      fill(body, rows.length === 0
        ? h('p', { class: 'empty' }, 'No notification channels. Add one with: sentinel notify add-webhook URL')
        : h('div', { class: 'table-wrap' }, h('table', { class: 'small' },
          h('thead', null, h('tr', null, ['#', 'Kind', 'Target', 'Events', ''].map((t) => h('th', { scope: 'col' }, t)))), h('tbody', null, rows))));
    } catch (err) {
      fill(body, h('p', { class: 'notice', role: 'alert' }, err instanceof Error ? err.message : String(err)));
    }
  }
  void load();
  return { el, title: 'Notifications', dispose: () => undefined };
}
