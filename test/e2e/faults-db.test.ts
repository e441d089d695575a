// A damaged state.db: the daemon refuses to serve it, says why (daemon.log and the CLI's error, at once,
// not after the start timeout), changes nothing, and starts empty only with --reset-damaged-db.
import { existsSync, openSync, readdirSync, readFileSync, statSync, truncateSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, cleanupHome, cli, cliJson, readPid, tempHome } from '../helpers.js';

const homes: string[] = [];
afterEach(async () => {
  for (const h of homes.splice(0)) await cleanupHome(h);
});

/** A home whose state.db holds a few processes, written out by a clean daemon stop. */
async function homeWithState(): Promise<string> {
  const home = tempHome('snfd-');
  homes.push(home);
  for (let i = 0; i < 12; i++) expect((await cli(home, ['run', '--name', `p${i}`, '--no-wait', '--', 'true'])).code).toBe(0);
  expect((await cli(home, ['daemon', 'stop'])).code).toBe(0);
  expect(existsSync(path.join(home, 'state.db-wal')) ? statSync(path.join(home, 'state.db-wal')).size : 0).toBe(0);
  return home;
}

// a start timeout far longer than the test's own: a CLI that waited for it would fail the test by its timeout
const SLOW_START = { SENTINEL_DAEMON_START_TIMEOUT: '600000' };

async function expectRefused(home: string): Promise<void> {
  const db = path.join(home, 'state.db');
  const before = readFileSync(db);
  const r = await cli(home, ['list'], { env: SLOW_START, timeoutMs: 60_000 });
  expect(r.code).toBe(3);
  expect(r.stderr).toMatch(new RegExp(`^Error: the daemon exited at start \\(code 4\\): state database ${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged: .+\\. Nothing was changed\\. To move it aside \\(state\\.db\\.damaged-<time>\\) and start with an empty state, run: sentinel daemon start --reset-damaged-db\\n$`));
  const log = readFileSync(path.join(home, 'daemon.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { level: string; code: string; msg: string });
  const last = log[log.length - 1];
  expect(last.level).toBe('error');
  expect(last.code).toBe('DAEMON_START_FAILED');
  expect(last.msg).toContain(`state database ${db} is damaged`);
  // nothing was changed and nothing keeps running
  expect(readFileSync(db).equals(before)).toBe(true);
  expect(readdirSync(home).filter((f) => f.includes('damaged'))).toEqual([]);
  const pid = readPid(path.join(home, 'daemon.pid'));
  expect(pid === null || !alive(pid)).toBe(true);
}

async function expectResetStartsEmpty(home: string, damaged: Buffer): Promise<void> {
  const r = await cli(home, ['daemon', 'start', '--reset-damaged-db']);
  expect(r.code).toBe(0);
  const aside = readdirSync(home).filter((f) => /^state\.db\.damaged-[0-9TZ-]+$/.test(f));
  expect(aside).toHaveLength(1);
  expect(readFileSync(path.join(home, aside[0])).equals(damaged)).toBe(true);
  expect((await cliJson<{ processes: unknown[] }>(home, ['list'])).processes).toEqual([]);
  const log = readFileSync(path.join(home, 'daemon.log'), 'utf8');
  expect(log).toContain(`moved it to ${path.join(home, aside[0])} and started with an empty state (--reset-damaged-db)`);
  // and a plain start after that serves the new state
  expect((await cli(home, ['run', '--name', 'fresh', '--', 'sleep', '300'])).code).toBe(0);
}

describe('a damaged state.db', () => {
  it('truncated: the daemon refuses it with the reason, the CLI reports it at once, the reset starts empty', async () => {
    const home = await homeWithState();
    const db = path.join(home, 'state.db');
    truncateSync(db, Math.floor(statSync(db).size / 2));
    const damaged = readFileSync(db);
    await expectRefused(home);
    // refused again on the next try: never served by accident
    await expectRefused(home);
    await expectResetStartsEmpty(home, damaged);
  }, 180_000);

  it('garbage in the middle: found by the check at start, not served silently', async () => {
    const home = await homeWithState();
    const db = path.join(home, 'state.db');
    const size = statSync(db).size;
    expect(size).toBeGreaterThan(8 * 4096);
    // overwrite two pages in the middle, keep the header (page 1) intact
    const fd = openSync(db, 'r+');
    const garbage = Buffer.alloc(2 * 4096, 0x5a);
    writeSync(fd, garbage, 0, garbage.length, Math.floor(size / 4096 / 2) * 4096);
    closeSync(fd);
    const damaged = readFileSync(db);
    await expectRefused(home);
    await expectResetStartsEmpty(home, damaged);
  }, 180_000);

  it('not a database at all: the same clear refusal', async () => {
    const home = tempHome('snfd-');
    homes.push(home);
    const fd = openSync(path.join(home, 'state.db'), 'w');
    writeSync(fd, Buffer.from('this is not an SQLite file\n'.repeat(200)));
    closeSync(fd);
    await expectRefused(home);
  }, 60_000);
});
