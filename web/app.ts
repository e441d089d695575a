// The dashboard's entry: takes a token (login form, or #token=... from `sentinel dashboard`'s link,
// removed from the address bar at once), then shows the pages under a header, routed by the hash.
import { Api, ApiError } from './api';
import { fill, h, setText } from './dom';
import { Live } from './live';
import { notificationsView } from './views/notifications';
import { overviewView } from './views/overview';
import { processView } from './views/process';
import { schedulesView } from './views/schedules';
import { stacksView } from './views/stacks';
import type { View } from './views/view';

const TOKEN_KEY = 'sentinel.token';
const root = document.getElementById('app')!;

/** A token handed over in the fragment (never sent to the server) is kept for this tab and wiped from the URL. */
function takeTokenFromFragment(): void {
  const m = /^#token=([^&]+)/.exec(location.hash);
  if (!m) return;
  sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
  history.replaceState(null, '', `${location.pathname}${location.search}#/`);
}

function showLogin(message = ''): void {
  document.title = 'Sentinel · sign in';
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
  const error = h('p', { class: 'notice', id: 'login-error', role: 'alert', hidden: !message }, message);
  const form = h('form', { class: 'login card', id: 'login-form' },
    h('h1', null, 'Sentinel'),
    h('label', { for: 'token' }, 'Access token'),
    input,
    error,
    h('button', { type: 'submit', class: 'btn primary' }, 'Sign in'),
    h('p', { class: 'muted' }, 'Run ', h('code', null, 'sentinel dashboard'), ' for a sign-in link, or create a token with ', h('code', null, 'sentinel token create NAME --role viewer'), '.'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const token = input.value.trim();
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    void start();
  });
  fill(root, h('main', { class: 'login-page', id: 'main' }, form));
  input.focus();
}

async function start(): Promise<void> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return showLogin();
  const api = new Api(token);
  fill(root, h('p', { class: 'muted center' }, 'Connecting…'));
  try {
    await api.connect();
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
      sessionStorage.removeItem(TOKEN_KEY);
      return showLogin(`The token was refused: ${err.message}`);
    }
    const retry = h('button', { type: 'button', class: 'btn', onclick: () => void start() }, 'Try again');
    fill(root, h('main', { class: 'login-page', id: 'main' }, h('div', { class: 'card' }, h('h1', null, 'Cannot reach the daemon'), h('p', { role: 'alert' }, err instanceof Error ? err.message : String(err)), retry)));
    return;
  }
  runApp(api);
}

function runApp(api: Api): void {
  const live = new Live(api);
  let view: View | null = null;
  const signOut = () => {
    live.stop();
    view?.dispose();
    sessionStorage.removeItem(TOKEN_KEY);
    window.removeEventListener('hashchange', route);
    showLogin();
  };
  api.onUnauthorized = (message) => {
    live.stop();
    view?.dispose();
    view = null;
    sessionStorage.removeItem(TOKEN_KEY);
    window.removeEventListener('hashchange', route);
    showLogin(`Signed out: ${message}`);
  };
  const liveDot = h('span', { class: 'live-dot', id: 'live-state', role: 'status' }, 'connecting');
  const links: Array<[string, string]> = [['#/', 'Processes'], ['#/schedules', 'Schedules'], ['#/stacks', 'Stacks'], ['#/notifications', 'Notifications']];
  const nav = h('nav', { class: 'main-nav', 'aria-label': 'Pages' }, links.map(([href, label]) => h('a', { href }, label)));
  const main = h('main', { id: 'main', tabindex: -1 });
  fill(root,
    h('a', { class: 'skip', href: '#main', onclick: (e: Event) => { e.preventDefault(); main.focus(); } }, 'Skip to content'),
    h('header', { class: 'top' },
      h('a', { class: 'brand', href: '#/' }, 'Sentinel'),
      nav,
      h('div', { class: 'who' }, liveDot, h('span', { id: 'whoami', title: 'Signed in as' }, `${api.me.name} · ${api.me.role}`),
        h('button', { type: 'button', class: 'btn', id: 'sign-out', onclick: signOut }, 'Sign out')),
    ),
    main,
    h('div', { id: 'toasts', class: 'toasts', 'aria-live': 'polite' }),
  );
  live.onState((s, why) => {
    liveDot.className = `live-dot ${s}`;
    setText(liveDot, s);
    liveDot.title = why;
  });

  function route(): void {
    const hash = location.hash || '#/';
    view?.dispose();
    const m = /^#\/process\/(.+)$/.exec(hash);
    if (m) view = processView(api, live, decodeURIComponent(m[1]));
    else if (hash === '#/schedules') view = schedulesView(api);
    else if (hash === '#/stacks') view = stacksView(api, live);
    else if (hash === '#/notifications') view = notificationsView(api);
    else view = overviewView(api, live);
    for (const a of nav.querySelectorAll('a')) {
      const current = a.getAttribute('href') === hash || (hash.startsWith('#/process/') && a.getAttribute('href') === '#/');
      if (current) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    document.title = `${view.title} · Sentinel`;
    fill(main, view.el);
  }
  window.addEventListener('hashchange', route);
  live.start();
  route();
}

takeTokenFromFragment();
void start();
