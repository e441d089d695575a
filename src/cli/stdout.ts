// The CLI's standard output without node:net. Node makes process.stdout a net.Socket when fd 1 is a pipe
// (how scripts and benchmarks read a command's output) and loads node:net for it: about 2–3 ms of a
// 70 ms command on a 2-core machine. When fd 1 is a pipe, a socket or a file, the CLI writes to it with
// writeSync, which is what Node's stdout does there anyway (synchronous on Linux). A terminal keeps
// process.stdout. A closed pipe (`sentinel list | head`) ends the command quietly.
import { fstatSync, statSync, writeSync } from 'node:fs';

let plain: boolean | undefined;
/** process.stdout, once something made it (a terminal, or the fallback below). */
let made: NodeJS.WriteStream | undefined;

/** Whether fd 1 is a pipe, socket or regular file (written directly), found once. */
function isPlain(): boolean {
  if (plain === undefined) {
    try {
      const st = fstatSync(1);
      // /dev/null too: Node would load its stream modules to write nothing there
      plain = st.isFIFO() || st.isSocket() || st.isFile() || (st.isCharacterDevice() && st.rdev === statSync('/dev/null').rdev);
    } catch {
      plain = false; // no fd 1 at all: let process.stdout deal with it as before
    }
  }
  return plain;
}

/** process.stdout.isTTY, without making process.stdout when fd 1 is a pipe or a file (it is no terminal). */
export function stdoutIsTTY(): boolean {
  return isPlain() ? false : process.stdout.isTTY === true;
}

/** Writes all of `text` to standard output; a reader that went away (EPIPE) ends the command with 0. */
export function writeStdout(text: string): void {
  if (!isPlain()) {
    process.stdout.write(text);
    return;
  }
  let bytes = Buffer.from(text, 'utf8');
  while (bytes.length > 0) {
    let n: number;
    try {
      n = writeSync(1, bytes);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') process.exit(0);
      if (code !== 'EAGAIN') throw err;
      // a pipe someone made non-blocking: the rest, and everything after it, goes through process.stdout
      plain = false;
      process.stdout.write(bytes);
      return;
    }
    bytes = bytes.subarray(n);
  }
}

/**
 * A closed pipe is not an error: exit quietly. For process.stdout (a terminal, or a command that writes to it
 * itself) the handler is attached when process.stdout is first made, so that merely asking for it here does
 * not load node:net.
 */
export function onClosedStdout(): void {
  const attach = (stream: NodeJS.WriteStream) => {
    made = stream;
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
    });
  };
  const own = Object.getOwnPropertyDescriptor(process, 'stdout');
  if (!own?.get || !own.configurable) {
    attach(process.stdout);
    return;
  }
  const getter = own.get;
  Object.defineProperty(process, 'stdout', {
    configurable: true,
    enumerable: own.enumerable,
    get() {
      const stream = getter.call(process) as NodeJS.WriteStream;
      Object.defineProperty(process, 'stdout', { configurable: true, enumerable: own.enumerable, writable: false, value: stream });
      attach(stream);
      return stream;
    },
  });
}

/**
 * Ends a command that is done now, unless some of its output still waits in process.stdout (a pipe someone made
 * non-blocking): then the event loop writes it and ends the process, as before. A natural end tears Node's
 * environment and V8's heap down piece by piece (FreeEnvironment, Isolate::Dispose); process.exit leaves that
 * to the kernel. `list` with 100 up, against the same build without this: median CPU ratio 0.96-0.99 in four
 * runs of 40-80 alternating pairs on a 2-core machine. Needs onClosedStdout() first (it sees process.stdout made).
 */
export function exitWhenWritten(): void {
  if (made !== undefined && made.writableLength > 0) return;
  process.exit();
}
