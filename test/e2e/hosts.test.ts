// Several hosts in one view (daemon.yaml `hosts:`): this daemon asks a second daemon through a real sshd on
// loopback (its Unix socket over an SSH channel) and a third through its TCP API with a viewer token; a host
// that never answers becomes an error entry after its timeout while the rest still answers. Then the faces:
// `monit --hosts` in tmux and the dashboard in Chromium show the HOST column and the rows of every host.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { cleanupHome, cli, cliJson, readPid, tempHome } from '../helpers.js';
import { startSshd, type Sshd } from './sshd.js';
import { makeToken, startListening } from './tcp-helpers.js';
import { Tmux } from './monit-helpers.js';
import { artifact, launchChromium } from './dashboard-helpers.js';

interface Row { name: string; host: string; status: string }
const restartsOf = async (home: string, name: string) => (await cliJson<{ process: { restarts: number } }>(home, ['status', name])).process.restarts;

interface HostsAnswer { hosts: string[]; processes: Row[]; errors: Array<{ host: string; code: string; error: string }> }

let sshd: Sshd;
let local: string;
let sshHome: string;
let tcpHome: string;
let scratch: string;
let silent: net.Server;
let silentPort: number;
let env: Record<string, string>;
let localUrl: string;
const terminals: Tmux[] = [];
let browser: Browser | undefined;

const hostsYaml = (tokenFile: string, tcpUrl: string) => `hosts:
  - name: box-ssh
    ssh: root@127.0.0.1:${sshd.port}
    remote_home: ${sshHome}
  - name: box-tcp
    url: ${tcpUrl}
    token_file: ${tokenFile}
  - name: silent
    url: http://127.0.0.1:${silentPort}
    token_file: ${tokenFile}
    timeout: 1s
`;

beforeAll(async () => {
  sshd = await startSshd();
  // the daemon reaches the SSH host with the test's own ~/.ssh (key, known_hosts) and no agent
  env = { HOME: sshd.clientHome, SSH_AUTH_SOCK: '' };
  sshHome = tempHome('snh-ssh-');
  tcpHome = tempHome('snh-tcp-');
  local = tempHome('snh-loc-');
  scratch = tempHome('snh-x-');
  expect((await cli(sshHome, ['run', 'sleep 600', '--name', 'over-ssh'])).code).toBe(0);
  const tcpUrl = await startListening(tcpHome);
  expect((await cli(tcpHome, ['run', 'sleep 600', '--name', 'over-tcp'])).code).toBe(0);
  const tokenFile = path.join(scratch, 'tcp.token');
  writeFileSync(tokenFile, (await makeToken(tcpHome, 'hosts-viewer', 'viewer')) + '\n');
  // a host that accepts connections and never answers: only its timeout ends the wait
  silent = net.createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as net.AddressInfo).port;
  writeFileSync(path.join(local, 'daemon.yaml'), hostsYaml(tokenFile, tcpUrl));
  const r = await cli(local, ['daemon', 'start', '--listen', '127.0.0.1:0'], { env });
  expect(r.code, r.stderr).toBe(0);
  localUrl = (await cliJson<{ api: { url: string } }>(local, ['daemon', 'status'])).api.url;
  expect((await cli(local, ['run', 'sleep 600', '--name', 'here'])).code).toBe(0);
}, 60_000);

afterAll(async () => {
  for (const t of terminals) t.kill();
  await browser?.close();
  silent?.close();
  await cleanupHome(local);
  await cleanupHome(sshHome);
  await cleanupHome(tcpHome);
  await cleanupHome(scratch);
  sshd?.stop();
}, 60_000);

describe('hosts.processes', () => {
  it('returns the rows of this host, the SSH host and the TCP host, each with its host; the silent one is an error', async () => {
    const r = await cliJson<HostsAnswer>(local, ['hosts', 'ps']);
    expect(r.hosts).toEqual(['local', 'box-ssh', 'box-tcp', 'silent']);
    const rows = r.processes.map((p) => `${p.host}/${p.name}/${p.status}`).sort();
    expect(rows).toEqual(['box-ssh/over-ssh/running', 'box-tcp/over-tcp/running', 'local/here/running']);
    expect(r.errors).toEqual([{ host: 'silent', code: 'TIMEOUT', error: expect.stringContaining('no answer within 1000 ms') }]);
    expect((await cliJson<{ loaded: string[] }>(local, ['daemon', 'status'])).loaded).toContain('ssh');
  }, 30_000);

  it('a daemon without hosts answers with its own rows only, and never loads SSH', async () => {
    const r = await cliJson<HostsAnswer>(tcpHome, ['hosts', 'ps']);
    expect(r.hosts).toEqual(['local']);
    expect(r.processes.map((p) => `${p.host}/${p.name}`)).toEqual(['local/over-tcp']);
    expect(r.errors).toEqual([]);
    expect((await cliJson<{ loaded: string[] }>(tcpHome, ['daemon', 'status'])).loaded).not.toContain('ssh');
  }, 30_000);

  it('hosts.list says how each host is reached and never shows a token', async () => {
    const r = await cli(local, ['hosts', 'list', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as { hosts: Array<{ name: string; via: string; address: string | null }> };
    expect(list.hosts.map((h) => `${h.name}:${h.via}`)).toEqual(['local:local', 'box-ssh:ssh', 'box-tcp:tcp', 'silent:tcp']);
    expect(list.hosts[1].address).toBe(`root@127.0.0.1:${sshd.port}`);
    expect(r.stdout).not.toMatch(/token_file|snt_|hosts-viewer/);
  }, 30_000);

  it('a host where no daemon runs is an error entry saying so, and the daemon starts none there', async () => {
    const other = tempHome('snh-gone-');
    try {
      writeFileSync(path.join(other, 'daemon.yaml'), `hosts:\n  - name: gone\n    ssh: root@127.0.0.1:${sshd.port}\n    remote_home: ${path.join(other, 'nothing-here')}\n`);
      expect((await cli(other, ['daemon', 'start'], { env })).code).toBe(0);
      const r = await cliJson<HostsAnswer>(other, ['hosts', 'ps']);
      expect(r.processes).toEqual([]);
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0].host).toBe('gone');
      expect(r.errors[0].error).toMatch(/no daemon/);
      expect(existsSync(path.join(other, 'nothing-here', 'daemon.pid'))).toBe(false);
    } finally {
      await cleanupHome(other);
    }
  }, 30_000);

  it('a token limited to some processes sees only those, on every host', async () => {
    const token = await makeToken(local, 'only-over', 'viewer', ['--processes', 'over-*']);
    const res = await fetch(`${localUrl}/v1/hosts/processes`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as HostsAnswer;
    expect(body.processes.map((p) => p.name).sort()).toEqual(['over-ssh', 'over-tcp']);
  }, 30_000);
});

describe('a host behind TLS', () => {
  it('is reached with its ca_file; without it, the error says the certificate is not trusted', async () => {
    const tls = tempHome('snh-tls-');
    const viaTls = tempHome('snh-via-');
    try {
      const cert = path.join(scratch, 'tls.crt');
      const key = path.join(scratch, 'tls.key');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
      const url = await startListening(tls, `api:\n  tls: {cert: ${cert}, key: ${key}}\n`);
      expect(url).toMatch(/^https:/);
      expect((await cli(tls, ['run', 'sleep 600', '--name', 'over-tls'])).code).toBe(0);
      const tokenFile = path.join(scratch, 'tls.token');
      writeFileSync(tokenFile, await makeToken(tls, 'tls-viewer', 'viewer'));
      writeFileSync(path.join(viaTls, 'daemon.yaml'), `hosts:\n  - {name: with-ca, url: "${url}", token_file: ${tokenFile}, ca_file: ${cert}}\n  - {name: without-ca, url: "${url}", token_file: ${tokenFile}}\n`);
      expect((await cli(viaTls, ['daemon', 'start'], { env: { NODE_EXTRA_CA_CERTS: '' } })).code).toBe(0);
      const r = await cliJson<HostsAnswer>(viaTls, ['hosts', 'ps']);
      expect(r.processes.map((p) => `${p.host}/${p.name}`)).toEqual(['with-ca/over-tls']);
      expect(r.errors).toEqual([{ host: 'without-ca', code: 'DAEMON_UNAVAILABLE', error: expect.stringMatching(/TLS certificate of https:\/\/127\.0\.0\.1:\d+ is not trusted/) }]);
    } finally {
      await cleanupHome(viaTls);
      await cleanupHome(tls);
    }
  }, 60_000);
});

describe('hosts.act', () => {
  it('acts on a process of another host; refuses an unknown host, a viewer, and a token limited to some processes', async () => {
    const operator = await makeToken(local, 'act-op', 'operator');
    const post = (route: string, token: string) => fetch(`${localUrl}${route}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    const before = await restartsOf(sshHome, 'over-ssh');
    const ok = await post('/v1/hosts/box-ssh/processes/over-ssh/restart', operator);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { host: string; process: { name: string } })).toMatchObject({ host: 'box-ssh', action: 'restart', process: { name: 'over-ssh' } });
    expect(await restartsOf(sshHome, 'over-ssh')).toBe(before + 1);
    const unknown = await post('/v1/hosts/nowhere/processes/over-ssh/restart', operator);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toMatch(/no host "nowhere"; the hosts are local, box-ssh, box-tcp, silent/);
    const noProc = await post('/v1/hosts/box-ssh/processes/ghost/restart', operator);
    expect(noProc.status).toBe(404);
    expect(((await noProc.json()) as { error: { message: string } }).error.message).toMatch(/^host box-ssh: /);
    const viewer = await makeToken(local, 'act-viewer', 'viewer');
    expect((await post('/v1/hosts/box-ssh/processes/over-ssh/restart', viewer)).status).toBe(403);
    const limited = await makeToken(local, 'act-limited', 'operator', ['--processes', 'over-*']);
    const refused = await post('/v1/hosts/box-ssh/processes/over-ssh/restart', limited);
    expect(refused.status).toBe(403);
    expect(await restartsOf(sshHome, 'over-ssh')).toBe(before + 1);
  }, 60_000);
});

describe('bad hosts: settings', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['no way to reach it', 'hosts:\n  - name: a\n', /hosts\.0: give either "ssh"/],
    ['both ssh and url', 'hosts:\n  - name: a\n    ssh: root@h\n    url: http://h:1\n    token_file: /etc/hostname\n', /give either "ssh".*not both/],
    ['the reserved name', 'hosts:\n  - name: local\n    ssh: root@h\n', /hosts\.0\.name: "local" is the name of this host/],
    ['a duplicate name', 'hosts:\n  - name: a\n    ssh: root@h\n  - name: a\n    ssh: root@g\n', /hosts\.1\.name: the name "a" is used by two hosts/],
    ['a url without token_file', 'hosts:\n  - name: a\n    url: http://h:1\n', /hosts\.0\.token_file: a host reached by url needs "token_file"/],
    ['a bad ssh target', 'hosts:\n  - name: a\n    ssh: "root@h:99999"\n', /hosts\.0\.ssh: .*port/],
    ['a bad url', 'hosts:\n  - name: a\n    url: ftp://h\n    token_file: /etc/hostname\n', /hosts\.0\.url: .*http:\/\/ or https:\/\//],
    ['a missing token file', 'hosts:\n  - name: a\n    url: http://h:1\n    token_file: /nonexistent/token\n', /hosts "a": token_file \/nonexistent\/token does not exist/],
    ['an unknown key', 'hosts:\n  - name: a\n    ssh: root@h\n    password: x\n', /hosts\.0: .*password/],
  ];
  for (const [what, yaml, message] of cases) {
    it(`refuses ${what}: the daemon does not start and says why`, async () => {
      const home = tempHome('snh-bad-');
      try {
        writeFileSync(path.join(home, 'daemon.yaml'), yaml);
        const r = await cli(home, ['daemon', 'start']);
        expect(r.code).not.toBe(0);
        expect(r.stderr).toMatch(message);
        expect(readPid(path.join(home, 'daemon.pid'))).toBeNull();
      } finally {
        await cleanupHome(home);
      }
    }, 30_000);
  }
});

describe('the faces', () => {
  it('monit --hosts shows the HOST column, the rows of every host and the unreachable one; H filters a host', async () => {
    const t = new Tmux({ SENTINEL_HOME: local, ...env });
    terminals.push(t);
    t.startMonit(['--hosts']);
    let screen = await t.waitScreen((s) => /over-ssh/.test(s) && /over-tcp/.test(s) && /silent: unreachable/.test(s), 20_000);
    const title = screen.split('\n').find((l) => /NAME/.test(l))!;
    expect(title).toMatch(/NAME\s+HOST\s+STATE/);
    expect(screen).toMatch(/over-ssh\s+box-ssh\s+running/);
    expect(screen).toMatch(/over-tcp\s+box-tcp\s+running/);
    expect(screen).toMatch(/here\s+local\s+running/);
    t.keys('H', 'H');
    screen = await t.waitScreen((s) => /Host box-ssh only/.test(s) && !/over-tcp/.test(s) && !/here\s+local/.test(s));
    expect(screen).toMatch(/over-ssh\s+box-ssh/);
    // r restarts the remote row's process on its own host (through hosts.act and the SSH tunnel)
    const before = await restartsOf(sshHome, 'over-ssh');
    t.keys('r');
    await t.waitScreen((s) => /Restarted over-ssh on box-ssh/.test(s), 30_000);
    expect(await restartsOf(sshHome, 'over-ssh')).toBe(before + 1);
    // the TCP host's token is a viewer: its daemon refuses, and the monitor says which host and why
    t.keys('H');
    await t.waitScreen((s) => /Host box-tcp only/.test(s));
    t.keys('r');
    screen = await t.waitScreen((s) => /host box-tcp: .*operator role/.test(s));
    expect(await restartsOf(tcpHome, 'over-tcp')).toBe(0);
    t.keys('q');
  }, 60_000);

  it('monit --host-filter with a name the daemon does not have fails before the screen changes', async () => {
    const r = await cli(local, ['monit', '--host-filter', 'nope'], { env });
    // no TTY here: the terminal check speaks first; the name is checked against the daemon in tmux
    expect(r.code).not.toBe(0);
    const t = new Tmux({ SENTINEL_HOME: local, ...env });
    terminals.push(t);
    t.startMonit(['--host-filter', 'nope']);
    const screen = await t.waitScreen((s) => /--host-filter "nope" is not a host/.test(s));
    expect(screen).toMatch(/local, box-ssh, box-tcp, silent/);
  }, 30_000);

  it('the dashboard shows a Host column and a host filter with the rows of every host', async () => {
    browser ??= await launchChromium();
    const page = await (await browser.newContext()).newPage();
    const out = await cliJson<{ link: string }>(local, ['dashboard', '--role', 'viewer']);
    await page.goto(out.link);
    await page.waitForSelector('#process-table th.c-host');
    await page.waitForSelector('tr[data-host="box-tcp"][data-name="over-tcp"]');
    await page.waitForSelector('tr[data-host="box-ssh"][data-name="over-ssh"]');
    await page.waitForSelector('tr[data-host="local"][data-name="here"]');
    expect(await page.textContent('tr[data-host="box-ssh"] td.c-host')).toBe('box-ssh');
    expect(await page.textContent('#host-errors')).toContain('silent: unreachable');
    await page.screenshot({ path: artifact('hosts-overview.png') });
    // a viewer gets no buttons on other hosts' rows either
    expect(await page.textContent('tr[data-host="box-ssh"] td.c-actions')).toBe('read-only');
    await page.selectOption('#f-host', 'box-tcp');
    await page.waitForFunction(() => document.querySelectorAll('#process-table tbody tr').length === 1);
    expect(await page.getAttribute('#process-table tbody tr', 'data-name')).toBe('over-tcp');
  }, 60_000);

  it('an operator restarts a process of another host from the dashboard', async () => {
    browser ??= await launchChromium();
    const page = await (await browser.newContext()).newPage();
    const out = await cliJson<{ link: string }>(local, ['dashboard', '--role', 'operator']);
    await page.goto(out.link);
    const button = 'tr[data-host="box-ssh"][data-name="over-ssh"] button[data-action="restart"]';
    await page.waitForSelector(button);
    const before = await restartsOf(sshHome, 'over-ssh');
    await page.click(button);
    await page.waitForSelector('text=restart over-ssh on box-ssh: done', { timeout: 30_000 });
    expect(await restartsOf(sshHome, 'over-ssh')).toBe(before + 1);
  }, 60_000);
});
