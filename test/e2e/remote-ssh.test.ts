// Remote hosts over SSH against a real sshd on loopback: the CLI reaches the remote daemon's Unix socket through
// an SSH channel (no TCP port), starts it on first use over an exec channel, streams, refuses unknown or changed
// host keys, and fails clearly (no hang) when the connection drops mid-stream.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, alive, cleanupHome, cli, readPid, tempHome, waitFor } from '../helpers.js';
import { startSshd, type Sshd } from './sshd.js';

let sshd: Sshd;
let localHome: string;
let remoteHome: string;
let configDir: string;
let env: Record<string, string>;
let host: string;
const remoteCommand = `${process.execPath} ${BIN}`;

function remote(args: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}) {
  return cli(localHome, ['--host', host, '--remote-home', remoteHome, '--remote-command', remoteCommand, ...args], { env: { ...env, ...opts.env }, timeoutMs: opts.timeoutMs });
}

beforeAll(async () => {
  sshd = await startSshd();
  localHome = tempHome('sn-loc-');
  remoteHome = tempHome('sn-rem-');
  configDir = tempHome('sn-cfg-');
  host = `root@127.0.0.1:${sshd.port}`;
  // the client's own ~/.ssh (key, known_hosts) and no agent: what the test controls is all there is
  env = { HOME: sshd.clientHome, SSH_AUTH_SOCK: '', SENTINEL_CONFIG_DIR: configDir };
}, 30_000);

afterAll(async () => {
  await cleanupHome(remoteHome);
  await cleanupHome(localHome);
  sshd?.stop();
});

describe('sentinel --host user@host:port', () => {
  it('starts the remote daemon on first use and runs commands through the tunnel, never a local daemon', async () => {
    const r = await remote(['run', '--name', 'echoer', '--', process.execPath, '-e', "setInterval(() => console.log('tick ' + Date.now()), 100)"]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // the daemon that answered is the remote one (its home), and none was started locally
    const pid = readPid(path.join(remoteHome, 'daemon.pid'));
    expect(pid && alive(pid)).toBe(true);
    expect(existsSync(path.join(localHome, 'daemon.pid'))).toBe(false);
    const list = await remote(['list', '--json']);
    expect(list.code).toBe(0);
    const procs = JSON.parse(list.stdout).processes as Array<{ name: string; state: string }>;
    expect(procs.map((p) => p.name)).toEqual(['echoer']);
    // the remote daemon serves its Unix socket only: no TCP API was opened for the tunnel
    const st = await remote(['daemon', 'status', '--json']);
    expect(st.code).toBe(0);
    expect(JSON.parse(st.stdout).api ?? null).toBeNull();
  }, 60_000);

  it('up -f sends the file content: the remote daemon keeps its own copy under its home', async () => {
    const dir = tempHome('sn-stack-');
    const file = path.join(dir, 'stack.yaml');
    writeFileSync(file, `processes:\n  web:\n    command: ${process.execPath} -e "console.log(process.cwd()); setInterval(() => {}, 1000)"\n`);
    const up = await remote(['up', '-f', file, '--json']);
    expect(up.stderr).toBe('');
    const result = JSON.parse(up.stdout) as { file: string; created: string[] };
    expect(result.created).toEqual(['web']);
    expect(result.file.startsWith(path.join(remoteHome, 'stacks') + '/')).toBe(true);
    expect(readFileSync(result.file, 'utf8')).toBe(readFileSync(file, 'utf8'));
    // the same local file maps to the same stack: down finds and removes what up created
    const down = await remote(['down', '-f', file, '--json']);
    expect(down.code).toBe(0);
    expect(JSON.parse(down.stdout).removed).toEqual(['web']);
  }, 60_000);

  it('runs the daemon commands that act on the remote machine there (daemon logs)', async () => {
    const r = await remote(['daemon', 'logs', '-n', '5']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('No daemon log');
    expect(r.stdout.trim().split('\n').length).toBeGreaterThan(0);
  }, 30_000);

  it('streams logs --follow, and a dropped SSH connection ends it with a clear error instead of hanging', async () => {
    const child = spawn(process.execPath, ['--', BIN, '--host', host, '--remote-home', remoteHome, '--remote-command', remoteCommand, 'logs', 'echoer', '--follow', '--lines', '0'], {
      env: { ...process.env, SENTINEL_HOME: localHome, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      expect(await waitFor(() => (out.match(/tick \d+/g) ?? []).length >= 3, 20_000)).toBe(true);
      // kill the sshd processes serving this connection (not the listener)
      const sessions = sshd.sessions();
      expect(sessions.length).toBeGreaterThan(0);
      for (const p of sessions) process.kill(p, 'SIGKILL');
      const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000))]);
      expect(code).not.toBe('hung');
      expect(code).not.toBe(0);
      expect(err).toMatch(/SSH connection to root@127\.0\.0\.1:\d+ was lost/);
      expect(err).not.toMatch(/at .*\.js:\d+/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);

  it('streams events --follow through the tunnel', async () => {
    const child = spawn(process.execPath, ['--', BIN, '--host', host, '--remote-home', remoteHome, '--remote-command', remoteCommand, 'events', '--follow', '--json'], {
      env: { ...process.env, SENTINEL_HOME: localHome, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    try {
      await new Promise((r) => setTimeout(r, 1500));
      const r = await remote(['restart', 'echoer']);
      expect(r.code).toBe(0);
      expect(await waitFor(() => /echoer/.test(out) && /restart|stopp|start/i.test(out), 20_000)).toBe(true);
    } finally {
      child.kill('SIGINT');
    }
  }, 60_000);
});

describe('the remote home', () => {
  it('--remote-home ~/DIR is under the remote user\'s $HOME, learned over SSH', async () => {
    // sshd logs in as root, whose home is this test's user's home (the test runs as root)
    const dir = tempHome('sn-rem4-');
    const rel = `~/${path.relative(os.userInfo().homedir, dir)}`;
    try {
      // daemon status never starts one: it says which home on which host has none
      const st = await cli(localHome, ['--host', host, '--remote-home', rel, 'daemon', 'status', '--json'], { env });
      expect(st.code).toBe(1);
      expect(JSON.parse(st.stdout)).toEqual({ running: false, home: dir, host: `root@127.0.0.1:${sshd.port}` });
      const r = await cli(localHome, ['--host', host, '--remote-home', rel, '--remote-command', remoteCommand, 'list', '--json'], { env });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(existsSync(path.join(dir, 'daemon.pid'))).toBe(true);
    } finally {
      await cleanupHome(dir);
    }
  }, 30_000);
});

describe('~/.ssh/config and ssh-agent', () => {
  it('a Host alias gives host, port and user; the key comes from the agent alone', async () => {
    const home = tempHome('sn-agent-');
    mkdirSync(path.join(home, '.ssh'), { mode: 0o700 });
    copyFileSync(path.join(sshd.clientHome, '.ssh/known_hosts'), path.join(home, '.ssh/known_hosts'));
    writeFileSync(path.join(home, '.ssh/config'), `Host testbox\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User root\n`);
    // no key file in this HOME: only the agent holds the key
    const sock = path.join(home, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      expect(await waitFor(() => existsSync(sock), 10_000)).toBe(true);
      execFileSync('ssh-add', [path.join(sshd.clientHome, '.ssh/id_ed25519')], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'pipe' });
      const r = await cli(localHome, ['--host', 'testbox', '--remote-home', remoteHome, '--remote-command', remoteCommand, 'list', '--json'], { env: { ...env, HOME: home, SSH_AUTH_SOCK: sock } });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(Array.isArray(JSON.parse(r.stdout).processes)).toBe(true);
      expect(existsSync(path.join(remoteHome, 'daemon.pid'))).toBe(true);
      // without the agent there is no key at all: said plainly
      const none = await cli(localHome, ['--host', 'testbox', '--remote-home', remoteHome, 'list'], { env: { ...env, HOME: home } });
      expect(none.code).not.toBe(0);
      expect(none.stderr).toContain('no SSH key to log in to root@127.0.0.1:');
    } finally {
      agent.kill('SIGKILL');
    }
  }, 30_000);
});

describe('host keys', () => {
  it('refuses a changed host key, says how to fix it, and starts nothing', async () => {
    const home = tempHome('sn-kh-');
    mkdirSync(path.join(home, '.ssh'), { mode: 0o700 });
    writeFileSync(path.join(home, '.ssh/id_ed25519'), readFileSync(path.join(sshd.clientHome, '.ssh/id_ed25519')), { mode: 0o600 });
    // another ed25519 key under this host's name
    writeFileSync(path.join(home, '.ssh/known_hosts'), `[127.0.0.1]:${sshd.port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBsDtoxyYyt6LxHUIVxIFlZqsDqLw8H8D4lUy+v+HvRw\n`);
    const other = tempHome('sn-rem2-');
    const r = await cli(localHome, ['--host', host, '--remote-home', other, '--remote-command', remoteCommand, 'list'], { env: { ...env, HOME: home } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/host key of \[127\.0\.0\.1\]:\d+ has CHANGED/);
    expect(r.stderr).toContain("ssh-keygen -R '[127.0.0.1]:");
    expect(existsSync(path.join(other, 'daemon.pid'))).toBe(false);
    // daemon status reports the refusal, not "not running"
    const st = await cli(localHome, ['--host', host, '--remote-home', other, 'daemon', 'status'], { env: { ...env, HOME: home } });
    expect(st.code).not.toBe(0);
    expect(st.stderr).toMatch(/has CHANGED/);
    expect(st.stdout).not.toContain('not running');
  }, 30_000);

  it('refuses an unknown host and says how to add its key', async () => {
    const home = tempHome('sn-kh-');
    mkdirSync(path.join(home, '.ssh'), { mode: 0o700 });
    writeFileSync(path.join(home, '.ssh/id_ed25519'), readFileSync(path.join(sshd.clientHome, '.ssh/id_ed25519')), { mode: 0o600 });
    const r = await cli(localHome, ['--host', host, '--remote-home', remoteHome, 'list'], { env: { ...env, HOME: home } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/host key of \[127\.0\.0\.1\]:\d+ is unknown \(it offers ssh-ed25519 SHA256:/);
    expect(r.stderr).toContain(`ssh-keyscan -p ${sshd.port} 127.0.0.1 >> ~/.ssh/known_hosts`);
  }, 30_000);

  it('accepts a hashed known_hosts entry', async () => {
    const home = tempHome('sn-kh-');
    mkdirSync(path.join(home, '.ssh'), { mode: 0o700 });
    writeFileSync(path.join(home, '.ssh/id_ed25519'), readFileSync(path.join(sshd.clientHome, '.ssh/id_ed25519')), { mode: 0o600 });
    const kh = path.join(home, '.ssh/known_hosts');
    writeFileSync(kh, `[127.0.0.1]:${sshd.port} ${sshd.hostKeyPub}\n`);
    spawn('ssh-keygen', ['-H', '-f', kh]);
    expect(await waitFor(() => readFileSync(kh, 'utf8').startsWith('|1|'), 10_000)).toBe(true);
    const r = await cli(localHome, ['--host', host, '--remote-home', remoteHome, '--remote-command', remoteCommand, 'list', '--json'], { env: { ...env, HOME: home } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }, 30_000);
});

describe('bad input', () => {
  it('rejects a malformed --host before connecting', async () => {
    for (const bad of ['root@', 'root@host:99999', 'root@ho st', 'r oot@host']) {
      const r = await cli(localHome, ['--host', bad, 'list'], { env });
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain('give user@host or user@host:port');
    }
  });

  it('says when nothing listens for SSH', async () => {
    const r = await cli(localHome, ['--host', 'root@127.0.0.1:1', '--remote-home', remoteHome, 'list'], { env });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('nothing accepts SSH connections at 127.0.0.1:1');
  });

  it('says when the remote command is not installed', async () => {
    const other = tempHome('sn-rem3-');
    const r = await cli(localHome, ['--host', host, '--remote-home', other, '--remote-command', 'no-such-sentinel-xyz', 'list'], { env });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('"no-such-sentinel-xyz" was not found on root@127.0.0.1');
  }, 30_000);

  it('rejects --remote-home without a host, and a relative one', async () => {
    const a = await cli(localHome, ['--remote-home', '/tmp/x', 'list'], { env });
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('--remote-home and --remote-command are for a remote daemon');
    const b = await cli(localHome, ['--host', host, '--remote-home', 'rel/dir', 'list'], { env });
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('must be an absolute path on the remote host');
    expect(existsSync(path.join(localHome, 'daemon.pid'))).toBe(false);
  });
});

describe('contexts', () => {
  it('add, use, list and rm; the current context routes every command; SENTINEL_HOST and --host win', async () => {
    const c = (args: string[], extra: Record<string, string> = {}) => cli(localHome, args, { env: { ...env, ...extra } });
    expect((await c(['context', 'add', 'prod', '--ssh', host, '--remote-home', remoteHome, '--remote-command', remoteCommand])).code).toBe(0);
    const dup = await c(['context', 'add', 'prod', '--ssh', host]);
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toContain('a context named "prod" exists');
    expect((await c(['context', 'use', 'prod'])).code).toBe(0);
    const list = JSON.parse((await c(['context', 'list', '--json'])).stdout);
    expect(list.current).toBe('prod');
    expect(list.contexts.map((x: { name: string }) => x.name)).toEqual(['local', 'prod']);
    expect(readFileSync(path.join(configDir, 'contexts.yaml'), 'utf8')).toContain('current: prod');
    // through the context: the remote daemon's processes
    const names = JSON.parse((await c(['list', '--json'])).stdout).processes.map((p: { name: string }) => p.name);
    expect(names).toContain('echoer');
    // back to local: this machine's daemon (started on first use in localHome) has none of them
    expect((await c(['context', 'use', 'local'])).code).toBe(0);
    const local = JSON.parse((await c(['list', '--json'])).stdout).processes;
    expect(local).toEqual([]);
    // SENTINEL_HOST (with its SENTINEL_REMOTE_* companions) picks the host without a context
    const viaEnv = await c(['list', '--json'], { SENTINEL_HOST: host, SENTINEL_REMOTE_HOME: remoteHome, SENTINEL_REMOTE_COMMAND: remoteCommand });
    expect(JSON.parse(viaEnv.stdout).processes.map((p: { name: string }) => p.name)).toContain('echoer');
    // --context for one command
    const one = JSON.parse((await c(['--context', 'prod', 'list', '--json'])).stdout).processes.map((p: { name: string }) => p.name);
    expect(one).toContain('echoer');
    expect((await c(['context', 'rm', 'prod'])).code).toBe(0);
    expect(JSON.parse((await c(['context', 'list', '--json'])).stdout).contexts.map((x: { name: string }) => x.name)).toEqual(['local']);
  }, 90_000);

  it('rejects bad names, bad targets and unknown contexts, changing nothing', async () => {
    const c = (args: string[]) => cli(localHome, args, { env });
    const before = existsSync(path.join(configDir, 'contexts.yaml')) ? readFileSync(path.join(configDir, 'contexts.yaml'), 'utf8') : '';
    const badName = await c(['context', 'add', 'no/slash', '--ssh', host]);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toContain('context name "no/slash" is not valid');
    const local = await c(['context', 'add', 'local', '--ssh', host]);
    expect(local.stderr).toContain('"local" is reserved');
    const badSsh = await c(['context', 'add', 'x', '--ssh', 'root@:22']);
    expect(badSsh.code).toBe(2);
    const unknown = await c(['context', 'use', 'nope']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('no context named "nope"');
    const viaFlag = await c(['--context', 'nope', 'list']);
    expect(viaFlag.code).not.toBe(0);
    expect(viaFlag.stderr).toContain('no context named "nope"');
    const after = existsSync(path.join(configDir, 'contexts.yaml')) ? readFileSync(path.join(configDir, 'contexts.yaml'), 'utf8') : '';
    expect(after).toBe(before);
  }, 30_000);
});
