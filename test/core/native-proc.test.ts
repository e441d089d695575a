// The addon's one-pass /proc read (native/proc.c) against the JavaScript readers it replaces: the same
// processes, the same fields, for live children in states of our choosing.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { nativeAddon } from '../../src/core/native.js';
import { parseStat, readAllStats } from '../../src/core/proc.js';
import { scanProcesses } from '../../src/metrics/proc-tree.js';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const children: ChildProcess[] = [];
let oddDir = '';
beforeAll(async () => {
  // one sleeping, one stopped (T), one with a name full of spaces and parentheses
  children.push(spawn('sleep', ['30'], { stdio: 'ignore' }));
  const stopped = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(stopped);
  oddDir = mkdtempSync(path.join(tmpdir(), 'sentinel-proc-'));
  const odd = path.join(oddDir, 'x) (y z');
  copyFileSync('/bin/sleep', odd);
  children.push(spawn(odd, ['30'], { stdio: 'ignore' }));
  await new Promise((r) => setTimeout(r, 200));
  process.kill(stopped.pid!, 'SIGSTOP');
  await new Promise((r) => setTimeout(r, 100));
});
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(oddDir, { recursive: true, force: true });
});

describe('native /proc sweep', () => {
  it('is built and in use', () => {
    expect(nativeAddon()).not.toBeNull();
  });

  it('gives the same fields as parsing /proc/PID/stat in JavaScript', () => {
    const all = new Map(readAllStats().map((s) => [s.pid, s]));
    for (const c of children) {
      const mine = all.get(c.pid!);
      const theirs = parseStat(readFileSync(`/proc/${c.pid}/stat`, 'utf8'));
      expect(mine).toEqual(theirs);
    }
    expect(all.get(children[1].pid!)?.state).toBe('T');
    expect(readFileSync(`/proc/${children[2].pid}/stat`, 'utf8')).toContain('(x) (y z)');
    expect(all.get(process.pid)?.ppid).toBe(process.ppid);
    // every numeric entry of /proc that is still alive is there
    expect(all.size).toBeGreaterThan(children.length);
  });

  it('feeds the metrics scan the same tree figures as its JavaScript path', async () => {
    const native = scanProcesses();
    vi.resetModules();
    process.env.SENTINEL_NATIVE = '0';
    try {
      const js = await import('../../src/metrics/proc-tree.js');
      const slow = js.scanProcesses();
      for (const c of children) {
        const a = native.get(c.pid!)!;
        const b = slow.get(c.pid!)!;
        expect(a).toEqual(b);
      }
    } finally {
      delete process.env.SENTINEL_NATIVE;
      vi.resetModules();
    }
  });
});
