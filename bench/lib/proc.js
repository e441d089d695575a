// Reading /proc: a daemon's memory and CPU time, and whether a process still exists.
import { readFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let clockTicks = null;

// CPU time in /proc/PID/stat is counted in clock ticks (usually 100 a second).
export function ticksPerSecond() {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

export function readRssBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

// Private memory (Private_Clean + Private_Dirty of smaps_rollup), in bytes: what the process holds beyond
// the pages it shares with others (Node's own image, shared by every Node process).
export function readPrivateBytes(pid) {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  let kb = 0;
  for (const m of text.matchAll(/^Private_(?:Clean|Dirty):\s+(\d+) kB/gm)) kb += Number(m[1]);
  return kb * 1024;
}

// Private_Dirty of smaps_rollup, in bytes: the pages only this process holds and cannot drop (its heaps, what it
// wrote). Private_Clean, the rest of readPrivateBytes, is mostly pages of Node's own binary that no other process
// touched at that moment (a compiler tier's code, say): page cache the kernel can drop, and private only until
// another Node process runs the same code, which made the Private_* figure of a daemon swing with what else ran.
export function readPrivateDirtyBytes(pid) {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const m = /^Private_Dirty:\s+(\d+) kB/m.exec(text);
  if (!m) throw new Error(`no Private_Dirty in /proc/${pid}/smaps_rollup`);
  return Number(m[1]) * 1024;
}

// utime + stime of every thread of the process, in milliseconds.
export function readCpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: split after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / ticksPerSecond();
}

function readState(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return /^State:\s+(\S)/m.exec(status)?.[1] ?? null;
  } catch {
    return null;
  }
}

// A zombie counts as gone: it holds no resources and only waits for its parent (or PID 1) to reap it.
export function isGone(pid) {
  const state = readState(pid);
  return state === null || state === 'Z' || state === 'X';
}

export function readCmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

// Kills a leftover by PID, only if its command line still looks like ours (a recycled PID is left alone).
export function killIfOurs(pid, markers) {
  if (isGone(pid)) return false;
  const cmdline = readCmdline(pid);
  if (!markers.some((marker) => cmdline.includes(marker))) return false;
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops a supervisor's daemon with its own stop command, waits up to 2 s for its PID to go, SIGKILLs it
 * (noting a problem) if it did not, and removes its home directory.
 */
export async function stopDaemonAndClean({ pid, stop, what, home, problems }) {
  try {
    if (pid) stop();
    for (let i = 0; i < 100 && pid && !isGone(pid); i++) await new Promise((r) => setTimeout(r, 20));
  } finally {
    if (pid && !isGone(pid)) {
      problems.push(`${what} (pid ${pid}) still ran 2 s after its stop command; killed it`);
      process.kill(pid, 'SIGKILL');
    }
    // retried: a daemon killed just now may still be ending while its last files are written (ENOTEMPTY)
    rmSync(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
}
