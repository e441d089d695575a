// One polite live region for outcomes of actions: screen readers hear them, sighted users see them briefly.
import { h } from './dom';

let region: HTMLElement | null = null;

export function toast(text: string, error = false): void {
  region ??= document.getElementById('toasts');
  if (!region) return;
  const el = h('div', { class: `toast${error ? ' error' : ''}`, role: error ? 'alert' : 'status' }, text);
  region.append(el);
  setTimeout(() => el.remove(), error ? 8000 : 3000);
}
