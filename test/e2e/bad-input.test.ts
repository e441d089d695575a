// Bad input on purpose: each gets a clear error and a non-zero exit, and the daemon keeps running.
import net from 'node:net';
import http from 'node:http';
import path from 'node:path';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, cleanupHome, cli, cliJson, FIXTURES, readPid, tempHome, waitFor } from '../helpers.js';

let home: string;
beforeAll(async () => {
  home = tempHome();
  await cli(home, ['run', 'sleep 300', '--name', 'anchor']);
});
afterAll(async () => { await cleanupHome(home); });

async function daemonStillAnswers(): Promise<void> {
  const r = await cliJson<{ processes: Array<{ name: string; status: string }> }>(home, ['list']);
  expect(r.processes.find((p) => p.name === 'anchor')?.status).toBe('running');
}

function rawSocket(payload: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.createConnection(path.join(home, 'sentinel.sock'));
    let out = '';
    s.on('data', (d) => (out += d));
    s.on('end', () => resolve(out));
    s.on('error', () => resolve(out));
    s.write(payload);
    setTimeout(() => s.end(), 300);
  });
}

function post(op: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: path.join(home, 'sentinel.sock'), path: `/v1/ops/${op}`, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('names', () => {
  it.each([
    ['../x', 'Error: process name "../x" is not allowed'],
    ['a/b', 'Error: process name "a/b" is not allowed'],
    ['', 'Error: process name is empty'],
    ['x'.repeat(300), 'is 300 characters long; the limit is 64'],
    ['ünïcødé', 'Error: process name "ünïcødé" is not allowed'],
  ])('rejects the name %j before anything starts', async (name, message) => {
    const r = await cli(home, ['run', 'sleep 1', '--name', name]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('rejects a duplicate name', async () => {
    const r = await cli(home, ['run', 'sleep 1', '--name', 'anchor']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error: a process named "anchor" already exists; choose another --name or "sentinel delete anchor" first\n');
  });
});

describe('unknown things and bad values', () => {
  it.each([
    [['status', '999'], 1, 'Error: no process named or numbered "999"; run "sentinel list" to see the managed processes\n'],
    [['stop', 'ghost'], 1, 'Error: no process named or numbered "ghost"; run "sentinel list" to see the managed processes\n'],
    [['run', 'no-such-program-xyz --flag'], 2, 'Error: executable "no-such-program-xyz" was not found in PATH'],
    [['run', 'sleep 1', '--cwd', '/definitely/not/here'], 2, 'Error: working directory /definitely/not/here does not exist or is not a directory; create it or set the working directory (--cwd, or cwd: in a config file) to an existing one\n'],
    [['run', 'sleep 1', '--name', 'w', '--wait', 'soon'], 2, 'Error: parameter "wait": expected a duration like "5s", got "soon"\n'],
    [['run', 'sleep 1', '--name', 'sig', '--stop-signal', 'SIGNOPE'], 2, 'Error: stop signal "SIGNOPE" is not a known signal; use a name like SIGTERM, SIGINT or SIGQUIT\n'],
    [['run', 'sleep 1', '--name', 'ef', '--env-file', 'missing.env'], 2, 'Error: env file'],
    [['run', 'sleep 1', '--name', 'ev', '--env', 'NOEQUALS'], 2, 'Error: --env "NOEQUALS": expected KEY=VALUE'],
    [['run', 'sleep 1', '--name', 'rp', '--restart', 'sometimes', '--no-wait'], 2, 'Error: executable "sometimes" was not found'],
    [['logs', 'anchor', '--stream', 'both-ish'], 2, 'Error: --stream "both-ish": expected stdout or stderr\n'],
    [['run', 'sleep 1', '--name', 'lm', '--log-max-size', 'huge'], 2, 'Error: parameter "logMaxSize": expected a size like "500M", got "huge"\n'],
  ])('sentinel %j', async (args, code, message) => {
    const r = await cli(home, args as string[]);
    expect(r.code).toBe(code);
    expect(r.stderr.startsWith(message as string) || r.stderr.includes(message as string)).toBe(true);
    await daemonStillAnswers();
  });

  it('keeps a failed start on record with its stderr for inspection', async () => {
    const r = await cli(home, ['run', '--name', 'broken', '--', path.join(FIXTURES, 'crash.sh')]);
    expect(r.code).toBe(1);
    const logs = await cli(home, ['logs', 'broken', '--stream', 'stderr']);
    expect(logs.stdout).toBe('fatal: cannot open config.yml\n');
  });
});

describe('the socket', () => {
  it('survives garbage, malformed JSON and wrong types, answering with clear errors', async () => {
    const garbage = await rawSocket('\x00\x01\x02 this is not HTTP at all\r\n\r\n');
    expect(garbage).toContain('400 Bad Request');
    const bad = await post('run', '{"command": "sleep 1", ');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.code).toBe('BAD_REQUEST');
    expect(JSON.parse(bad.body).error.message).toContain('request body is not valid JSON');
    const arr = await post('list', '[1,2,3]');
    expect(arr.status).toBe(400);
    const wrongType = await post('run', '{"command": 42}');
    expect(wrongType.status).toBe(422);
    expect(JSON.parse(wrongType.body).error.message).toBe('parameter "command": expected a string, got 42');
    const unknown = await post('explode', '{}');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body).error).toEqual({ code: 'ROUTE_NOT_FOUND', message: 'no operation "explode"; GET /v1/openapi.json (or "sentinel api schema") lists the operations' });
    const notFound = await post('status', '{"ref": "nobody"}');
    expect(notFound.status).toBe(404);
    await daemonStillAnswers();
  });
});

describe('misbehaving children and a hostile environment', () => {
  it('a child flooding stderr does not disturb the daemon; all of it is on disk', async () => {
    await cli(home, ['run', '--name', 'flood', '--', process.execPath, path.join(FIXTURES, 'flood.js'), '20000', 'stderr']);
    const file = path.join(home, 'logs/flood.stderr.log');
    expect(await waitFor(async () => (await cliJson<{ process: { status: string } }>(home, ['status', 'flood'])).process.status === 'exited', 20_000, 100)).toBe(true);
    const { readFileSync } = await import('node:fs');
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(20000);
    expect(lines[19999]).toMatch(/^line 00019999 x+$/);
    await daemonStillAnswers();
  });

  it('a cwd that disappears makes the next start fail clearly', async () => {
    const dir = path.join(home, 'vanishing');
    mkdirSync(dir);
    await cli(home, ['run', 'sleep 300', '--name', 'vanish', '--cwd', dir]);
    await cli(home, ['stop', 'vanish']);
    rmSync(dir, { recursive: true });
    const r = await cli(home, ['start', 'vanish']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`Error: working directory ${dir} does not exist or is not a directory; create it or set the working directory (--cwd, or cwd: in a config file) to an existing one\n`);
    await daemonStillAnswers();
  });

  it('a log directory that cannot be written gives a clear error', async () => {
    const other = tempHome();
    try {
      // "logs" is a regular file here, so no log file can be created below it (chmod does not stop root)
      writeFileSync(path.join(other, 'logs'), 'not a directory');
      const r = await cli(other, ['run', 'sleep 300', '--name', 'nolog']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`Error: log directory ${path.join(other, 'logs')} is not writable (`);
      const list = await cliJson<{ processes: Array<{ name: string; status: string }> }>(other, ['list']);
      expect(list.processes).toEqual([expect.objectContaining({ name: 'nolog', status: 'stopped' })]);
    } finally {
      await cleanupHome(other);
    }
  });

  it("a malformed CLI timing (SENTINEL_REQUEST_TIMEOUT, SENTINEL_DAEMON_START_TIMEOUT) is refused with its name, not taken as the default", async () => {
    for (const [name, value] of [['SENTINEL_REQUEST_TIMEOUT', '2m'], ['SENTINEL_DAEMON_START_TIMEOUT', '-1']]) {
      const r = await cli(home, ['list'], { env: { [name]: value } });
      expect(r.code, r.stderr).not.toBe(0);
      expect(r.stderr).toContain(`${name} must be a whole number of milliseconds of at least 1 (got ${JSON.stringify(value)}); unset it for the default`);
    }
    await daemonStillAnswers();
  });

  it("a malformed daemon log limit or notification window stops the daemon's start with its name (it was silently the default)", async () => {
    const other = tempHome();
    try {
      const r = await cli(other, ['daemon', 'start'], { env: { SENTINEL_DAEMON_LOG_KEEP: 'three' } });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/SENTINEL_DAEMON_LOG_KEEP must be a whole number of files, 0 or more \(got "three"\)/);
      const size = await cli(other, ['daemon', 'start'], { env: { SENTINEL_DAEMON_LOG_MAX_SIZE: 'huge' } });
      expect(size.code).not.toBe(0);
      expect(size.stderr).toMatch(/SENTINEL_DAEMON_LOG_MAX_SIZE: expected a size like "512K", "10M" or "1G", got "huge"; unset it for the default of 10M/);
      const window = await cli(other, ['daemon', 'start'], { env: { SENTINEL_NOTIFY_WINDOW: 'often' } });
      expect(window.code).not.toBe(0);
      expect(window.stderr).toMatch(/SENTINEL_NOTIFY_WINDOW: .*"often"; unset it for the default of 5m/);
    } finally {
      await cleanupHome(other);
    }
  });

  it('the daemon is still the same process after all of this', async () => {
    const pid = readPid(path.join(home, 'daemon.pid'))!;
    expect(alive(pid)).toBe(true);
    await daemonStillAnswers();
  });
});
