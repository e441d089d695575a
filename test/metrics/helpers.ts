// Spawns shell trees for /proc tests and removes them by process group.
import { spawn } from 'node:child_process';

const groups = new Set<number>();

/** Runs `script` under /bin/sh as the leader of a new process group; returns its pid. */
export function spawnTree(script: string): number {
  const child = spawn('/bin/sh', ['-c', script], { detached: true, stdio: 'ignore' });
  child.unref();
  groups.add(child.pid!);
  return child.pid!;
}

export function killTrees(): void {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGCONT');
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  groups.clear();
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function until<T>(fn: () => T | null | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs}ms`);
    await sleep(25);
  }
}
