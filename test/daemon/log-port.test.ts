// The log files of a bulk start are opened ahead, together (openAhead): a start takes them, and those
// no start took are closed by the release it returns.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogPort } from '../../src/daemon/log-port.js';
import { logPaths } from '../../src/logs/paths.js';
import { DEFAULT_RESTART_POLICY, DEFAULTS, emptySections, type ProcessSpec } from '../../src/core/spec.js';

const spec = (name: string): ProcessSpec => ({
  name, command: 'sleep', args: ['1'], shell: false, cwd: '/', env: {}, group: null,
  restart: { ...DEFAULT_RESTART_POLICY }, stopSignal: 'SIGTERM', stopTimeoutMs: 1000, startWaitMs: 500, port: null,
  logMaxBytes: DEFAULTS.logMaxBytes, logKeep: 5, ...emptySections(),
});

const rotation = { watch: () => undefined, unwatch: () => undefined, sample: () => undefined };
const isOpen = (fd: number) => {
  try {
    fs.fstatSync(fd);
    return true;
  } catch {
    return false;
  }
};

let dir: string;
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('log port: files opened ahead', () => {
  it('creates the files, hands them to open, and closes those not taken', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-logport-'));
    const logsDir = path.join(dir, 'logs');
    const port = createLogPort(logsDir, rotation);
    const release = await port.openAhead!([{ name: 'a', spec: spec('a') }, { name: 'b', spec: spec('b') }]);
    for (const n of ['a', 'b']) expect(fs.existsSync(logPaths(logsDir, n).stdout) && fs.existsSync(logPaths(logsDir, n).stderr)).toBe(true);
    const a = port.open('a', spec('a'));
    fs.writeSync(a.stdout, 'hello\n');
    expect(fs.readFileSync(logPaths(logsDir, 'a').stdout, 'utf8')).toBe('hello\n');
    // a second open is a plain one: the files opened ahead are taken once
    const again = port.open('a', spec('a'));
    expect(again.stdout).not.toBe(a.stdout);
    const b = port.open('b', spec('b'));
    fs.closeSync(b.stdout);
    fs.closeSync(b.stderr);
    const fdCount = () => fs.readdirSync('/proc/self/fd').length;
    const before = fdCount();
    const c = await port.openAhead!([{ name: 'c', spec: spec('c') }]);
    expect(fdCount()).toBe(before + 2);
    release();
    c();
    expect(fdCount()).toBe(before);
    expect(isOpen(a.stdout) && isOpen(a.stderr)).toBe(true);
    expect(port.open('c', spec('c')).stdout).toBeGreaterThan(2);
    for (const fd of [a.stdout, a.stderr, again.stdout, again.stderr]) fs.closeSync(fd);
  });
});
