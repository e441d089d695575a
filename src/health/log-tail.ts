// Tails growing log files from a byte offset and finds the first line matching a RegExp
// (readiness `--wait-log`). Polling with fstat keeps it independent of inotify limits.
import fs from 'node:fs';

const READ_CHUNK = 64 * 1024;
/** A partial line longer than this is matched as is rather than buffered forever. */
const MAX_PARTIAL = 64 * 1024;

export interface LogTail {
  readonly path: string;
  /** Reads what was appended since the last call and returns the complete lines. */
  readLines(): string[];
  offset(): number;
  /** The unterminated last line read so far (a prompt such as "ready> " never gets a newline). */
  pending(): string;
}

/** Current size of a file, or 0 when it does not exist yet. */
export function fileSize(path: string): number {
  try {
    return fs.statSync(path).size;
  } catch {
    return 0;
  }
}

export function createLogTail(path: string, fromOffset = 0): LogTail {
  let offset = fromOffset;
  let partial = '';
  const buf = Buffer.allocUnsafe(READ_CHUNK);
  const decoder = new TextDecoder('utf-8');

  function readAppended(): string {
    let fd: number;
    try {
      fd = fs.openSync(path, 'r');
    } catch {
      return '';
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size < offset) {
        // truncated or rotated: start again from the top of the new file
        offset = 0;
        partial = '';
      }
      let text = '';
      while (offset < size) {
        const n = fs.readSync(fd, buf, 0, Math.min(READ_CHUNK, size - offset), offset);
        if (n <= 0) break;
        offset += n;
        text += decoder.decode(buf.subarray(0, n), { stream: true });
      }
      return text;
    } finally {
      fs.closeSync(fd);
    }
  }

  return {
    path,
    offset: () => offset,
    pending: () => partial,
    readLines() {
      const text = partial + readAppended();
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      if (partial.length > MAX_PARTIAL) {
        lines.push(partial);
        partial = '';
      }
      return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
    },
  };
}

export interface LogMatch {
  path: string;
  line: string;
}

/** Checks the tails once; returns the first matching line or null. Also matches an unterminated last line. */
export function findLogLine(tails: LogTail[], regex: RegExp): LogMatch | null {
  for (const tail of tails) {
    for (const line of tail.readLines()) {
      regex.lastIndex = 0;
      if (regex.test(line)) return { path: tail.path, line };
    }
    regex.lastIndex = 0;
    if (tail.pending() && regex.test(tail.pending())) return { path: tail.path, line: tail.pending() };
  }
  return null;
}

export interface WaitLogOptions {
  files: { path: string; offset?: number }[];
  regex: RegExp;
  timeoutMs: number;
  pollMs?: number;
  signal?: AbortSignal;
}

/** Resolves with the first line (in any of the files) matching `regex`; null on timeout or abort. */
export function waitForLogLine(opts: WaitLogOptions): Promise<LogMatch | null> {
  const tails = opts.files.map((f) => createLogTail(f.path, f.offset ?? 0));
  const pollMs = opts.pollMs ?? 100;
  const deadline = Date.now() + opts.timeoutMs;
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (result: LogMatch | null): void => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const onAbort = (): void => finish(null);
    const check = (): void => {
      const match = findLogLine(tails, opts.regex);
      if (match) return finish(match);
      if (opts.signal?.aborted || Date.now() >= deadline) return finish(null);
      timer = setTimeout(check, Math.min(pollMs, Math.max(1, deadline - Date.now())));
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    check();
  });
}
