// The command probe: `/bin/sh -c CMD` in its own process group; exit 0 is healthy.
// At the timeout (or abort) the whole group is killed, so a hung check leaves nothing behind.
import { spawn } from 'node:child_process';
import { elapsed, now, type ProbeOptions, type ProbeResult } from './probe-net.js';

const STDERR_KEEP_BYTES = 4096;

export interface ExecProbeTarget {
  command: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function lastLine(text: string): string {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  return lines.length ? lines[lines.length - 1] : '';
}

export function probeExec(target: ExecProbeTarget, opts: ProbeOptions): Promise<ProbeResult> {
  const start = now();
  return new Promise((resolve) => {
    let stderr = '';
    let settled = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    let stopped: 'timeout' | 'aborted' | null = null;

    const child = spawn('/bin/sh', ['-c', target.command], {
      cwd: target.cwd,
      env: target.env ?? process.env,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });

    const settle = (ok: boolean, detail: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      const tail = lastLine(stderr);
      resolve({ ok, detail: tail && !ok ? `${detail}: ${tail}` : detail, durationMs: elapsed(start) });
    };
    const stop = (why: 'timeout' | 'aborted'): void => {
      if (exit || stopped) return;
      stopped = why;
      killGroup(child.pid);
    };
    const onAbort = (): void => stop('aborted');
    // The grace timer lets 'close' deliver trailing stderr; it also settles if a grandchild escaped the group.
    const timer = setTimeout(() => {
      stop('timeout');
      setTimeout(() => settle(false, `did not finish within ${opts.timeoutMs}ms`), 200).unref();
    }, opts.timeoutMs);
    timer.unref();
    if (opts.signal?.aborted) stop('aborted');
    else opts.signal?.addEventListener('abort', onAbort, { once: true });

    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_KEEP_BYTES);
    });
    child.on('error', (err) => settle(false, `could not run /bin/sh: ${err.message}`));
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // Leftover background children of the check would keep stderr open; a probe owns its group.
      killGroup(child.pid);
    });
    child.on('close', () => {
      if (stopped === 'timeout') return settle(false, `did not finish within ${opts.timeoutMs}ms`);
      if (stopped === 'aborted') return settle(false, 'aborted');
      if (exit?.code === 0) return settle(true, 'exit 0');
      if (exit?.signal) return settle(false, `killed by ${exit.signal}`);
      settle(false, `exit ${exit?.code ?? '?'}`);
    });
  });
}
