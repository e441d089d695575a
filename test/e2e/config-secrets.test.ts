// Secrets end to end: set from stdin, used as ${secret:NAME} by a real process (which proves it got the
// value by printing its hash), and then every output of the run is collected — CLI, REST API, the daemon
// log, the event log, every file under SENTINEL_HOME — and searched for the value.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanupHome, cli, cliJson, tempHome, waitFor, type CliResult } from '../helpers.js';

let home: string;
let dir: string;
let file: string;
const core = randomBytes(12).toString('hex');
// quotes and a backslash: JSON output escapes them, and the escaped form must be hidden too
const VALUE = `tok"${core}\\end`;
const NEW_VALUE = `rotated-${randomBytes(12).toString('hex')}`;
const ENV = { SENTINEL_LOG_LEVEL: 'debug' };

function cliInput(args: string[], input: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--', BIN, ...args], { env: { ...process.env, ...ENV, SENTINEL_HOME: home }, cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(input);
  });
}

function api(method: string, route: string, body?: unknown): Promise<string> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    const req = http.request({ socketPath: path.join(home, 'sentinel.sock'), path: route, method, headers: { 'content-type': 'application/json' } }, (res) => {
      let out = '';
      res.on('data', (c) => (out += c));
      res.on('end', () => resolve(`${method} ${route} -> ${res.statusCode}\n${out}`));
    });
    req.on('error', reject);
    req.end(text);
  });
}

/** Every regular file under a directory, with its bytes as latin1 text (binary-safe substring search). */
function filesUnder(root: string): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  for (const name of readdirSync(root)) {
    const full = path.join(root, name);
    const st = statSync(full);
    if (st.isDirectory()) out.push(...filesUnder(full));
    else if (st.isFile()) out.push({ file: full, text: readFileSync(full).toString('latin1') });
  }
  return out;
}

const sha = (v: string) => createHash('sha256').update(v).digest('hex');
const forms = (v: string) => [v, JSON.stringify(v).slice(1, -1), v.includes(core) ? core : v];

function expectHidden(outputs: Array<{ where: string; text: string }>, value: string): void {
  const leaks = outputs.filter((o) => forms(value).some((f) => o.text.includes(f))).map((o) => o.where);
  expect(leaks).toEqual([]);
}

beforeAll(() => {
  home = tempHome();
  dir = mkdtempSync(path.join(os.tmpdir(), 'sn-secret-'));
  file = path.join(dir, 'sentinel.yaml');
  writeFileSync(file, `processes:
  consumer:
    argv: [node, -e, "console.log('sha256=' + require('node:crypto').createHash('sha256').update(process.env.TOKEN).digest('hex')); setInterval(() => {}, 1000)"]
    env:
      TOKEN: \${secret:API_TOKEN}
      PLAIN: visible
`);
});
afterAll(async () => {
  await cleanupHome(home);
  rmSync(dir, { recursive: true, force: true });
});

describe('secrets', () => {
  it('refuses a file that uses a secret that does not exist, naming it', async () => {
    const r = await cli(home, ['up'], { cwd: dir, env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'Error: sentinel.yaml has 1 error; nothing was changed:\n' +
        '  - processes.consumer.env.TOKEN: secret "API_TOKEN" is not set; add it with: sentinel secret set API_TOKEN (sentinel.yaml:5:14)\n',
    );
    expect((await cliJson<{ processes: unknown[] }>(home, ['list'], { env: ENV })).processes).toEqual([]);
  });

  it('never shows the value in any output of a run that uses it', async () => {
    const outputs: Array<{ where: string; text: string }> = [];
    const keep = (where: string, r: CliResult | string) => outputs.push({ where, text: typeof r === 'string' ? r : `${r.stdout}\n${r.stderr}` });
    const run = async (args: string[]) => {
      const r = await cli(home, args, { cwd: dir, env: ENV });
      keep(`sentinel ${args.join(' ')}`, r);
      return r;
    };

    const set = await cliInput(['secret', 'set', 'API_TOKEN'], `${VALUE}\n`);
    keep('secret set', set);
    expect(set.stdout).toBe('Set secret API_TOKEN\n');
    expect((await run(['up'])).code).toBe(0);
    const consumer = (await cliJson<{ processes: Array<{ name: string; pid: number }> }>(home, ['list'], { env: ENV })).processes[0];
    // the process really got the value: it printed its hash
    expect(await waitFor(async () => (await cli(home, ['logs', 'consumer'], { env: ENV })).stdout.includes('sha256='))).toBe(true);
    expect((await run(['logs', 'consumer', '--stream', 'stdout'])).stdout).toBe(`sha256=${sha(VALUE)}\n`);

    for (const args of [
      ['up'], ['up', '--json'], ['list'], ['list', '--json'], ['status', 'consumer'], ['status', 'consumer', '--json'],
      ['events'], ['events', '--json', '--limit', '500'], ['config', 'print'], ['config', 'print', '--json'],
      ['config', 'validate'], ['config', 'validate', '--json'], ['reload', '--dry-run'], ['reload', '--json'], ['graph'],
      ['secret', 'list'], ['secret', 'list', '--json'], ['logs', 'consumer'], ['daemon', 'logs'], ['daemon', 'status'],
    ]) await run(args);
    expect(outputs.find((o) => o.where === 'sentinel config print')!.text).toContain('TOKEN: ${secret:API_TOKEN}');
    expect(outputs.find((o) => o.where === 'sentinel secret list --json')!.text).toContain('"usedBy": [\n        "consumer"');

    const clientEnv = { ...process.env, ...ENV, SENTINEL_HOME: home };
    for (const [method, route, body] of [
      ['GET', '/v1/processes'], ['GET', '/v1/processes/consumer'], ['GET', '/v1/events?limit=500'], ['GET', '/v1/groups'],
      ['GET', '/v1/ports'], ['GET', '/v1/daemon'], ['GET', '/v1/daemon/logs'], ['GET', '/v1/processes/consumer/logs'],
      ['POST', '/v1/ops/secret.list', {}], ['POST', '/v1/ops/config.print', { file, env: clientEnv }],
      ['POST', '/v1/ops/config.validate', { file, env: clientEnv }], ['POST', '/v1/ops/reload', { file, env: clientEnv, dryRun: true }],
      ['POST', '/v1/ops/up', { file, env: clientEnv }], ['POST', '/v1/ops/graph', { file, env: clientEnv }],
    ] as Array<[string, string, unknown?]>) keep(`API ${method} ${route}`, await api(method, route, body));

    // rotating the value: reload restarts exactly the process that uses it, with the new value
    const rotated = await cliInput(['secret', 'set', 'API_TOKEN'], NEW_VALUE);
    keep('secret set (rotate)', rotated);
    expect(rotated.stdout).toBe('Updated secret API_TOKEN\nUsed by consumer: run "sentinel reload" to restart them with the new value\n');
    const reload = await run(['reload']);
    expect(reload.stdout).toContain('~ consumer  (changed: source.secretVersions.API_TOKEN)\n');
    const after = (await cliJson<{ processes: Array<{ pid: number }> }>(home, ['list'], { env: ENV })).processes[0];
    expect(after.pid).not.toBe(consumer.pid);
    expect(await waitFor(async () => (await cli(home, ['logs', 'consumer', '--stream', 'stdout'], { env: ENV })).stdout.includes(sha(NEW_VALUE)))).toBe(true);
    await run(['events', '--json', '--limit', '500']);
    await run(['status', 'consumer', '--json']);

    // at rest and in every log: the state database (and its WAL), the daemon log, the process logs
    for (const f of filesUnder(home)) keep(`file ${path.relative(home, f.file)}`, f.text);
    expect(outputs.some((o) => o.where === 'file daemon.log')).toBe(true);
    expect(outputs.some((o) => o.where === 'file state.db')).toBe(true);
    expectHidden(outputs, VALUE);
    expectHidden(outputs, NEW_VALUE);
    expect(statSync(path.join(home, 'secret.key')).mode & 0o777).toBe(0o600);
  });

  it('secret rm removes it (names only in the answer); a second rm and a bad name are clear errors', async () => {
    const rm = await cli(home, ['secret', 'rm', 'API_TOKEN'], { env: ENV });
    expect(rm.stdout).toBe('Removed secret API_TOKEN\nStill referenced by consumer: they keep the old value until restarted, and will then fail to start\n');
    const again = await cli(home, ['secret', 'rm', 'API_TOKEN'], { env: ENV });
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('Error: no secret named "API_TOKEN"; "sentinel secret list" shows the secrets\n');
    const bad = await cliInput(['secret', 'set', '1bad name'], 'x');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('Error: secret name "1bad name" is not valid; use letters, digits, "_", "." and "-", starting with a letter or "_" (e.g. DB_PASSWORD)\n');
    const empty = await cliInput(['secret', 'set', 'EMPTY'], '');
    expect(empty.stderr).toBe('Error: secret "EMPTY": the value is empty; nothing was set\n');
    // restarting a process whose secret is gone fails with the secret's name
    const restart = await cli(home, ['restart', 'consumer'], { env: ENV });
    expect(restart.code).toBe(1);
    expect(restart.stderr).toBe('Error: secret "API_TOKEN" is not set; add it with: sentinel secret set API_TOKEN\n');
    expect((await cli(home, ['secret', 'list'], { env: ENV })).stdout).toBe('No secrets. Add one with: sentinel secret set NAME\n');
  });
});

describe('a process that prints its own secret', () => {
  const LEAK = `leak-${randomBytes(12).toString('hex')}`;
  let leakyFile: string;
  beforeAll(async () => {
    leakyFile = path.join(dir, 'leaky.yaml');
    writeFileSync(leakyFile, 'processes:\n  leaky:\n    command: echo "token is $TOKEN" >&2; exit 1\n    env:\n      TOKEN: ${secret:LEAKY}\n');
    expect((await cliInput(['secret', 'set', 'LEAKY'], LEAK)).code).toBe(0);
  });

  it('up reports the crash with the value hidden in its own answer', async () => {
    const up = await cli(home, ['up', '-f', leakyFile], { env: ENV });
    expect(up.code).toBe(1);
    expect(up.stdout).toContain('Failed leaky: process "leaky" crashed immediately (exit code 1');
    expect(up.stdout).toContain('token is ***');
    expect(up.stdout + up.stderr).not.toContain(LEAK);
  });

  // answers of operations outside the config module (start's error, logs) and the daemon log go through
  // redactSecrets in src/api/server.ts and the logger created in src/daemon/main.ts
  it('hides it in every other answer and in the daemon log', async () => {
    const start = await cli(home, ['start', 'leaky'], { env: ENV });
    const logs = await cli(home, ['logs', 'leaky'], { env: ENV });
    const daemonLog = readFileSync(path.join(home, 'daemon.log'), 'utf8');
    expect(start.stderr).toContain('crashed immediately');
    expect(start.stdout + start.stderr).not.toContain(LEAK);
    expect(logs.stdout).not.toContain(LEAK);
    expect(daemonLog).not.toContain(LEAK);
  });
});

const hasTmux = spawnSync('tmux', ['-V']).status === 0;

describe('secret set on a terminal', () => {
  // needs tmux for a real terminal; without it the prompt cannot be driven
  it.skipIf(!hasTmux)('asks with a hidden prompt: the typed value is never echoed', async () => {
    const session = `sn-secret-${process.pid}`;
    const typed = `typed-${randomBytes(8).toString('hex')}`;
    const tmux = (...args: string[]) => spawnSync('tmux', args, { encoding: 'utf8' });
    const command = `SENTINEL_HOME=${home} ${process.execPath} -- ${BIN} secret set TYPED; echo "exit=$?"; sleep 30`;
    expect(tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '20', command).status).toBe(0);
    try {
      const screen = () => tmux('capture-pane', '-p', '-t', session).stdout;
      expect(await waitFor(() => screen().includes('Value for TYPED:'), 15_000)).toBe(true);
      tmux('send-keys', '-t', session, '-l', typed);
      tmux('send-keys', '-t', session, 'Enter');
      expect(await waitFor(() => screen().includes('exit='), 15_000)).toBe(true);
      expect(screen()).toContain('Set secret TYPED');
      expect(screen()).toContain('exit=0');
      expect(screen()).not.toContain(typed);
    } finally {
      tmux('kill-session', '-t', session);
    }
    expect((await cliJson<{ secrets: Array<{ name: string }> }>(home, ['secret', 'list'], { env: ENV })).secrets.map((s) => s.name)).toContain('TYPED');
  });
});
