// SENTINEL_SECRET_KEY exported in the shell: the key is used, but never captured with the environment,
// stored in state.db, written to any file under SENTINEL_HOME, or handed to a process.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanupHome, cli, cliJson, tempHome } from '../helpers.js';

let home: string;
const KEY = randomBytes(32).toString('base64');
const SHELL = { SENTINEL_SECRET_KEY: KEY, SENTINEL_LOG_LEVEL: 'debug', SENTINEL_SOMETHING_ELSE: 'own-variable' };

beforeAll(() => { home = tempHome('snfs-'); });
afterAll(async () => { await cleanupHome(home); });

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) return [];
    return st.isDirectory() ? filesUnder(p) : st.isFile() ? [p] : [];
  });
}

function environOf(pid: number): Record<string, string> {
  const raw = readFileSync(`/proc/${pid}/environ`, 'utf8');
  return Object.fromEntries(raw.split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

function setSecret(name: string, value: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--', BIN, 'secret', 'set', name], { env: { ...process.env, SENTINEL_HOME: home, ...SHELL }, stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('exit', (code) => resolve(code ?? 1));
    child.stdin.end(value);
  });
}

describe('the secret key in the shell', () => {
  it('is used by the daemon but reaches neither state.db, nor any file under SENTINEL_HOME, nor a process', async () => {
    // the first command (with the key exported) starts the daemon
    expect((await cli(home, ['run', '--name', 'plain', '--', 'sleep', '300'], { env: SHELL })).code).toBe(0);
    expect(await setSecret('DB_PASSWORD', 'hunter2-value')).toBe(0);
    expect((await cli(home, ['run', '--name', 'withsecret', '--env', 'DB_PASSWORD=${secret:DB_PASSWORD}', '--', 'sleep', '300'], { env: SHELL })).code).toBe(0);
    const file = path.join(home, 'stack.yaml');
    writeFileSync(file, 'processes:\n  fromfile:\n    command: sleep 300\n    instances: 2\n');
    expect((await cli(home, ['up', '-f', file], { env: SHELL })).code).toBe(0);
    expect((await cli(home, ['schedule', 'add', 'tick', '--every', '1h', '--', 'true'], { env: SHELL })).code).toBe(0);

    const list = await cliJson<{ processes: Array<{ name: string; pid: number | null; status: string }> }>(home, ['list'], { env: SHELL });
    const running = list.processes.filter((p) => p.status === 'running' && p.pid);
    expect(running.map((p) => p.name).sort()).toEqual(['fromfile:0', 'fromfile:1', 'plain', 'withsecret'].sort());

    for (const p of running) {
      const env = environOf(p.pid!);
      expect(Object.values(env).some((v) => v.includes(KEY)), `${p.name} environ`).toBe(false);
      // no Sentinel variable but the per-instance one the daemon sets
      expect(Object.keys(env).filter((k) => k.startsWith('SENTINEL_')).sort(), p.name).toEqual(['SENTINEL_INSTANCE']);
      expect(env.SENTINEL_INSTANCE, p.name).toMatch(/^\d+$/);
      expect(env.PATH, p.name).toBe(process.env.PATH);
    }
    // the secret still resolves into its process: the key was used
    expect(environOf(running.find((p) => p.name === 'withsecret')!.pid!).DB_PASSWORD).toBe('hunter2-value');

    // a clean stop writes everything (WAL checkpoint) before the files are read
    expect((await cli(home, ['daemon', 'stop'])).code).toBe(0);
    const files = filesUnder(home);
    expect(files.some((f) => f.endsWith('state.db'))).toBe(true);
    for (const f of files) {
      const bytes = readFileSync(f);
      expect(bytes.includes(Buffer.from(KEY)), f).toBe(false);
      expect(bytes.includes(Buffer.from('own-variable')), f).toBe(false);
      expect(bytes.includes(Buffer.from('hunter2-value')), f).toBe(false);
    }
  }, 180_000);

  it('an API client sending SENTINEL_* variables has them dropped: not stored, not inherited', async () => {
    // any command starts the daemon again (this time without the key in its environment)
    expect((await cli(home, ['list'])).code).toBe(0);
    const marker = `leak-${randomBytes(8).toString('hex')}`;
    const body = JSON.stringify({ command: 'sleep', args: ['300'], name: 'apiclient', env: { PATH: process.env.PATH, SENTINEL_SECRET_KEY: marker, SENTINEL_HOME: marker, SENTINEL_INSTANCE: marker, KEEP: 'me' } });
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ socketPath: path.join(home, 'sentinel.sock'), path: '/v1/processes', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(answer.status).toBe(200);
    const pid = (JSON.parse(answer.body) as { process: { pid: number } }).process.pid;
    const env = environOf(pid);
    expect(env.KEEP).toBe('me');
    // only the daemon's own per-instance value, never the client's
    expect(Object.keys(env).filter((k) => k.startsWith('SENTINEL_'))).toEqual(['SENTINEL_INSTANCE']);
    expect(env.SENTINEL_INSTANCE).toBe('0');
    expect((await cli(home, ['daemon', 'stop'])).code).toBe(0);
    for (const f of filesUnder(home)) expect(readFileSync(f).includes(Buffer.from(marker)), f).toBe(false);
  }, 60_000);
});
