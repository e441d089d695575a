// `sentinel monit --url ... --token ...` against a daemon's TCP listener: the same table and keys as on the
// socket, limited by the token's role (a viewer's keys change nothing and say why), and clear failures
// for a bad token or an address where nothing answers.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, cli, cliJson, tempHome, waitFor } from '../helpers.js';
import { Tmux } from './monit-helpers.js';

interface View { name: string; status: string; restarts: number; pid: number | null }

let home: string;
let url: string;
let viewer: string;
let operator: string;
const terminals: Tmux[] = [];
const scratch: string[] = [];
const proc = async (name: string) => (await cliJson<{ processes: View[] }>(home, ['list'])).processes.find((p) => p.name === name)!;
const rowOf = (screen: string, name: string) => screen.split('\n').find((l) => new RegExp(`^[> ] ${name} `).test(l)) ?? '';

function terminal(env: Record<string, string> = {}): Tmux {
  // no SENTINEL_HOME of the daemon's: the monitor reaches it only over TCP
  const own = tempHome('snm-none-');
  scratch.push(own);
  const t = new Tmux({ SENTINEL_HOME: own, ...env });
  terminals.push(t);
  return t;
}

async function createToken(name: string, role: string): Promise<string> {
  const r = await cli(home, ['token', 'create', name, '--role', role]);
  expect(r.code).toBe(0);
  return r.stdout.trim().split('\n').pop()!;
}

beforeAll(async () => {
  home = tempHome('snm-');
  expect((await cli(home, ['daemon', 'start', '--listen', '127.0.0.1:0'])).code).toBe(0);
  url = (await cliJson<{ api: { url: string } }>(home, ['daemon', 'status'])).api.url;
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect((await cli(home, ['run', 'sleep 1000', '--name', 'web'])).code).toBe(0);
  expect((await cli(home, ['run', 'while true; do echo "beat $(date +%s%N)"; sleep 0.3; done', '--name', 'beat'])).code).toBe(0);
  viewer = await createToken('watcher', 'viewer');
  operator = await createToken('oncall', 'operator');
});

afterAll(async () => {
  for (const t of terminals) t.kill();
  await cleanupHome(home);
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

describe('sentinel monit over the TCP API', () => {
  it('a viewer token (SENTINEL_URL, SENTINEL_TOKEN) sees the table and logs; its keys stop nothing and say why', async () => {
    const t = terminal({ SENTINEL_URL: url, SENTINEL_TOKEN: viewer });
    t.startMonit();
    let screen = await t.waitScreen((s) => /running/.test(rowOf(s, 'web')) && /running/.test(rowOf(s, 'beat')));
    expect(screen).toContain(`${url} (viewer)`);
    const before = await proc('web');
    t.keys('s');
    screen = await t.waitScreen((s) => /role \(viewer\) cannot stop processes/.test(s));
    expect(screen).toMatch(/Your token's role \(viewer\) cannot stop processes/);
    t.keys('r');
    screen = await t.waitScreen((s) => /role \(viewer\) cannot restart processes/.test(s));
    // nothing happened to the process
    await new Promise((r) => setTimeout(r, 500));
    const after = await proc('web');
    expect(after).toMatchObject({ status: 'running', restarts: before.restarts, pid: before.pid });
    // logs follow over TCP too
    t.keys('j');
    screen = await t.waitScreen((s) => /^beat \d+$/m.test(s));
    expect(screen).toMatch(/── logs: beat ─/);
    t.keys('q');
    await t.waitScreen((s) => s.trimEnd().endsWith('monit-test$'));
    expect(t.format('alternate_on')).toBe('0');
  });

  it('an operator token (--url, --token) restarts through the daemon, recorded under the token\'s name', async () => {
    const t = terminal();
    t.startMonit(['--url', url, '--token', operator]);
    await t.waitScreen((s) => /^> web .*running/m.test(s));
    const before = await proc('web');
    t.keys('r');
    expect(await waitFor(async () => (await proc('web')).restarts === before.restarts + 1, 15_000, 100)).toBe(true);
    await t.waitScreen((s) => s.includes('Restarted web'));
    const events = await cliJson<{ events: Array<{ actor: string | null; kind: string; processName: string }> }>(home, ['events', 'web']);
    expect(events.events.some((e) => e.actor?.includes('oncall'))).toBe(true);
    t.keys('q');
    await t.waitScreen((s) => s.trimEnd().endsWith('monit-test$'));
  });

  it('a wrong token, or a port where nothing listens, is a clear error before the screen changes', async () => {
    const t = terminal();
    t.startMonit(['--url', url, '--token', 'snt_not-a-real-token']);
    let screen = await t.waitScreen((s) => /Error: .*token is not known/.test(s) && s.trimEnd().endsWith('monit-test$'));
    expect(screen).toMatch(/Error: the token is not known/);
    expect(t.format('alternate_on')).toBe('0');
    t.type('echo "exit $?"');
    expect(await t.waitScreen((s) => /^exit [1-9]/m.test(s))).not.toMatch(/^exit 0/m);
    // a port that was free a moment ago
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    t.type('clear');
    t.startMonit(['--url', `http://127.0.0.1:${port}`]);
    screen = await t.waitScreen((s) => /Error: nothing answers at http:\/\/127\.0\.0\.1:\d+; is the daemon started with --listen/.test(s));
    expect(screen).toContain('--listen');
    t.type('echo "exit $?"');
    expect(await t.waitScreen((s) => /^exit 3$/m.test(s))).toMatch(/^exit 3$/m);
  });

  it('over https: trusts a certificate through NODE_EXTRA_CA_CERTS, and says how when it does not', async () => {
    const tlsHome = tempHome('snm-tls-');
    scratch.push(tlsHome);
    try {
      const cert = path.join(tlsHome, 'cert.pem');
      const key = path.join(tlsHome, 'key.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
      writeFileSync(path.join(tlsHome, 'sentinel.yaml'), `api:\n  listen: 127.0.0.1:0\n  tls: {cert: ${cert}, key: ${key}}\n`);
      expect((await cli(tlsHome, ['daemon', 'start'])).code).toBe(0);
      const tlsUrl = (await cliJson<{ api: { url: string } }>(tlsHome, ['daemon', 'status'])).api.url;
      expect(tlsUrl).toMatch(/^https:\/\//);
      expect((await cli(tlsHome, ['run', 'sleep 1000', '--name', 'secure'])).code).toBe(0);
      const r = await cli(tlsHome, ['token', 'create', 'tls-viewer', '--role', 'viewer']);
      const token = r.stdout.trim().split('\n').pop()!;

      const untrusted = terminal();
      untrusted.startMonit(['--url', tlsUrl, '--token', token]);
      const refused = await untrusted.waitScreen((s) => /Error: the TLS certificate of https:\/\/127\.0\.0\.1:\d+ is not trusted/.test(s));
      expect(refused.replace(/\n/g, '')).toContain('NODE_EXTRA_CA_CERTS');

      const trusted = terminal({ NODE_EXTRA_CA_CERTS: cert });
      trusted.startMonit(['--url', tlsUrl, '--token', token]);
      const screen = await trusted.waitScreen((s) => /running/.test(rowOf(s, 'secure')));
      expect(screen).toContain(`${tlsUrl} (viewer)`);
      trusted.keys('q');
      await trusted.waitScreen((s) => s.trimEnd().endsWith('monit-test$'));
    } finally {
      await cleanupHome(tlsHome);
    }
  });
});
