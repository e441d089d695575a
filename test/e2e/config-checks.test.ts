// `config validate` and `up` run the same checks, report every problem at once, and a bad file changes
// nothing — schedules included (a bad cron used to be found by `up` only after it had started `web`).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, cli, cliJson, tempHome, waitFor } from '../helpers.js';

let home: string;
let dir: string;
beforeAll(() => {
  home = tempHome('sn-chk-');
  dir = mkdtempSync(path.join(os.tmpdir(), 'sn-chk-dir-'));
});
afterAll(async () => {
  await cleanupHome(home);
  rmSync(dir, { recursive: true, force: true });
});

const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe('config validate and up agree', () => {
  it('a bad cron in schedules: validate says so, up refuses before starting anything', async () => {
    const file = write('cron.yaml', 'processes:\n  web:\n    command: sleep 300\nschedules:\n  tick:\n    cron: "99 * * * *"\n    command: echo hi\n');
    const validate = await cli(home, ['config', 'validate', '-f', file]);
    expect(validate.code).toBe(2);
    expect(validate.stdout + validate.stderr).toContain('schedules.tick: invalid cron expression "99 * * * *"');
    const up = await cli(home, ['up', '-f', file]);
    expect(up.code).toBe(2);
    expect(up.stderr).toContain('schedules.tick: invalid cron expression "99 * * * *"');
    expect(up.stderr).toContain('nothing was changed');
    const state = await cliJson<{ processes: unknown[] }>(home, ['list']);
    expect(state.processes).toEqual([]);
    const schedules = await cliJson<{ schedules: unknown[] }>(home, ['schedule', 'list']);
    expect(schedules.schedules).toEqual([]);
  });

  it('reports every machine problem at once: programs, cwd, users, schedule programs and time zones', async () => {
    const file = write('many.yaml', `processes:
  a:
    command: no-such-prog-a1
  b:
    command: sleep 1
    cwd: /nonexistent-dir-b
    user: no-such-user-b
schedules:
  t:
    every: 5s
    command: no-such-prog-t1
  u:
    cron: "0 2 * * *"
    tz: Mars/Base
    command: echo
`);
    const validate = await cli(home, ['config', 'validate', '-f', file]);
    expect(validate.code).toBe(2);
    const text = validate.stdout + validate.stderr;
    for (const part of ['process "a": executable "no-such-prog-a1"', 'process "b": working directory /nonexistent-dir-b', 'process "b": user "no-such-user-b"', 'schedules.t: executable "no-such-prog-t1"', 'schedules.u: unknown time zone "Mars/Base"']) {
      expect(text).toContain(part);
    }
    const up = await cli(home, ['up', '-f', file]);
    expect(up.code).toBe(2);
    expect(up.stderr).toMatch(/^Error: 5 problems, nothing was changed:\n/);
    expect((await cliJson<{ processes: unknown[] }>(home, ['list'])).processes).toEqual([]);
  });

  it('a missing command and an unknown dependency are reported with the other errors of the file', async () => {
    const file = write('shape.yaml', 'processes:\n  web:\n    cwd: 5\n  api:\n    command: sleep 1\n    depends_on: [nope]\n');
    const validate = await cli(home, ['config', 'validate', '-f', file]);
    expect(validate.code).toBe(2);
    const text = validate.stdout + validate.stderr;
    expect(text).toContain('processes.web: expected a "command" (or "argv", or an "image" to run), got none');
    expect(text).toContain('processes.web.cwd: expected a string, got 5');
    expect(text).toContain('processes.api.depends_on: process "api" depends on "nope", which is not a defined process or group');
  });

  it('the project .env beside the file reaches processes started by up, as it does with run', async () => {
    const proj = mkdtempSync(path.join(os.tmpdir(), 'sn-chk-env-'));
    try {
      writeFileSync(path.join(proj, '.env'), 'FROM_DOTENV=yes-dotenv\nSHADOWED=from-file\n');
      const file = path.join(proj, 'sentinel.yaml');
      writeFileSync(file, 'processes:\n  envup:\n    command: echo "dotenv=$FROM_DOTENV shadowed=$SHADOWED"; exec sleep 300\n');
      expect((await cli(home, ['up', '-f', file], { env: { SHADOWED: 'from-shell' } })).code).toBe(0);
      expect((await cli(home, ['run', '--name', 'envrun', '--cwd', proj, 'echo "dotenv=$FROM_DOTENV shadowed=$SHADOWED"; exec sleep 300'], { env: { SHADOWED: 'from-shell' } })).code).toBe(0);
      for (const name of ['envup', 'envrun']) {
        const view = (await cliJson<{ processes: Array<{ name: string; stdoutLog: string }> }>(home, ['list'])).processes.find((p) => p.name === name)!;
        expect(await waitFor(() => readFileSync(view.stdoutLog, 'utf8').includes('dotenv=yes-dotenv shadowed=from-shell')), name).toBe(true);
      }
      expect((await cli(home, ['down', '-f', file])).code).toBe(0);
      expect((await cli(home, ['delete', 'envrun'])).code).toBe(0);
    } finally {
      rmSync(proj, { recursive: true, force: true });
    }
  });

  it('startall starts a file\'s processes in dependency order, independent ones at once', async () => {
    const proj = mkdtempSync(path.join(os.tmpdir(), 'sn-chk-order-'));
    try {
      const file = path.join(proj, 'sentinel.yaml');
      writeFileSync(file, 'processes:\n  slowdb:\n    command: sleep 300\n    start_wait: 1s\n  app:\n    command: sleep 301\n    depends_on: [slowdb]\n  loner:\n    command: sleep 302\n');
      expect((await cli(home, ['up', '-f', file])).code).toBe(0);
      expect((await cli(home, ['stopall'])).code).toBe(0);
      const before = Math.max(0, ...(await cliJson<{ events: Array<{ id: number }> }>(home, ['events', '--limit', '1'])).events.map((e) => e.id));
      expect((await cli(home, ['startall'])).code).toBe(0);
      const evs = (await cliJson<{ events: Array<{ id: number; processName: string; newState: string | null }> }>(home, ['events', '--limit', '200'])).events.filter((e) => e.id > before);
      const at = (name: string, state: string) => evs.find((e) => e.processName === name && e.newState === state)!.id;
      expect(at('slowdb', 'running')).toBeLessThan(at('app', 'starting'));
      // loner depends on nothing: it starts without waiting for slowdb's start wait
      expect(at('loner', 'starting')).toBeLessThan(at('slowdb', 'running'));
      expect((await cli(home, ['down', '-f', file])).code).toBe(0);
    } finally {
      rmSync(proj, { recursive: true, force: true });
    }
  });
});
