// Stop faults with real processes and signals: a grandchild that double-forks into its own session, a
// TERM handler that starts a child and exits, and a recycled PID whose new group must never be signalled.
// Each test tags what it starts with a variable of its own and finds (and kills) them by that tag's PIDs.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, cleanupHome, cli, cliJson, killPids, readPid, tempHome, waitFor, tagged } from '../helpers.js';

interface View { name: string; pid: number | null; status: string }

const homes: string[] = [];
const started: number[] = [];
const tags: string[] = [];
afterEach(async () => {
  while (homes.length) await cleanupHome(homes.pop()!);
  for (const tag of tags.splice(0)) killPids(tagged(tag));
  killPids(started.splice(0));
});

function newHome(): string {
  const h = tempHome('snst-');
  homes.push(h);
  return h;
}

function newTag(): string {
  const tag = randomUUID();
  tags.push(tag);
  return tag;
}

function script(home: string, name: string, body: string): string {
  const file = path.join(home, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** Runs `file` under a 1 s stop timeout, waits for `count` tagged processes, stops it, and returns the survivors. */
async function stopSurvivors(home: string, file: string, count: number): Promise<{ before: number[]; after: number[] }> {
  const tag = newTag();
  const run = await cli(home, ['run', file, '--name', 'p', '--stop-timeout', '1s'], { env: { FAULT_TAG: tag } });
  expect(run.code, run.stderr).toBe(0);
  expect(await waitFor(() => tagged(tag, home).length >= count, 10_000)).toBe(true);
  const before = tagged(tag, home);
  const stop = await cli(home, ['stop', 'p']);
  expect(stop.code, stop.stderr).toBe(0);
  // the stop has returned; a grace for the last SIGKILLs to land: what escaped the group is found by the one
  // /proc sweep that follows the runs that ended (SENTINEL_REAP_SWEEP_MS, 1 s), so up to 2 s — a fixed 0.5 s
  // failed once on a loaded machine with one survivor
  await waitFor(() => tagged(tag, home).length === 0, 2000, 50);
  return { before, after: tagged(tag, home) };
}

describe('stop faults', () => {
  it('a grandchild that double-forks into its own session does not survive the stop', async () => {
    const home = newHome();
    const file = script(home, 'double-fork.sh', `setsid sh -c 'sleep 1001 & exit' &\nexec sleep 1000`);
    const { before, after } = await stopSurvivors(home, file, 2);
    expect(before.length).toBeGreaterThanOrEqual(2);
    expect(after).toEqual([]);
  });

  it('a child started by the TERM handler of a main process that then exits does not survive the stop', async () => {
    const home = newHome();
    const file = script(home, 'trap.sh', `trap "sleep 1002 & exit 0" TERM\nsleep 1000 &\nwait`);
    const { after } = await stopSurvivors(home, file, 2);
    expect(after).toEqual([]);
  });

  it.each([
    ['leads it', 'sleep 1003 & exec sleep 1004', 2],
    ['has already exited', 'sleep 1003 & exit 0', 1],
  ])('after a daemon SIGKILL, the recovery never signals the group of an unrelated process that got the PID (the stranger %s)', async (_, command, count) => {
    const home = newHome();
    const tag = newTag();
    const run = await cli(home, ['run', 'sleep 300', '--name', 'victim'], { env: { FAULT_TAG: tag } });
    expect(run.code, run.stderr).toBe(0);
    const daemon = readPid(path.join(home, 'daemon.pid'))!;
    const victim = (await cliJson<{ process: View }>(home, ['status', 'victim'])).process.pid!;
    process.kill(daemon, 'SIGKILL');
    await waitFor(() => !alive(daemon));
    process.kill(-victim, 'SIGKILL');
    // a zombie or a group member still holds the PID (PID 1 here reaps orphans late): wait until it is free
    expect(await waitFor(() => !existsSync(`/proc/${victim}`), 20_000)).toBe(true);
    // an unrelated session leader gets the victim's PID, with a child in its group (and session)
    const strangerTag = newTag();
    let leader: number | undefined;
    for (let attempt = 0; attempt < 50 && leader === undefined; attempt++) {
      writeFileSync('/proc/sys/kernel/ns_last_pid', String(victim - 1));
      const child = spawn('/bin/sh', ['-c', command], { detached: true, stdio: 'ignore', env: { ...process.env, FAULT_TAG: strangerTag } });
      child.unref();
      if (child.pid === undefined) continue;
      started.push(child.pid);
      if (child.pid === victim) leader = child.pid;
      else child.kill('SIGKILL');
      await waitFor(() => child.pid === victim || !existsSync(`/proc/${child.pid}`), 2000);
    }
    expect(leader, 'could not get the PID reused').toBe(victim);
    expect(await waitFor(() => tagged(strangerTag).length === count)).toBe(true);
    // a stranger leader that exited must be gone for good (not a zombie): its group lives on in its child
    if (count === 1) expect(await waitFor(() => !existsSync(`/proc/${victim}`))).toBe(true);
    const strangers = tagged(strangerTag);
    // the next command starts a daemon whose recovery finds the victim gone
    const p = (await cliJson<{ process: View & { reason: string | null } }>(home, ['status', 'victim'])).process;
    expect(p.status).toBe('exited');
    expect(p.reason).toBe('ended while the daemon was down (exit status unknown)');
    // well past any stop timeout (10 s default would be too long to wait; the group signal would come at once)
    await new Promise((r) => setTimeout(r, 1500));
    expect(strangers.every((pid) => alive(pid))).toBe(true);
    expect(tagged(strangerTag).sort()).toEqual(strangers.sort());
  });
});
