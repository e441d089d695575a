// The state letter of one process (R, S, T = stopped, ...), read before every liveness check.
// The descriptor of /proc/PID/stat stays open between checks and is read again from offset 0,
// which the kernel answers with fresh contents: one read instead of open + read + close, and no
// path lookup in /proc. The descriptor belongs to that process, so once it is gone (even if its
// pid is reused) reads fail with ESRCH instead of describing another process.
import fs from 'node:fs';

export interface ProcStateReader {
  /** The state letter of `pid`, or null when it is gone or unreadable. */
  read(pid: number): string | null;
  /** Closes the descriptor (call when the checker stops). */
  close(): void;
}

// "PID (COMM) S ...": a pid has at most 7 digits and COMM at most 15 bytes, so the state is in the
// first 32 bytes; the closing paren is the last one in them (the fields after COMM are numbers).
const HEAD = 64;

export function createProcStateReader(): ProcStateReader {
  const buf = Buffer.allocUnsafe(HEAD);
  let fd = -1;
  let fdPid = 0;

  function close(): void {
    if (fd < 0) return;
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
    fd = -1;
    fdPid = 0;
  }

  function read(pid: number): string | null {
    if (fdPid !== pid) {
      close();
      try {
        fd = fs.openSync(`/proc/${pid}/stat`, 'r');
        fdPid = pid;
      } catch {
        return null;
      }
    }
    let n: number;
    try {
      n = fs.readSync(fd, buf, 0, HEAD, 0);
    } catch {
      close(); // ESRCH: that process is gone
      return null;
    }
    let paren = n - 1;
    while (paren > 0 && buf[paren] !== 0x29) paren--;
    if (paren <= 0 || paren + 2 >= n) return null;
    return String.fromCharCode(buf[paren + 2]);
  }

  return { read, close };
}
