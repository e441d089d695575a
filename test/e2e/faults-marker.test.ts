// What escaped the tree of a main process that died out of the daemon's sight: a grandchild that
// double-forked into a session of its own is found by the run marker stored on the process record, so a
// restarted daemon stops it too (the marker cannot be read from a main process that is gone).
import { randomUUID } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, cleanupHome, cli, cliJson, killPids, readPid, tempHome, waitFor, tagged } from '../helpers.js';

interface View { name: string; pid: number | null; status: string }

const homes: string[] = [];
const tags: string[] = [];
afterEach(async () => {
  while (homes.length) await cleanupHome(homes.pop()!);
  for (const tag of tags.splice(0)) killPids(tagged(tag));
});

/** A process whose grandchild escapes into its own session; returns the home, the main pid and the escaped pid. */
async function escapedGrandchild(): Promise<{ home: string; tag: string; main: number; escaped: number }> {
  const home = tempHome('snmk-');
  homes.push(home);
  const tag = randomUUID();
  tags.push(tag);
  const file = path.join(home, 'escape.sh');
  writeFileSync(file, `#!/bin/sh\nsetsid sh -c 'sleep 1021 & exit' &\nexec sleep 1020\n`);
  chmodSync(file, 0o755);
  const run = await cli(home, ['run', '--name', 'p', '--restart', 'never', '--stop-timeout', '1s', '--', file], { env: { FAULT_TAG: tag, SENTINEL_ADOPT_POLL_MS: '200' } });
  expect(run.code, run.stderr).toBe(0);
  const main = (await cliJson<{ process: View }>(home, ['status', 'p'])).process.pid!;
  expect(await waitFor(() => tagged(tag, home).length === 2)).toBe(true);
  const escaped = tagged(tag, home).find((pid) => pid !== main)!;
  // it really escaped: its own session, not in the main process's group
  const stat = readFileSync(`/proc/${escaped}/stat`, 'utf8');
  const [, , pgid, sid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  expect(pgid).not.toBe(main);
  expect(sid).not.toBe(main);
  return { home, tag, main, escaped };
}

async function killDaemon(home: string): Promise<void> {
  const daemon = readPid(path.join(home, 'daemon.pid'))!;
  process.kill(daemon, 'SIGKILL');
  expect(await waitFor(() => !alive(daemon))).toBe(true);
}

describe('escaped leftovers after a daemon restart', () => {
  it('a main process that died while the daemon was down: the next daemon stops what escaped its tree', async () => {
    const { home, main, escaped } = await escapedGrandchild();
    await killDaemon(home);
    process.kill(main, 'SIGKILL');
    expect(await waitFor(() => !alive(main))).toBe(true);
    expect(alive(escaped)).toBe(true);
    // the next command starts a daemon whose recovery finds the main process gone
    const p = (await cliJson<{ process: View }>(home, ['status', 'p'], { env: { SENTINEL_ADOPT_POLL_MS: '200' } })).process;
    expect(p.status).toBe('exited');
    expect(await waitFor(() => !alive(escaped), 5000)).toBe(true);
    const events = (await cliJson<{ events: Array<{ kind: string; reason: string | null }> }>(home, ['events', 'p'])).events;
    expect(events.some((e) => e.kind === 'reaped' && /1 leftover processes/.test(e.reason ?? ''))).toBe(true);
  }, 60_000);

  it('a re-adopted main process that dies: what escaped its tree is stopped', async () => {
    const { home, main, escaped } = await escapedGrandchild();
    await killDaemon(home);
    // the next daemon re-adopts the main process (it is not its child: it polls for its end)
    const p = (await cliJson<{ process: View }>(home, ['status', 'p'], { env: { SENTINEL_ADOPT_POLL_MS: '200' } })).process;
    expect(p).toMatchObject({ status: 'running', pid: main });
    process.kill(main, 'SIGKILL');
    expect(await waitFor(() => !alive(escaped), 5000)).toBe(true);
    expect(await waitFor(async () => (await cliJson<{ process: View }>(home, ['status', 'p'])).process.status === 'exited')).toBe(true);
  }, 60_000);

  it('a re-adopted process that is stopped: what escaped its tree is stopped with it', async () => {
    const { home, main, escaped } = await escapedGrandchild();
    await killDaemon(home);
    const p = (await cliJson<{ process: View }>(home, ['status', 'p'], { env: { SENTINEL_ADOPT_POLL_MS: '200' } })).process;
    expect(p).toMatchObject({ status: 'running', pid: main });
    const stop = await cli(home, ['stop', 'p']);
    expect(stop.code, stop.stderr).toBe(0);
    expect(await waitFor(() => !alive(escaped) && !alive(main), 3000)).toBe(true);
  }, 60_000);
});
