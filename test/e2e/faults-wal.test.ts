// state.db-wal (or state.db itself) deleted while the daemon runs, then a daemon SIGKILL: SQLite keeps
// writing to the unlinked file, so without a rewrite every process started since the last checkpoint
// would be lost from the state and left running untracked. The daemon notices and rewrites its files.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
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

async function runMany(home: string, tag: string, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) {
    const r = await cli(home, ['run', '--name', `p${i}`, '--', 'sleep', '300'], { env: { FAULT_TAG: tag } });
    expect(r.code, r.stderr).toBe(0);
  }
}

describe('database files deleted under a running daemon', () => {
  it.each([
    ['state.db-wal', ['-wal']],
    ['state.db with its -wal and -shm', ['', '-wal', '-shm']],
  ])('%s deleted, more processes started, then a daemon SIGKILL: every process is still tracked', async (_, suffixes) => {
    const home = tempHome('snwal-');
    homes.push(home);
    const tag = randomUUID();
    tags.push(tag);
    await runMany(home, tag, 0, 4);
    const db = path.join(home, 'state.db');
    expect(existsSync(`${db}-wal`)).toBe(true);
    for (const s of suffixes) rmSync(db + s);
    await runMany(home, tag, 4, 11);
    const daemon = readPid(path.join(home, 'daemon.pid'))!;
    process.kill(daemon, 'SIGKILL');
    expect(await waitFor(() => !alive(daemon))).toBe(true);
    const running = tagged(tag, home).sort((a, b) => a - b);
    expect(running).toHaveLength(11);
    // the next daemon knows all eleven, and re-adopts each by its pid: none is left running untracked
    const list = (await cliJson<{ processes: View[] }>(home, ['list'])).processes;
    expect(list.map((p) => p.name).sort()).toEqual(Array.from({ length: 11 }, (_, i) => `p${i}`).sort());
    expect(list.every((p) => p.status === 'running')).toBe(true);
    expect(list.map((p) => p.pid!).sort((a, b) => a - b)).toEqual(running);
    // said loudly in daemon.log
    const log = readFileSync(path.join(home, 'daemon.log'), 'utf8');
    expect(log).toContain(`"code":"DB_REWRITTEN","msg":"${db}${suffixes.includes('') ? '' : '-wal'} was deleted while the daemon was running`);
    // and the stop after that takes everything down
    expect((await cli(home, ['stopall'])).code).toBe(0);
    expect(await waitFor(() => tagged(tag, home).length === 0, 15_000)).toBe(true);
  }, 120_000);
});
