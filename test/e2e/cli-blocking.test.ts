// A CLI call over the local socket goes through the native addon's blocking request (native/socket.c), and
// output to a pipe is written with writeSync: neither loads node:net. These check that this path is really
// taken, that it answers exactly as the node:net path (SENTINEL_NATIVE=0), and that its failures are the same:
// a frozen daemon times out with the same message and exit code, a closed pipe ends the command quietly.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanupHome, cli, cliJson, tempHome } from '../helpers.js';
import { nativeAddon } from '../../src/core/native.js';

const JS = { SENTINEL_NATIVE: '0' };
const addon = nativeAddon();

let home: string;
let spy: string;
beforeAll(() => {
  home = tempHome();
  // a preloaded script reports on stderr, at exit, whether node:net was ever loaded
  spy = path.join(home, 'net-spy.cjs');
  writeFileSync(spy, `process.on('exit', () => require('node:fs').writeSync(2, 'net loaded: ' + process.moduleLoadList.includes('NativeModule net') + '\\n'));`);
});
afterAll(async () => { await cleanupHome(home); });

const withSpy = (env: Record<string, string> = {}) => ({ env: { NODE_OPTIONS: `--require ${spy}`, ...env } });
const netLoaded = (stderr: string) => /net loaded: (\w+)/.exec(stderr)?.[1];

describe.skipIf(!addon?.request)('CLI calls without node:net', () => {
  it('list, status and run --no-wait answer without loading node:net, and as the node:net path does', async () => {
    expect((await cli(home, ['run', '--name', 'first', '--no-wait', '--', 'sleep', '300'])).code).toBe(0);
    expect((await cli(home, ['stop', 'first'])).code).toBe(0);
    for (const args of [['list'], ['list', '--json'], ['status', 'first'], ['status', 'first', '--json'], ['ls']]) {
      const blocking = await cli(home, args, withSpy());
      expect(blocking.code, args.join(' ')).toBe(0);
      expect(netLoaded(blocking.stderr), args.join(' ')).toBe('false');
      const js = await cli(home, args, withSpy(JS));
      expect(netLoaded(js.stderr), args.join(' ')).toBe('true');
      expect(js.stdout, args.join(' ')).toBe(blocking.stdout);
    }
    const run = await cli(home, ['run', '--name', 'second', '--no-wait', '--', 'sleep', '300'], withSpy());
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Started second \(id: \d+, pid: \d+\)/);
    expect(netLoaded(run.stderr)).toBe('false');
    const second = await cliJson<{ process: { status: string; pid: number } }>(home, ['status', 'second']);
    expect(second.process.pid).toBeGreaterThan(0);
  });

  it('an error answer is the same on both paths: message, exit code and JSON', async () => {
    for (const args of [['status', 'no-such-process'], ['status', 'no-such-process', '--json'], ['stop', 'no-such-process']]) {
      const blocking = await cli(home, args, withSpy());
      expect(blocking.code, args.join(' ')).not.toBe(0);
      expect(blocking.stderr).toMatch(/no-such-process/);
      const js = await cli(home, args, JS);
      expect({ code: js.code, stdout: js.stdout }).toEqual({ code: blocking.code, stdout: blocking.stdout });
      expect(blocking.stderr).toContain(js.stderr.trim());
    }
  });

  it('a frozen daemon times out after SENTINEL_REQUEST_TIMEOUT with exit code 3, and answers again once thawed', async () => {
    const { pid } = await cliJson<{ pid: number }>(home, ['daemon', 'status']);
    process.kill(pid, 'SIGSTOP');
    try {
      for (const env of [{}, JS]) {
        const r = await cli(home, ['status', 'first'], { env: { SENTINEL_REQUEST_TIMEOUT: '800', ...env } });
        expect(r.code).toBe(3);
        expect(r.stderr).toMatch(/did not answer in time.*SENTINEL_REQUEST_TIMEOUT/);
      }
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect((await cli(home, ['status', 'first'])).code).toBe(0);
  });

  it('a reader that closes the pipe early ends the command with 0 and nothing on stderr', async () => {
    const child = spawn(process.execPath, ['--', BIN, 'list'], { env: { ...process.env, SENTINEL_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // closed before the CLI writes its table
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('the addon refuses bad arguments with a TypeError and names the errno of a failed connect', () => {
    const request = addon!.request!;
    expect(() => request('', Buffer.from('x'), 100)).toThrow(TypeError);
    expect(() => request(path.join(home, 'sentinel.sock'), 'text' as unknown as Buffer, 100)).toThrow(/must be a Buffer/);
    try {
      request(path.join(home, 'no-such.sock'), Buffer.from('x'), 100);
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ errno: 2, syscall: 'connect' });
    }
  });
});
