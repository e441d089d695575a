// The buttons that act on a process: shown only when the token's role may call the operation.
import type { Api } from './api';
import { h } from './dom';
import { toast } from './toast';
import type { ProcessView } from './types';

const LIVE = new Set(['running', 'starting', 'stopping', 'backoff']);

/** Runs an action with its button disabled, reporting the outcome in the toast area. */
export async function runAction(button: HTMLButtonElement | null, what: string, action: () => Promise<unknown>): Promise<void> {
  if (button) button.disabled = true;
  try {
    await action();
    toast(`${what}: done`);
  } catch (err) {
    toast(`${what}: ${err instanceof Error ? err.message : String(err)}`, true);
  } finally {
    if (button) button.disabled = false;
  }
}

function button(label: string, title: string, onClick: (b: HTMLButtonElement) => void, cls = ''): HTMLButtonElement {
  const b = h('button', { type: 'button', class: `btn ${cls}`, title, 'data-action': label.toLowerCase() }, label);
  b.addEventListener('click', () => onClick(b));
  return b;
}

/** Start/stop/restart/delete (and scale where the daemon offers it) for one process; empty for a viewer. */
export function processControls(api: Api, p: ProcessView, opts: { onDeleted?: () => void } = {}): HTMLElement {
  const box = h('div', { class: 'controls', role: 'group', 'aria-label': `Actions for ${p.name}` });
  const live = LIVE.has(p.status);
  if (api.allowed('start') && !live) {
    box.append(button('Start', `Start ${p.name}`, (b) => void runAction(b, `start ${p.name}`, () => api.call('start', { ref: p.name, noWait: true }))));
  }
  if (api.allowed('stop') && live) {
    box.append(button('Stop', `Stop ${p.name}`, (b) => void runAction(b, `stop ${p.name}`, () => api.call('stop', { ref: p.name }))));
  }
  if (api.allowed('restart')) {
    box.append(button('Restart', `Restart ${p.name}`, (b) => void runAction(b, `restart ${p.name}`, () => api.call('restart', { ref: p.name, noWait: true }))));
  }
  const scaleOp = api.ops.get('scale');
  if (scaleOp && api.allowed('scale') && scaleOp.bodyKeys.includes('instances')) {
    box.append(button('Scale', `Change how many instances ${p.definition} runs`, (b) => {
      const answer = prompt(`Instances of ${p.definition}:`, String(p.instances));
      if (answer === null) return;
      void runAction(b, `scale ${p.definition}`, () => api.call('scale', { ref: p.definition, instances: Number(answer) }));
    }));
  }
  if (api.allowed('delete')) {
    box.append(button('Delete', `Stop and forget ${p.definition}`, (b) => {
      if (!confirm(`Stop and delete ${p.definition}${p.instances > 1 ? ` (all ${p.instances} instances)` : ''}?`)) return;
      void runAction(b, `delete ${p.definition}`, async () => {
        await api.call('delete', { ref: p.definition });
        opts.onDeleted?.();
      });
    }, 'danger'));
  }
  return box;
}

/** A key that changes only when the set of buttons would: rows rebuild their controls only then. */
export function controlsKey(p: ProcessView): string {
  return `${LIVE.has(p.status)}:${p.instances}`;
}

/** Start/stop/restart for a process of another host (hosts.act); empty when the token may not act. */
export function remoteControls(api: Api, p: ProcessView, host: string): HTMLElement {
  const box = h('div', { class: 'controls', role: 'group', 'aria-label': `Actions for ${p.name} on ${host}` });
  if (!api.allowed('hosts.act')) {
    box.append(h('span', { class: 'muted' }, 'read-only'));
    return box;
  }
  const act = (action: 'start' | 'stop' | 'restart', label: string) =>
    button(label, `${label} ${p.name} on ${host}`, (b) => void runAction(b, `${action} ${p.name} on ${host}`, () => api.call('hosts.act', { host, action, ref: p.name })));
  if (LIVE.has(p.status)) box.append(act('stop', 'Stop'));
  else box.append(act('start', 'Start'));
  box.append(act('restart', 'Restart'));
  return box;
}
