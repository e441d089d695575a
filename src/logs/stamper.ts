// Exact per-line times (`log: {timestamps: true}`): the child writes into a FIFO the daemon reads; the
// daemon appends what it reads to the log file and samples the index at once, so each line gets the
// time it was read (to the millisecond) instead of the rotator's 1 s sample.
//
// The default stays direct-to-file: this path costs a read, a write and an index sample per chunk in the
// daemon (`bench/log-timestamps.mjs` measures it). A FIFO rather than an anonymous pipe, so a child
// outlives the daemon: the child's end is opened O_RDWR, so the pipe always has a reader and a write
// never fails with EPIPE while no daemon runs; output then waits in the pipe (64 KiB, after which the
// child's writes block) until the next daemon opens the FIFO again and reads it.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fifoPath, logPaths, type LogStream, LOG_STREAMS } from './paths.js';
import { SentinelError } from '../core/errors.js';

export interface StamperHooks {
  /** Called after bytes read at `time` were appended to `file`. */
  written(file: string, time: number): void;
  onError(err: unknown, file: string): void;
}

interface Reader {
  socket: net.Socket;
  logFd: number;
  ended: boolean;
}

export class LogStamper {
  private readonly readers = new Map<string, Reader>();
  /** the time of the latest unsampled write per file: one index sample per file, millisecond and loop turn */
  private readonly pending = new Map<string, number>();
  private flushing = false;

  constructor(private readonly logsDir: string, private readonly hooks: StamperHooks) {}

  /**
   * The fds a child gets as stdout/stderr (the caller closes them after the spawn), with the daemon
   * reading the other end.
   */
  openForChild(name: string): { stdout: number; stderr: number } {
    const fds: number[] = [];
    try {
      for (const stream of LOG_STREAMS) {
        const fifo = ensureFifo(fifoPath(this.logsDir, name, stream));
        // the writer first: a reader opened on a FIFO with no writer would see end-of-file at once
        fds.push(fs.openSync(fifo, fs.constants.O_RDWR));
        this.read(name, stream);
      }
    } catch (err) {
      for (const fd of fds) fs.closeSync(fd);
      throw err;
    }
    return { stdout: fds[0], stderr: fds[1] };
  }

  /** After a daemon restart: reads the FIFOs of a live process again (what waited in them comes first). */
  resume(name: string): void {
    for (const stream of LOG_STREAMS) {
      if (!fs.existsSync(fifoPath(this.logsDir, name, stream))) continue;
      try {
        this.read(name, stream);
      } catch (err) {
        this.hooks.onError(err, fifoPath(this.logsDir, name, stream));
      }
    }
  }

  /** Stops reading (daemon shutdown): children keep writing into the pipes for the next daemon. */
  close(): void {
    for (const r of this.readers.values()) r.socket.destroy();
    this.readers.clear();
  }

  /** Readers open now (for tests and the daemon's status). */
  get open(): number {
    return this.readers.size;
  }

  private noteWrite(file: string, time: number): void {
    this.pending.set(file, time);
    if (this.flushing) return;
    this.flushing = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushing = false;
    for (const [file, time] of this.pending) this.sample(file, time);
  }

  private sample(file: string, time: number): void {
    this.pending.delete(file);
    try {
      this.hooks.written(file, time);
    } catch (err) {
      this.hooks.onError(err, file);
    }
  }

  private read(name: string, stream: LogStream): void {
    const fifo = fifoPath(this.logsDir, name, stream);
    // a reader that saw end-of-file is done even before it closes: a new run needs a new one
    const current = this.readers.get(fifo);
    if (current && !current.ended) return;
    const file = logPaths(this.logsDir, name)[stream];
    const logFd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o640);
    let fd: number;
    try {
      fd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    } catch (err) {
      fs.closeSync(logFd);
      throw err;
    }
    const socket = new net.Socket({ fd, readable: true, writable: false });
    const reader: Reader = { socket, logFd, ended: false };
    this.readers.set(fifo, reader);
    socket.on('data', (chunk: Buffer) => {
      const time = Date.now();
      // bytes of an earlier millisecond get their own sample before these are written
      const earlier = this.pending.get(file);
      if (earlier !== undefined && earlier !== time) this.sample(file, earlier);
      try {
        fs.writeSync(logFd, chunk);
      } catch (err) {
        // a full disk loses this chunk, as it would a direct write; the daemon goes on reading
        this.hooks.onError(err, file);
        return;
      }
      this.noteWrite(file, time);
    });
    socket.on('end', () => {
      reader.ended = true;
    });
    socket.on('error', (err) => this.hooks.onError(err, fifo));
    // end-of-file: no writer is left (the process and everything it started are gone)
    socket.on('close', () => {
      if (this.readers.get(fifo) === reader) this.readers.delete(fifo);
      fs.closeSync(logFd);
    });
  }
}

function ensureFifo(fifo: string): string {
  try {
    if (fs.statSync(fifo).isFIFO()) return fifo;
    fs.rmSync(fifo, { force: true, recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(path.dirname(fifo), { recursive: true, mode: 0o700 });
  try {
    // Node has no mkfifo(3); the coreutils tool runs once per process and stream, the FIFO is reused after
    execFileSync('mkfifo', ['-m', '600', fifo], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim();
    throw new SentinelError('INTERNAL', `cannot create the pipe ${fifo} for --log-timestamps: ${stderr}; run the process without --log-timestamps`);
  }
  return fifo;
}
