// The web dashboard in a real browser against a real daemon with its TCP listener: sign-in by link,
// live state without reloads, controls by role (and the API refusing a forged call), the log tail,
// a phone's width. Screenshots go to test-artifacts/dashboard/.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, BIN, cleanupHome, cli, cliJson, FIXTURES, tempHome, waitFor } from '../helpers.js';
import { makeToken, request, startListening, type Target } from './tcp-helpers.js';
import { artifact, launchChromium } from './dashboard-helpers.js';

interface View { name: string; pid: number | null; status: string }

let home: string;
let target: Target;
let browser: Browser;
let viewerToken: string;
const contexts: BrowserContext[] = [];

const status = async (ref: string) => (await cliJson<{ process: View }>(home, ['status', ref])).process;

async function newPage(width = 1280, height = 800): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width, height } });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.on('pageerror', (err) => {
    throw new Error(`the page threw: ${err.message}`);
  });
  return page;
}

/** Signs in through the link `sentinel dashboard` prints. */
async function signInByLink(page: Page, role = 'operator'): Promise<string> {
  const out = await cliJson<{ link: string; url: string }>(home, ['dashboard', '--role', role]);
  await page.goto(out.link);
  await page.waitForSelector('#process-table');
  return out.link;
}

beforeAll(async () => {
  home = tempHome('sn-web-');
  target = { url: await startListening(home) };
  browser = await launchChromium();
  viewerToken = await makeToken(home, 'watcher', 'viewer');
  for (const [name, cmd] of [['web', 'sleep 600'], ['worker', 'sleep 600']]) {
    expect((await cli(home, ['run', cmd, '--name', name, '--group', name === 'web' ? 'front' : 'back'])).code).toBe(0);
  }
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await cleanupHome(home);
});

describe('serving the page', () => {
  it('serves index.html, app.js and app.css without a token, with their types, validators and a strict policy', async () => {
    const page = await request(target, 'GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text).toContain('<script type="module" src="app.js">');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const js = await request(target, 'GET', '/app.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await request(target, 'GET', '/app.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    // unchanged files are revalidated, not sent again
    const again = await request(target, 'GET', '/app.js', { headers: { 'if-none-match': String(js.headers.etag) } });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
  });

  it('answers nothing else: no listing, no path outside the three files, and the API still wants a token', async () => {
    for (const p of ['/web/', '/dist/web/app.js', '/../package.json', '/%2e%2e/package.json', '/app.js/../../package.json', '/index.html%00.js', '/.env']) {
      const a = await request(target, 'GET', p);
      expect(a.status, p).toBeGreaterThanOrEqual(400);
      expect(a.text, p).not.toContain('"name": "sentinel"');
      expect(a.text, p).not.toContain('<script');
    }
    expect((await request(target, 'POST', '/app.js')).status).toBeGreaterThanOrEqual(400);
    const api = await request(target, 'GET', '/v1/processes');
    expect(api.status).toBe(401);
  });
});

describe('sentinel dashboard', () => {
  it('refuses bad options with exit 2 and creates no token', async () => {
    const before = await cliJson<{ tokens: unknown[] }>(home, ['token', 'list']);
    for (const args of [['--role', 'root'], ['--expires', 'soon'], ['--expires', '0'], ['--expires', '2d']]) {
      const r = await cli(home, ['dashboard', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^Error: --(role|expires) ".*": expected /);
    }
    expect((await cliJson<{ tokens: unknown[] }>(home, ['token', 'list'])).tokens.length).toBe(before.tokens.length);
  });

  it('says how to turn the TCP listener on when it is off, and creates no token', async () => {
    const other = tempHome('sn-web-off-');
    try {
      const r = await cli(other, ['dashboard']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('TCP listener, which is off');
      expect(r.stderr).toContain('api: {listen: 127.0.0.1:9797}');
      expect(r.stderr).toContain('sentinel daemon start --listen 127.0.0.1:9797');
      expect((await cliJson<{ tokens: unknown[] }>(other, ['token', 'list'])).tokens).toEqual([]);
    } finally {
      await cleanupHome(other);
    }
  });

  it('--open without a browser opener says so on stderr and still prints the link', async () => {
    // no opener on PATH (the CLI itself is started by node's path, not looked up)
    const r = await cli(home, ['dashboard', '--open'], { env: { PATH: path.join(home, 'no-such-dir') } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/#token=/);
    expect(r.stderr).toContain('Warning: could not start "xdg-open" to open a browser; open the link above yourself');
  });

  it('prints the address and a link whose token is short-lived and of the role asked', async () => {
    const r = await cli(home, ['dashboard', '--role', 'viewer', '--expires', '2m']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Dashboard: ${target.url}/`);
    const link = /(http:\/\/\S+#token=\S+)/.exec(r.stdout)?.[1];
    expect(link).toBeDefined();
    const tokens = (await cliJson<{ tokens: Array<{ name: string; role: string; expiresAt: number | null }> }>(home, ['token', 'list'])).tokens;
    const t = tokens.find((x) => r.stdout.includes(x.name))!;
    expect(t.role).toBe('viewer');
    expect(t.expiresAt! - Date.now()).toBeLessThanOrEqual(120_000);
    expect(t.expiresAt! - Date.now()).toBeGreaterThan(60_000);
  });
});

describe('the dashboard in a browser', () => {
  it('signs in with the link, then drops the token from the address bar; the server never sees it', async () => {
    const page = await newPage();
    const link = await signInByLink(page);
    const token = decodeURIComponent(link.slice(link.indexOf('#token=') + 7));
    expect(page.url()).not.toContain('token');
    expect(await page.evaluate(() => sessionStorage.getItem('sentinel.token'))).toBe(token);
    expect(await page.textContent('#whoami')).toMatch(/operator/);
    await page.waitForSelector('tr[data-name="web"][data-status="running"]');
    await page.screenshot({ path: artifact('overview.png') });
    // the fragment is the browser's: neither the daemon's log nor its answers carry it
    expect(readFileSync(path.join(home, 'daemon.log'), 'utf8')).not.toContain(token);
  });

  it('when the link\'s token expires, the page goes back to the sign-in form and says why', async () => {
    const page = await newPage();
    const out = await cliJson<{ link: string }>(home, ['dashboard', '--role', 'viewer', '--expires', '3s']);
    await page.goto(out.link);
    await page.waitForSelector('#process-table');
    // the stream ends with the token; its reconnection is refused, and the session with it
    await page.waitForSelector('#login-error:not([hidden])', { timeout: 15_000 });
    expect(await page.textContent('#login-error')).toMatch(/^Signed out: /);
    expect(await page.evaluate(() => sessionStorage.getItem('sentinel.token'))).toBeNull();
  });

  it('a bad token is refused at the form with a clear message', async () => {
    const page = await newPage();
    await page.goto(`${target.url}/`);
    await page.fill('#token', 'not-a-token');
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#login-error:not([hidden])');
    expect(await page.textContent('#login-error')).toMatch(/refused/i);
    expect(await page.evaluate(() => sessionStorage.getItem('sentinel.token'))).toBeNull();
  });

  it('shows a crash within 2 s without a reload', async () => {
    expect((await cli(home, ['run', 'sleep 600', '--name', 'victim'])).code).toBe(0);
    const page = await newPage();
    await signInByLink(page);
    await page.waitForSelector('tr[data-name="victim"][data-status="running"]');
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    const pid = (await status('victim')).pid!;
    process.kill(pid, 'SIGKILL');
    // the row changes by itself: the same document (its marker survives), no navigation
    await page.waitForSelector('tr[data-name="victim"]:not([data-status="running"])', { timeout: 2000 });
    expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(42);
    expect(await page.getAttribute('tr[data-name="victim"]', 'data-status')).toBe((await status('victim')).status);
    await page.screenshot({ path: artifact('crash.png') });
  });

  it('the stop button stops the process (as the CLI sees it)', async () => {
    const page = await newPage();
    await signInByLink(page);
    const pid = (await status('worker')).pid!;
    await page.click('tr[data-name="worker"] button[data-action="stop"]');
    expect(await waitFor(async () => (await status('worker')).status === 'stopped', 15_000)).toBe(true);
    expect(await waitFor(() => !alive(pid), 5000)).toBe(true);
    // and the row follows, with Start in place of Stop
    await page.waitForSelector('tr[data-name="worker"][data-status="stopped"] button[data-action="start"]', { timeout: 5000 });
  });

  it('filters by group and state', async () => {
    const page = await newPage();
    await signInByLink(page);
    await page.selectOption('#f-group', 'front');
    expect(await page.$$eval('#process-table tbody tr', (rows) => rows.map((r) => (r as HTMLElement).dataset.name))).toEqual(['web']);
    await page.selectOption('#f-group', '');
    await page.selectOption('#f-state', 'stopped');
    expect(await page.$$eval('#process-table tbody tr', (rows) => rows.map((r) => (r as HTMLElement).dataset.name))).toEqual(['worker']);
  });

  it('streams logs into the process page, with the stdout/stderr filter and search', async () => {
    expect((await cli(home, ['run', '--name', 'talker', '--', 'sh', '-c', 'i=0; while :; do i=$((i+1)); echo "tick $i"; echo "oops $i" >&2; sleep 0.1; done'])).code).toBe(0);
    const page = await newPage();
    await signInByLink(page);
    await page.goto(`${target.url}/#/process/talker`);
    await page.waitForSelector('#log-viewport .log-row');
    const highest = () => page.$$eval('#log-viewport .log-row', (rows) => Math.max(0, ...rows.map((r) => Number(/tick (\d+)/.exec(r.textContent ?? '')?.[1] ?? 0))));
    const first = await highest();
    // lines written after the page opened arrive without a reload
    expect(await waitFor(async () => (await highest()) >= first + 10, 10_000)).toBe(true);
    await page.selectOption('#log-stream', 'stderr');
    await page.waitForFunction(() => [...document.querySelectorAll('#log-viewport .log-row:not([hidden])')].every((r) => r.classList.contains('stderr')));
    await page.fill('#log-search', 'oops 1');
    await page.waitForFunction(() => [...document.querySelectorAll('#log-viewport .log-row:not([hidden])')].every((r) => r.textContent!.includes('oops 1')));
    await page.fill('#log-search', '');
    await page.selectOption('#log-stream', 'both');
    await page.waitForSelector('#p-events tr');
    await page.screenshot({ path: artifact('process.png'), fullPage: true });
  });

  it('keeps a chatty process\'s log capped and the page responsive', async () => {
    // it never stops printing (about 10,000 lines a second), so the page follows it whenever it opens
    const chatter = 'let i = 0; setInterval(() => { let s = ""; for (let k = 0; k < 200; k++) s += `flood line ${i++} ${"x".repeat(60)}\\n`; process.stdout.write(s); }, 20);';
    expect((await cli(home, ['run', '--name', 'flood', '--', process.execPath, '-e', chatter])).code).toBe(0);
    const page = await newPage();
    await signInByLink(page);
    await page.goto(`${target.url}/#/process/flood`);
    await page.waitForSelector('#log-viewport .log-row');
    const count = () => page.evaluate(() => Number(/(\d+) lines/.exec(document.getElementById('log-status')!.textContent ?? '')?.[1] ?? 0));
    expect(await waitFor(async () => (await count()) >= 20_000, 45_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 1000));
    // the buffer stops at its cap; only the rows in sight are in the document
    expect(await count()).toBe(20_000);
    expect(await page.$$eval('#log-viewport .log-row', (rows) => rows.length)).toBeLessThan(100);
    expect(await page.textContent('#log-status')).toMatch(/let go/);
    expect((await cli(home, ['stop', 'flood'])).code).toBe(0);
  }, 120_000);

  it('a viewer sees no controls, and a forged call from the page is refused by the API (403)', async () => {
    const page = await newPage();
    await page.goto(`${target.url}/#token=${encodeURIComponent(viewerToken)}`);
    await page.waitForSelector('tr[data-name="worker"]');
    expect(await page.textContent('#whoami')).toMatch(/viewer/);
    expect(await page.$$('#process-table button')).toHaveLength(0);
    await page.goto(`${target.url}/#/process/worker`);
    await page.waitForSelector('#p-facts dd');
    expect(await page.$$('.p-controls button')).toHaveLength(0);
    const forged = await page.evaluate(async () => {
      const res = await fetch('/v1/processes/worker/start', { method: 'POST', headers: { authorization: `Bearer ${sessionStorage.getItem('sentinel.token')}`, 'content-type': 'application/json' }, body: '{}' });
      return { status: res.status, body: await res.json() };
    });
    expect(forged.status).toBe(403);
    expect(forged.body.error.code).toBe('FORBIDDEN');
    expect((await status('worker')).status).toBe('stopped');
  });

  it('fits a phone\'s width (375 px) with no horizontal overflow', async () => {
    const page = await newPage(375, 800);
    await signInByLink(page);
    await page.waitForSelector('tr[data-name="web"]');
    const width = () => page.evaluate(() => document.documentElement.scrollWidth);
    expect(await width()).toBeLessThanOrEqual(375);
    await page.screenshot({ path: artifact('phone-overview.png'), fullPage: true });
    await page.goto(`${target.url}/#/process/talker`);
    await page.waitForSelector('#log-viewport .log-row');
    expect(await width()).toBeLessThanOrEqual(375);
    await page.screenshot({ path: artifact('phone-process.png') });
  });

  it('can be used with the keyboard: Tab reaches the controls, which show a focus ring', async () => {
    const page = await newPage();
    await signInByLink(page);
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.getAttribute('data-action') === 'restart');
    }
    expect(reached).toBe(true);
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe('none');
  });

  it('shows schedules, stacks and notifications', async () => {
    expect((await cli(home, ['schedule', 'add', 'nightly', '--every', '1h', '--', 'sh', '-c', 'exit 3'])).code).toBe(0);
    expect((await cli(home, ['schedule', 'run-now', 'nightly'])).code).toBe(0);
    const page = await newPage();
    await signInByLink(page);
    await page.goto(`${target.url}/#/schedules`);
    await page.waitForSelector('article[data-name="nightly"]');
    await page.click('article[data-name="nightly"] button[aria-expanded]');
    await page.waitForSelector('article[data-name="nightly"] .runs tbody tr[data-status]', { timeout: 10_000 });
    expect(await page.textContent('article[data-name="nightly"] .runs')).toMatch(/exit 3/);
    expect(await page.textContent('article[data-name="nightly"] dd.mono')).toBe('sh -c "exit 3"');
    await page.screenshot({ path: artifact('schedules.png'), fullPage: true });
    // disable from the page; the CLI sees it
    await page.click('article[data-name="nightly"] button:text("Disable")');
    expect(await waitFor(async () => (await cliJson<{ schedules: Array<{ name: string; enabled: boolean }> }>(home, ['schedule', 'list'])).schedules.some((x) => x.name === 'nightly' && !x.enabled), 10_000)).toBe(true);
    await page.waitForSelector('article[data-name="nightly"] button:text("Enable")');
    // the channels are an admin's (their URLs can carry secrets): an operator is told so, an admin sees them
    await page.goto(`${target.url}/#/notifications`);
    await page.waitForSelector('#notify-role');
    expect(await page.textContent('#notify-role')).toMatch(/admin tokens only.*operator/);
    const admin = await newPage();
    await signInByLink(admin, 'admin');
    await admin.goto(`${target.url}/#/notifications`);
    await admin.waitForSelector('#notifications > :not(.muted)');
    expect(await admin.textContent('#notifications')).toContain('No notification channels');
    // a stack: the graph reads the config file, so an admin sees it and an operator is told why not
    const file = path.join(home, 'stack.yaml');
    writeFileSync(file, 'processes:\n  db:\n    command: sleep 600\n  app:\n    command: sleep 600\n    depends_on:\n      db:\n        condition: started\n');
    expect((await cli(home, ['up', '-f', file])).code).toBe(0);
    await page.goto(`${target.url}/#/stacks`);
    await page.waitForSelector(`#stacks article[data-file="${file}"] .graph-wrap > *`);
    expect(await page.textContent(`#stacks article[data-file="${file}"]`)).toMatch(/needs an admin token/);
    expect(await page.textContent('#stacks')).toMatch(/Started without a config file/);
    await admin.goto(`${target.url}/#/stacks`);
    await admin.waitForSelector(`#stacks article[data-file="${file}"] svg.graph`);
    expect(await admin.$$eval('svg.graph .node title', (t) => t.map((x) => x.textContent).sort())).toEqual(['app: running', 'db: running']);
    expect(await admin.$$eval('svg.graph .edge title', (t) => t.map((x) => x.textContent))).toEqual(['app waits for db (started)']);
    await admin.screenshot({ path: artifact('stacks.png'), fullPage: true });
  });
});

describe('processes.watch from the CLI', () => {
  it('sentinel list --watch --json prints a snapshot, then one on each change', async () => {
    const child = spawn(process.execPath, ['--', BIN, 'list', '--watch', '--json', '--interval', '30s'], { env: { ...process.env, SENTINEL_HOME: home } });
    try {
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      expect(await waitFor(() => out.includes('\n'), 10_000)).toBe(true);
      const first = JSON.parse(out.split('\n')[0]);
      expect(first.reason).toBe('initial');
      expect(first.processes.map((p: View) => p.name)).toContain('web');
      expect((await cli(home, ['run', 'sleep 600', '--name', 'newcomer'])).code).toBe(0);
      const seen = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l)).some((s) => s.reason === 'change' && s.processes.some((p: View) => p.name === 'newcomer' && p.status === 'running'));
      expect(await waitFor(seen, 10_000)).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('over TCP, a token limited to some processes watches only those', async () => {
    const limited = await makeToken(home, 'webonly', 'viewer', ['--processes', 'web*']);
    const abort = new AbortController();
    const res = await fetch(`${target.url}/v1/watch/processes?interval=1s&follow=true`, { headers: { authorization: `Bearer ${limited}` }, signal: abort.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('\n')) text += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    const first = JSON.parse(text.slice(0, text.indexOf('\n')));
    expect(first.processes.map((p: View) => p.name)).toEqual(['web']);
  });

  it('without follow, answers one snapshot', async () => {
    const r = await request(target, 'GET', '/v1/watch/processes', { token: viewerToken });
    expect(r.status).toBe(200);
    expect(r.json.reason).toBe('initial');
    expect((r.json.processes as View[]).map((p) => p.name)).toContain('web');
  });

  it('refuses a bad interval over HTTP with 422 naming the parameter', async () => {
    const r = await request(target, 'GET', '/v1/watch/processes?interval=10ms', { token: viewerToken });
    expect(r.status).toBe(422);
    expect(r.json.error).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'parameter "interval": expected an interval from 500ms to 60s, e.g. "2s", got 10ms' });
  });

  it('refuses an interval out of range with exit 2', async () => {
    const r = await cli(home, ['list', '--watch', '--interval', '10ms']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('parameter "interval": expected an interval from 500ms to 60s, e.g. "2s", got 10ms');
  });
});

