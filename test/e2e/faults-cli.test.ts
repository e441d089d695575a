// Bad CLI invocations: every one exits non-zero (2 for bad input) with a clear message and starts nothing;
// an unknown command is never answered with a destructive suggestion for an unrelated word.
import path from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, cli, cliJson, tempHome } from '../helpers.js';

let home: string;
beforeAll(async () => {
  home = tempHome('snfc-');
  // a process to aim logs, stop and policy at
  expect((await cli(home, ['run', 'sleep 300', '--name', 'web'])).code).toBe(0);
});
afterAll(async () => { await cleanupHome(home); });

const NUMBER = (flag: string, value: string, range: string, example: number) => `Error: ${flag} ${JSON.stringify(value)}: expected a whole number from ${range}, e.g. ${example}\n`;

const BAD: Array<[string[], number, string]> = [
  [['run', '--log-keep', 'abc', 'sleep 300'], 2, NUMBER('--log-keep', 'abc', '0 to 1000', 5)],
  [['run', '--log-keep', '3x', 'sleep 300'], 2, NUMBER('--log-keep', '3x', '0 to 1000', 5)],
  [['run', '--log-keep', '-1', 'sleep 300'], 2, NUMBER('--log-keep', '-1', '0 to 1000', 5)],
  [['run', '--log-keep', '1.5', 'sleep 300'], 2, NUMBER('--log-keep', '1.5', '0 to 1000', 5)],
  [['run', '--log-keep', '', 'sleep 300'], 2, NUMBER('--log-keep', '', '0 to 1000', 5)],
  [['run', '--stop-signal', '', 'sleep 300'], 2, 'Error: --stop-signal "": expected a value (signal)\n'],
  [['run', '--cwd', '', 'sleep 300'], 2, 'Error: --cwd "": expected a value (dir)\n'],
  [['run', '--name', 'x1', '--group', '', 'sleep 300'], 2, 'Error: --group "": expected a value (group)\n'],
  [['run', '--name', 'x2', '--port', '', 'sleep 300'], 2, 'Error: --port "": expected a value (port)\n'],
  [['run', '--name', 'x3', '--nice', 'abc', 'sleep 300'], 2, 'Error: --nice "abc": expected a whole number from -20 (highest priority) to 19 (lowest), e.g. --nice 10\n'],
  [['run', '--name', 'x4', '--nice', '99', 'sleep 300'], 2, 'Error: --nice 99: expected a whole number from -20 (highest priority) to 19 (lowest), e.g. --nice 10\n'],
  [['run', '--name', 'x5', '--max-restarts', 'abc', 'sleep 300'], 2, 'Error: parameter "maxRestarts": expected a whole number from 0 to 1000000, e.g. 5, got "abc"\n'],
  [['run', '--name', 'x6', '--max-restarts', '-1', 'sleep 300'], 2, 'Error: parameter "maxRestarts": expected a whole number from 0 to 1000000, e.g. 5, got -1\n'],
  [['run', '--name', 'x7', '--instances', 'two', 'sleep 300'], 2, 'Error: --instances "two": expected a whole number from 1 to 1000 (e.g. --instances 4)\n'],
  [['run', '--name', 'x8', '--health-retries', 'x', 'sleep 300'], 2, NUMBER('--health-retries', 'x', '1 to 1000', 3)],
  [['run', '--name', 'x8b', '--health-retries', '5', 'sleep 300'], 2, 'Error: --health-retries: only applies with a liveness check, as in --health-http http://127.0.0.1:8080/health --health-retries 3\n'],
  [['run', '--name', 'x8c', '--health-interval', '5s', 'sleep 300'], 2, 'Error: --health-interval: only applies with a liveness check, as in --health-http http://127.0.0.1:8080/health --health-interval 10s\n'],
  [['run', '--name', 'x8d', '--health-action', 'notify', 'sleep 300'], 2, 'Error: --health-action: only applies with a liveness check, as in --health-http http://127.0.0.1:8080/health --health-action notify\n'],
  [['run', '--name', 'x9', '--restart-delay', '', 'sleep 300'], 2, 'Error: --restart-delay "": expected a value (duration)\n'],
  [['run', '--name', 'x10', '--env', 'A=B', '--env', '', 'sleep 300'], 2, 'Error: --env "": expected a value (KEY=VALUE)\n'],
  [['run', '--name', 'x11', '--env', 'SENTINEL_SECRET_KEY=abc', 'sleep 300'], 2, `Error: parameter "envVars": Sentinel's own variables (SENTINEL_*) are not passed to processes, got "SENTINEL_SECRET_KEY"\n`],
  [['port', 'allocate', '--port', 'abc'], 2, NUMBER('--port', 'abc', '1 to 65535', 8000)],
  [['port', 'allocate', '--port', '0'], 2, NUMBER('--port', '0', '1 to 65535', 8000)],
  [['port', 'allocate', '--port', '70000'], 2, NUMBER('--port', '70000', '1 to 65535', 8000)],
  [['port', 'allocate', '--name', ''], 2, 'Error: --name "": expected a value (name)\n'],
  [['port', 'free', 'abc'], 2, NUMBER('port', 'abc', '1 to 65535', 8000)],
  [['logs', 'web', '--lines', 'abc'], 2, NUMBER('--lines', 'abc', '0 to 10000000', 100)],
  [['logs', 'web', '--lines', '3x'], 2, NUMBER('--lines', '3x', '0 to 10000000', 100)],
  [['logs', 'web', '--stream', 'both'], 2, 'Error: --stream "both": expected stdout or stderr\n'],
  [['logs', 'web', '--since', ''], 2, 'Error: --since "": expected a value (time)\n'],
  [['events', '--limit', 'abc'], 2, NUMBER('--limit', 'abc', '0 to 100000', 50)],
  [['events', '--limit', '-5'], 2, NUMBER('--limit', '-5', '0 to 100000', 50)],
  [['daemon', 'logs', '--lines', 'x'], 2, NUMBER('--lines', 'x', '1 to 1000000', 100)],
  [['notify', 'remove', 'first'], 2, NUMBER('number', 'first', '1 to 1000000', 1)],
  [['schedule', 'history', 'x', '--limit', 'ten'], 2, 'Error: parameter "limit": expected a whole number from 1 to 1000, e.g. 20, got "ten"\n'],
  [['schedule', 'next', 'x', '--count', '1.5'], 2, 'Error: parameter "n": expected a whole number from 1 to 1000, e.g. 5, got "1.5"\n'],
  [['schedule', 'add', 'job', '--every', '5m', '--retries', 'x', '--', 'true'], 2, 'Error: parameter "retries": expected a whole number from 0 to 1000000, e.g. 3, got "x"\n'],
  [['policy', 'web', '--retries', 'x'], 2, 'Error: parameter "retries": expected a whole number from 0 to 1000000, e.g. 5, got "x"\n'],
  [['down', '-f', '/nonexistent.yaml'], 1, 'Error: config file /nonexistent.yaml does not exist and no process was started from it; check the path given to -f\n'],
  [['up', '-f', '/nonexistent.yaml'], 1, 'Error: config file /nonexistent.yaml does not exist; check the path given to -f\n'],
  [['top'], 2, "error: unknown command 'top'\n(add --help for usage)\n"],
  [['frobnicate'], 2, "error: unknown command 'frobnicate'\n(add --help for usage)\n"],
  [['town'], 2, "error: unknown command 'town'\n(add --help for usage)\n"],
  [['lean'], 2, "error: unknown command 'lean'\n(add --help for usage)\n"],
  [['elete', 'web'], 2, "error: unknown command 'elete'\n(add --help for usage)\n"],
  [['stpo', 'web'], 2, "error: unknown command 'stpo'\n(Did you mean stop?)\n(add --help for usage)\n"],
  [['lsit'], 2, "error: unknown command 'lsit'\n(Did you mean list?)\n(add --help for usage)\n"],
  [['list', '--bogus'], 2, "error: unknown option '--bogus'\n(add --help for usage)\n"],
  [['logs', '--clear'], 2, 'Error: --clear needs the name of a process: sentinel logs NAME --clear\n'],
  [['port', 'allocate', '--port'], 2, "error: option '-p, --port <port>' argument missing\n(add --help for usage)\n"],
];

describe('bad CLI invocations', () => {
  it('each exits non-zero with its message, and nothing is started or allocated', async () => {
    const results: Array<{ args: string[]; code: number; stderr: string; stdout: string }> = [];
    for (let i = 0; i < BAD.length; i += 6) {
      const batch = BAD.slice(i, i + 6);
      results.push(...(await Promise.all(batch.map(async ([args]) => ({ args, ...(await cli(home, args)) })))));
    }
    results.forEach((r, i) => {
      const [, code, message] = BAD[i];
      expect({ args: r.args.join(' ').slice(0, 80), code: r.code, stderr: r.stderr }).toEqual({ args: r.args.join(' ').slice(0, 80), code, stderr: message });
      expect(r.stdout).toBe('');
    });
    const list = await cliJson<{ processes: Array<{ name: string; status: string }> }>(home, ['list']);
    expect(list.processes.map((p) => p.name)).toEqual(['web']);
    expect((await cliJson<{ ports: unknown[] }>(home, ['port', 'list'])).ports).toEqual([]);
    expect((await cliJson<{ schedules: unknown[] }>(home, ['schedule', 'list'])).schedules).toEqual([]);
    expect(list.processes[0].status).toBe('running');
  }, 300_000);

  it('an oversized environment is a clear 4xx error, not "internal error: spawn E2BIG"', async () => {
    // the CLI cannot be started with more than the system allows, so the size comes from an env file the daemon reads
    const file = path.join(home, 'big.env');
    writeFileSync(file, Array.from({ length: 30 }, (_, i) => `BIG_${i}=${'x'.repeat(100_000)}`).join('\n'));
    const ports = (await cliJson<{ ports: unknown[] }>(home, ['port', 'list'])).ports;
    for (const extra of [[], ['--port', 'auto']]) {
      const r = await cli(home, ['run', '--name', 'e2big', '--env-file', file, ...extra, '--', 'sleep', '300']);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe('Error: the environment and arguments are too large for the system to start a process (E2BIG): pass fewer or shorter environment variables (--env, --env-file, .env; or start from --clean-env) or arguments\n');
    }
    // a failed create leaves nothing: no record, no event, no port
    const list = await cliJson<{ processes: Array<{ name: string; pid: number | null; status: string }> }>(home, ['list']);
    expect(list.processes.map((p) => p.name)).not.toContain('e2big');
    const events = await cliJson<{ events: Array<{ processName: string | null }> }>(home, ['events']);
    expect(events.events.filter((e) => e.processName?.startsWith('e2big'))).toEqual([]);
    expect((await cliJson<{ ports: unknown[] }>(home, ['port', 'list'])).ports).toEqual(ports);
  }, 60_000);

  it('a shell exporting names a process cannot take (bash functions) still runs; those names are left out', async () => {
    const r = await cliJson<{ process: { pid: number } }>(home, ['run', '--name', 'bashfunc', '--', 'sleep', '300'], { env: { 'BASH_FUNC_greet%%': '() {  echo hi\n}', PLAIN_ONE: 'yes' } });
    const environ = readFileSync(`/proc/${r.process.pid}/environ`, 'utf8').split('\0');
    expect(environ).toContain('PLAIN_ONE=yes');
    expect(environ.some((kv) => kv.startsWith('BASH_FUNC_'))).toBe(false);
  }, 60_000);

  it('help and --version still exit 0', async () => {
    expect((await cli(home, ['--help'])).code).toBe(0);
    expect((await cli(home, ['--version'])).code).toBe(0);
    expect((await cli(home, ['run', '--help'])).code).toBe(0);
    expect(path.isAbsolute(home)).toBe(true);
  });
});
