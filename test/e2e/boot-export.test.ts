// Start at boot and export: every generated file is checked by the real tool for its format (systemd-analyze
// verify for units, sh -n for init scripts, a plist and an XML parser), and the init.d script really starts,
// reports and stops a daemon. PID 1 is not systemd here, so units are verified, not started.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, cli, readPid, alive, tempHome, waitFor } from '../helpers.js';

let home: string;
let dir: string;
beforeAll(() => {
  home = tempHome('sn-boot-');
  dir = mkdtempSync(path.join(os.tmpdir(), 'sn-boot-out-'));
});
afterAll(async () => {
  await cleanupHome(home);
  rmSync(dir, { recursive: true, force: true });
});

function verifyUnits(files: string[]): { code: number; out: string } {
  const r = spawnSync('systemd-analyze', ['verify', ...files], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe('sentinel startup', () => {
  it('systemd: a unit that systemd-analyze verify accepts, running this install\'s daemon with this SENTINEL_HOME', async () => {
    const file = path.join(dir, 'sentinel.service');
    const r = await cli(home, ['startup', 'systemd', '--path', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('systemctl daemon-reload && systemctl enable --now sentinel.service');
    const unit = readFileSync(file, 'utf8');
    expect(unit).toMatch(/^ExecStart=\S*node --max-semi-space-size=1 --optimize-for-size --v8-pool-size=1 --expose-gc \S*dist\/daemon-bundle\/main\.js$/m);
    expect(unit).toContain(`Environment="SENTINEL_HOME=${home}"`);
    expect(unit).toMatch(/^KillMode=mixed$/m);
    const v = verifyUnits([file]);
    expect(v.out).toBe('');
    expect(v.code).toBe(0);
  });

  it('systemd --user goes under ~/.config/systemd/user and wants default.target', async () => {
    const fakeHome = mkdtempSync(path.join(dir, 'home-'));
    const r = await cli(home, ['startup', 'systemd', '--user', '--stop-timeout', '2m'], { env: { HOME: fakeHome } });
    expect(r.code, r.stderr).toBe(0);
    // os.userInfo() reads the password database, not $HOME: the file lands in the real user's home
    const target = path.join(os.userInfo().homedir, '.config/systemd/user/sentinel.service');
    try {
      const unit = readFileSync(target, 'utf8');
      expect(unit).toContain('WantedBy=default.target');
      expect(unit).toContain('TimeoutStopSec=120s');
      expect(unit).not.toMatch(/^User=/m);
      expect(verifyUnits([target]).code).toBe(0);
      const u = await cli(home, ['unstartup', 'systemd', '--user']);
      expect(u.code, u.stderr).toBe(0);
      expect(existsSync(target)).toBe(false);
    } finally {
      rmSync(target, { force: true });
    }
  });

  it('initd: an LSB script that sh accepts and that really starts, reports and stops the daemon', async () => {
    const file = path.join(dir, 'sentinel.init');
    expect((await cli(home, ['startup', 'initd', '--path', file])).code).toBe(0);
    const script = readFileSync(file, 'utf8');
    expect(statSync(file).mode & 0o777).toBe(0o755);
    expect(script).toMatch(/### BEGIN INIT INFO[\s\S]*# Provides: +sentinel[\s\S]*# Default-Start: +2 3 4 5[\s\S]*### END INIT INFO/);
    execFileSync('sh', ['-n', file]);
    const ownHome = tempHome('sn-boot-init-');
    try {
      // the script carries the home it was made for: make one for a home no other test uses
      const own = path.join(dir, 'own.init');
      expect((await cli(ownHome, ['startup', 'initd', '--path', own])).code).toBe(0);
      const start = spawnSync('sh', [own, 'start'], { encoding: 'utf8', timeout: 30_000 });
      expect(start.status, start.stderr).toBe(0);
      const pid = readPid(path.join(ownHome, 'daemon.pid'));
      expect(pid).not.toBeNull();
      expect(alive(pid!)).toBe(true);
      const status = spawnSync('sh', [own, 'status'], { encoding: 'utf8', timeout: 30_000 });
      expect(status.status).toBe(0);
      expect(status.stdout).toContain(String(pid));
      const stop = spawnSync('sh', [own, 'stop'], { encoding: 'utf8', timeout: 30_000 });
      expect(stop.status, stop.stderr).toBe(0);
      expect(await waitFor(() => !alive(pid!), 10_000)).toBe(true);
      expect(spawnSync('sh', [own, 'bogus'], { encoding: 'utf8' }).status).toBe(3);
    } finally {
      await cleanupHome(ownHome);
    }
  });

  it('openrc: a script whose body sh accepts, with depend/start/stop', async () => {
    const file = path.join(dir, 'sentinel.openrc');
    expect((await cli(home, ['startup', 'openrc', '--path', file])).code).toBe(0);
    const script = readFileSync(file, 'utf8');
    expect(script.split('\n')[0]).toBe('#!/sbin/openrc-run');
    for (const fn of ['depend', 'start', 'stop', 'status']) expect(script).toContain(`${fn}() {`);
    execFileSync('sh', ['-n', file]);
  });

  it('launchd: a property list that a plist parser reads, with the launchd keys', async () => {
    const file = path.join(dir, 'sentinel.plist');
    expect((await cli(home, ['startup', 'launchd', '--path', file])).code).toBe(0);
    const read = `import json,plistlib,sys\nprint(json.dumps(plistlib.load(open(sys.argv[1],'rb'))))`;
    const plist = JSON.parse(execFileSync('python3', ['-c', read, file], { encoding: 'utf8' })) as Record<string, unknown>;
    expect(plist.Label).toBe('dev.sentinel.daemon');
    expect((plist.ProgramArguments as string[]).slice(1)).toEqual(['--max-semi-space-size=1', '--optimize-for-size', '--v8-pool-size=1', '--expose-gc', expect.stringMatching(/dist\/daemon-bundle\/main\.js$/)]);
    expect(plist.EnvironmentVariables).toEqual({ SENTINEL_HOME: home });
    expect(plist.RunAtLoad).toBe(true);
    expect(plist.KeepAlive).toEqual({ SuccessfulExit: false });
  });

  it('windows: a WinSW service definition that an XML parser reads', async () => {
    const file = path.join(dir, 'sentinel-service.xml');
    expect((await cli(home, ['startup', 'windows', '--path', file])).code).toBe(0);
    const read = `import sys,xml.etree.ElementTree as E\nr=E.parse(sys.argv[1]).getroot()\nprint(r.tag, r.findtext('id'), r.findtext('executable'), r.find('env').get('value'), r.find('onfailure').get('action'))`;
    const out = execFileSync('python3', ['-c', read, file], { encoding: 'utf8' }).trim().split(' ');
    expect(out[0]).toBe('service');
    expect(out[1]).toBe('sentinel');
    expect(out[2]).toBe(process.execPath);
    expect(out[3]).toBe(home);
    expect(out[4]).toBe('restart');
  });

  it('never overwrites or removes a file it did not write', async () => {
    const file = path.join(dir, 'foreign.service');
    writeFileSync(file, '[Unit]\nDescription=someone else\n');
    const r = await cli(home, ['startup', 'systemd', '--path', file]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('was not written by "sentinel startup"; move it away, or overwrite it with --force');
    const u = await cli(home, ['unstartup', 'systemd', '--path', file]);
    expect(u.code).not.toBe(0);
    expect(u.stderr).toContain('was not written by "sentinel startup"; it was left as it is');
    expect(readFileSync(file, 'utf8')).toContain('someone else');
    expect((await cli(home, ['startup', 'systemd', '--path', file, '--force'])).code).toBe(0);
    expect((await cli(home, ['unstartup', 'systemd', '--path', file])).code).toBe(0);
    expect(existsSync(file)).toBe(false);
  });

  it('bad input is refused with exit 2 and writes nothing', async () => {
    const before = readdirSync(dir).length;
    const kind = await cli(home, ['startup', 'upstart', '--path', path.join(dir, 'x')]);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toContain('expected systemd, initd, openrc, launchd or windows');
    const t = await cli(home, ['startup', 'systemd', '--stop-timeout', 'soon', '--path', path.join(dir, 'y')]);
    expect(t.code).toBe(2);
    expect(t.stderr).toContain('--stop-timeout "soon": expected a duration');
    expect(readdirSync(dir).length).toBe(before);
  });
});

describe('sentinel export systemd', () => {
  it('writes one verified unit per process, with its policy, stop settings, identity, environment and dependencies', async () => {
    const cfg = path.join(dir, 'stack.yaml');
    writeFileSync(cfg, [
      'processes:',
      '  db:',
      '    argv: [sleep, "300"]',
      '    restart: always',
      '    stop_signal: SIGINT',
      '    stop_timeout: 7s',
      '    nice: 5',
      '    env: {PCT: "100%", DOLLAR: "$$HOME", QUOTE: "a \\"b\\""}',
      '  web:',
      '    command: "echo hi && sleep 300"',
      '    restart: {policy: on-failure, max_restarts: 4}',
      '    depends_on: [db]',
      '',
    ].join('\n'));
    const up = await cli(home, ['up', '-f', cfg]);
    expect(up.code, up.stderr).toBe(0);
    const out = path.join(dir, 'units');
    const r = await cli(home, ['export', 'systemd', 'db', 'web', '--dir', out]);
    expect(r.code, r.stderr).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toEqual(['sentinel-db.service', 'sentinel-web.service']);
    const v = verifyUnits(files.map((f) => path.join(out, f)));
    expect(v.out).toBe('');
    expect(v.code).toBe(0);
    const db = readFileSync(path.join(out, 'sentinel-db.service'), 'utf8');
    expect(db).toMatch(/^ExecStart=\/\S+\/sleep 300$/m);
    expect(db).toMatch(/^Restart=always$/m);
    expect(db).toMatch(/^KillSignal=SIGINT$/m);
    expect(db).toMatch(/^TimeoutStopSec=7s$/m);
    expect(db).toMatch(/^Nice=5$/m);
    expect(db).toContain('Environment="PCT=100%%"');
    expect(db).toContain('Environment="QUOTE=a \\"b\\""');
    // Environment= does no $-expansion: the value is written as it is
    expect(db).toContain('Environment="DOLLAR=$HOME"');
    expect(db).not.toMatch(/SENTINEL_/);
    const web = readFileSync(path.join(out, 'sentinel-web.service'), 'utf8');
    expect(web).toContain('ExecStart=/bin/sh -c "echo hi && sleep 300"');
    expect(web).toMatch(/^Requires=sentinel-db\.service$/m);
    expect(web).toMatch(/^After=sentinel-db\.service$/m);
    expect(web).toMatch(/^StartLimitBurst=5$/m);
    expect(web).toMatch(/^Restart=on-failure$/m);
  });

  it('an unknown name is a clear error with a did-you-mean; an unknown format exits 2', async () => {
    const r = await cli(home, ['export', 'systemd', 'wbe', '--dir', path.join(dir, 'none')]);
    // (the stack of the test above is still up: web and db)
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('no process named or numbered "wbe"; did you mean "web"?');
    expect(existsSync(path.join(dir, 'none'))).toBe(false);
    const f = await cli(home, ['export', 'helm']);
    expect(f.code).toBe(2);
    expect(f.stderr).toContain('expected systemd, kubernetes, nomad or compose');
  });
});
