// The exclusive file lock behind "one daemon per SENTINEL_HOME": refused while held, free again on
// release, and freed by the kernel when the holder is killed with SIGKILL.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tryExclusiveLock } from '../../src/store/lock.js';

const DIST_LOCK = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../dist/store/lock.js');

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

function tempHome(): string {
  const home = mkdtempSync(path.join(os.tmpdir(), 'sn-lock-'));
  cleanup.push(() => rmSync(home, { recursive: true, force: true }));
  return home;
}

describe('tryExclusiveLock', () => {
  it('refuses a second holder until the first releases', () => {
    const file = path.join(tempHome(), 'daemon.lock');
    const first = tryExclusiveLock(file);
    expect(first).not.toBeNull();
    expect(tryExclusiveLock(file)).toBeNull();
    first!.release();
    const again = tryExclusiveLock(file);
    expect(again).not.toBeNull();
    again!.release();
  });

  it('is freed when the holding process is killed with SIGKILL (needs npm run build)', async () => {
    const file = path.join(tempHome(), 'daemon.lock');
    const code = `const { tryExclusiveLock } = await import(${JSON.stringify(DIST_LOCK)});
      process.stdout.write(tryExclusiveLock(process.argv[1]) ? 'locked\\n' : 'busy\\n'); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', code, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = child.pid!;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    cleanup.push(() => {
      if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL');
    });
    const first = await new Promise<string>((resolve) => child.stdout!.once('data', (b: Buffer) => resolve(b.toString().trim())));
    expect(first).toBe('locked');
    expect(tryExclusiveLock(file)).toBeNull();
    process.kill(pid, 'SIGKILL');
    await exited;
    const mine = tryExclusiveLock(file);
    expect(mine).not.toBeNull();
    mine!.release();
  });
});
