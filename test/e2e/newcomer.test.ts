// What a new user runs into first: a bad SENTINEL_HOME, a misspelled process name, PM2's "stop all", and a
// program that cannot be run — each a clear error at once, with the way out, exit code 2 for bad input.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, cli, tempHome } from '../helpers.js';

let home: string;
let dir: string;
beforeAll(async () => {
  home = tempHome('sn-new-');
  dir = mkdtempSync(path.join(os.tmpdir(), 'sn-new-dir-'));
  expect((await cli(home, ['run', '--name', 'webserver', 'sleep 300'])).code).toBe(0);
});
afterAll(async () => {
  await cleanupHome(home);
  rmSync(dir, { recursive: true, force: true });
});

describe('a bad SENTINEL_HOME', () => {
  it('under /proc is refused at once (Node\'s recursive mkdir would spin there forever)', async () => {
    const r = await cli('/proc/nope/sentinel', ['list'], { timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Error: SENTINEL_HOME \/proc\/nope\/sentinel cannot be created \(\w+ at \/proc\/nope\); set SENTINEL_HOME to a directory you can write/);
  });

  it('that is a file is refused with what it is', async () => {
    const file = path.join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    const r = await cli(file, ['list']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`Error: SENTINEL_HOME ${file} is a file, not a directory`);
  });
});

describe('names', () => {
  it('an unknown process name gets a did-you-mean', async () => {
    const r = await cli(home, ['stop', 'webserve']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe('Error: no process named or numbered "webserve"; did you mean "webserver"?\n');
  });

  it('"stop all" points to stopall, and "all" cannot be a process name', async () => {
    const r = await cli(home, ['stop', 'all']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('to act on every process use stopall, startall or restartall');
    const named = await cli(home, ['run', '--name', 'all', 'sleep 1']);
    expect(named.code).toBe(2);
    expect(named.stderr).toContain('"all" is reserved');
  });
});

describe('idempotent start and stop', () => {
  it('start of a running process and stop of a stopped one both exit 0 and say so; stopall skips what had exited', async () => {
    const again = await cli(home, ['start', 'webserver']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^webserver \(id: \d+, pid: \d+\) is already running; nothing to do/);
    expect((await cli(home, ['run', '--name', 'oneshot', '--wait', '0', 'exit 0'])).code).toBe(0);
    expect((await cli(home, ['run', '--name', 'pausable', 'sleep 300'])).code).toBe(0);
    expect((await cli(home, ['stop', 'pausable'])).code).toBe(0);
    const twice = await cli(home, ['stop', 'pausable']);
    expect(twice.code).toBe(0);
    expect(twice.stdout).toBe('pausable is not running (stopped)\n');
    const all = await cli(home, ['stopall', '--json']);
    const names = (JSON.parse(all.stdout).results as Array<{ name: string }>).map((r) => r.name);
    expect(names).toContain('webserver');
    expect(names).not.toContain('oneshot');
    expect(names).not.toContain('pausable');
    expect((await cli(home, ['start', 'webserver'])).code).toBe(0);
    expect((await cli(home, ['delete', 'oneshot'])).code).toBe(0);
    expect((await cli(home, ['delete', 'pausable'])).code).toBe(0);
  });
});

describe('a misspelled restart policy', () => {
  it('is a did-you-mean, not "executable on-faillure was not found"', async () => {
    const r = await cli(home, ['run', '--restart', 'on-faillure', '--', 'sleep', '30']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('Error: --restart "on-faillure" is not a restart policy; did you mean "on-failure"? (never, on-failure or always)\n');
    const list = await cli(home, ['list', '--json']);
    expect(JSON.parse(list.stdout).processes.map((p: { name: string }) => p.name)).toEqual(['webserver']);
  });
});

describe('a program that cannot be run', () => {
  it('a script without the execute bit says so, with its interpreter', async () => {
    writeFileSync(path.join(dir, 'job.sh'), '#!/bin/sh\necho hi\n');
    chmodSync(path.join(dir, 'job.sh'), 0o644);
    const r = await cli(home, ['run', '--cwd', dir, './job.sh --fast']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`Error: ${path.join(dir, 'job.sh')} exists but is not executable; make it executable (chmod +x ./job.sh); or run it with its interpreter: "sh ./job.sh --fast"\n`);
  });

  it('"run app.js" names the file and suggests the interpreter', async () => {
    writeFileSync(path.join(dir, 'app.js'), 'setInterval(() => {}, 1000);\n');
    const r = await cli(home, ['run', '--cwd', dir, 'app.js']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`Error: "app.js" is a file in ${dir} but not a command in PATH; run it as "./app.js"; or run it with its interpreter: "node app.js"\n`);
  });

  it('a missing path names the path, not PATH', async () => {
    const r = await cli(home, ['run', '--cwd', dir, '--', './bin/server', '--port', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`Error: executable ${path.join(dir, 'bin/server')} does not exist; check the path (relative paths start from ${dir})\n`);
  });

  it('a missing command lists PATH once, without duplicates', async () => {
    const r = await cli(home, ['run', 'no-such-program-here'], { env: { PATH: `/usr/bin:/bin:/usr/bin:/bin` } });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('Error: executable "no-such-program-here" was not found in PATH (/usr/bin:/bin) or is not executable; check the spelling or give its full path\n');
  });
});
