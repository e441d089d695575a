// Starts fixture programs as real child processes and cleans them up by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../fixtures/health/', import.meta.url));

const started = new Set<ChildProcess>();
const groups = new Set<number>();

export interface Started {
  child: ChildProcess;
  pid: number;
  /** Lines printed so far on stdout. */
  lines: string[];
  waitForLine(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

export function startFixture(name: string, args: string[] = [], opts: { detached?: boolean } = {}): Started {
  const child = spawn(process.execPath, [FIXTURES + name, ...args], { stdio: ['ignore', 'pipe', 'inherit'], detached: opts.detached });
  started.add(child);
  if (opts.detached) groups.add(child.pid!);
  child.on('exit', () => started.delete(child));
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  let buf = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buf += chunk.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
    waiters.splice(0).forEach((w) => w());
  });
  return {
    child,
    pid: child.pid!,
    lines,
    waitForLine(re, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`fixture ${name} did not print ${re} within ${timeoutMs}ms; printed: ${lines.join(' | ')}`)), timeoutMs);
        const check = (): void => {
          for (const line of lines) {
            const m = line.match(re);
            if (m) {
              clearTimeout(timer);
              return resolve(m);
            }
          }
          waiters.push(check);
        };
        check();
      });
    },
  };
}

export async function startServer(name: string, args: string[] = []): Promise<Started & { port: number }> {
  const s = startFixture(name, args);
  const m = await s.waitForLine(/listening on port (\d+)/);
  return { ...s, port: Number(m[1]) };
}

/** Kills every fixture still running (SIGCONT first, so a stopped one can die), and the groups of detached ones. */
export async function killFixtures(): Promise<void> {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  groups.clear();
  const all = [...started];
  await Promise.all(
    all.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          try {
            process.kill(child.pid!, 'SIGCONT');
            process.kill(child.pid!, 'SIGKILL');
          } catch {
            resolve();
          }
        }),
    ),
  );
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
