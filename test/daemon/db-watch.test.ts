// state.db deleted under a running daemon, with no write after it: the inotify watch of the home directory
// rewrites it from the open connection, without waiting for the timer (set here to an hour).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { guardDbFiles } from '../../src/daemon/db-watch.js';
import { migrate, openDb } from '../../src/store/db.js';
import type { Logger } from '../../src/daemon/logger.js';
import type { ProcessRepo } from '../../src/store/processes.js';
import { waitFor } from '../helpers.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('guardDbFiles', () => {
  it('rewrites state.db deleted under it as soon as inotify tells, and says so', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'sndbw-'));
    const file = path.join(home, 'state.db');
    const db = openDb(file);
    migrate(db);
    const errors: string[] = [];
    const log = { error: (code: string, msg: string) => void errors.push(`${code} ${msg}`) } as unknown as Logger;
    const guard = guardDbFiles({ db, file, repo: {} as ProcessRepo, log, intervalMs: 3_600_000 });
    cleanups.push(() => {
      guard.close();
      rmSync(home, { recursive: true, force: true });
    });
    rmSync(file);
    expect(await waitFor(() => existsSync(file), 5000)).toBe(true);
    expect(errors.join('\n')).toContain(`DB_REWRITTEN ${file} was deleted while the daemon was running`);
  });
});
