// `sentinel list` / `ls` [--json] run from a bundle of their own without commander (src/cli/fast.ts,
// picked by bin/sentinel.js). They must answer exactly as the full CLI: the same table, the same JSON, the
// same autostart, the same errors and exit codes. SENTINEL_CLI_FAST=0 forces the full CLI to compare.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, cli, tempHome } from '../helpers.js';

const FULL = { SENTINEL_CLI_FAST: '0' };

let home: string;
beforeAll(() => { home = tempHome(); });
afterAll(async () => { await cleanupHome(home); });

describe('the fast path of list', () => {
  it('starts the daemon on first use and prints the same empty answer as the full CLI', async () => {
    const fast = await cli(home, ['list']);
    expect(fast.code).toBe(0);
    expect(fast.stdout).toBe('No managed processes. Start one with: sentinel run "COMMAND"\n');
    expect(await cli(home, ['list'], { env: FULL })).toEqual(fast);
  });

  it('prints the same table and the same JSON as the full CLI', async () => {
    // stopped processes: no CPU, memory or uptime that could change between the two calls
    for (const name of ['alpha', 'beta']) {
      expect((await cli(home, ['run', 'sleep 300', '--name', name])).code).toBe(0);
      expect((await cli(home, ['stop', name])).code).toBe(0);
    }
    const table = await cli(home, ['ls']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/\| ID \| NAME/);
    expect(table.stdout).toMatch(/alpha .*stopped/);
    expect(await cli(home, ['ls'], { env: FULL })).toEqual(table);

    const json = await cli(home, ['list', '--json']);
    expect(json.code).toBe(0);
    const names = (JSON.parse(json.stdout) as { processes: Array<{ name: string }> }).processes.map((p) => p.name);
    expect(names).toEqual(['alpha', 'beta']);
    expect(await cli(home, ['list', '--json'], { env: FULL })).toEqual(json);
  });

  it('fails the same way as the full CLI on a home that cannot be used', async () => {
    const file = path.join(home, 'not-a-dir');
    writeFileSync(file, 'x');
    const bad = path.join(file, 'home');
    const fast = await cli(bad, ['list']);
    expect(fast.code).not.toBe(0);
    expect(fast.stderr).toMatch(/^Error: /);
    expect(await cli(bad, ['list'], { env: FULL })).toEqual(fast);
    const json = await cli(bad, ['list', '--json']);
    expect(json.code).toBe(fast.code);
    expect(await cli(bad, ['list', '--json'], { env: FULL })).toEqual(json);
  });

  it('is the path bin/sentinel.js takes for exactly these command lines', async () => {
    // a preloaded script notes which CLI bundle bin/sentinel.js reads
    const spy = path.join(home, 'spy.cjs');
    writeFileSync(spy, `const fs = require('node:fs'); const read = fs.readFileSync;
fs.readFileSync = function (file, ...rest) { if (/dist.cli.\\w+\\.cjs$/.test(String(file))) process.stderr.write('bundle ' + require('node:path').basename(String(file)) + '\\n'); return read.call(this, file, ...rest); };`);
    const bundleOf = async (args: string[], env: Record<string, string> = {}) => {
      const r = await cli(home, args, { env: { NODE_OPTIONS: `--require ${spy}`, ...env } });
      return /bundle (\S+)/.exec(r.stderr)?.[1];
    };
    expect(await bundleOf(['list'])).toBe('fast.cjs');
    expect(await bundleOf(['ls', '--json'])).toBe('fast.cjs');
    expect(await bundleOf(['list'], FULL)).toBe('bundle.cjs');
    expect(await bundleOf(['list', '--interval', '1s'])).toBe('bundle.cjs');
    expect(await bundleOf(['status', 'alpha'])).toBe('bundle.cjs');
    expect(await bundleOf(['--context', 'nowhere', 'list'])).toBe('bundle.cjs');
    expect(await bundleOf(['run', '--help'])).toBe('run.cjs');
    expect(await bundleOf(['run', '--help'], FULL)).toBe('bundle.cjs');
    expect(await bundleOf(['--context', 'nowhere', 'run', 'true'])).toBe('bundle.cjs');
  });

  it('run from its own bundle answers as the full CLI: help, bad options, a start', async () => {
    for (const args of [['run', '--help'], ['run', '--nam', 'x', '--', 'true'], ['run', '--restart', 'on-faillure', '--', 'true'], ['run']]) {
      const own = await cli(home, args);
      expect(own.code, args.join(' ')).toBe(args[1] === '--help' ? 0 : 2);
      expect(await cli(home, args, { env: FULL }), args.join(' ')).toEqual(own);
    }
    const started = await cli(home, ['run', '--name', 'gamma', '--no-wait', '--restart', '--max-restarts', '0', '--', 'sleep', '300']);
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/^Started gamma \(id: \d+, pid: \d+\)\n$/);
    const viaFull = await cli(home, ['run', '--name', 'delta', '--no-wait', '--restart', '--max-restarts', '0', '--', 'sleep', '300'], { env: FULL });
    expect(viaFull.code).toBe(0);
    // the same specification reached the daemon either way (apart from the name)
    const spec = async (name: string) => {
      const r = await cli(home, ['status', name, '--json']);
      const { name: _n, id: _i, pid: _p, createdAt: _c, uptimeMs: _u, stdoutLog: _o, stderrLog: _e, definition: _d, cpu: _cpu, memory: _m, ...rest } = (JSON.parse(r.stdout) as { process: Record<string, unknown> }).process;
      return rest;
    };
    expect(await spec('gamma')).toEqual(await spec('delta'));
  });

  it('leaves every other command line to the full CLI (options, help, typos)', async () => {
    // commander answers these: a fast path that took them would print a table or nothing instead
    const help = await cli(home, ['list', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: sentinel list/);
    const typo = await cli(home, ['list', '--jsn']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/unknown option '--jsn'/);
  });
});
