// Starting a child: its own process group (session), the client's environment, logs on O_APPEND fds.
import { spawn as spawnChild } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { SentinelError } from './errors.js';
import type { ProcessSpec } from './spec.js';
import { readStartTime } from './proc.js';
import { fastSpawn, fastSpawnMany } from './fast-spawn.js';
import type { ChildHandle, OutputFds, Spawned, SpawnRequest } from './host.js';

export type { ChildHandle };


export interface Spawner {
  spawn(spec: ProcessSpec, fds: OutputFds): ChildHandle;
  /** spawn for many at once, each answer at its request's index; without it, spawn is called for each (spawn-many.ts). */
  spawnMany?(requests: SpawnRequest[]): Spawned[];
}

/**
 * systemd's socket activation wants LISTEN_PID to be the pid that reads it: known only once the child
 * exists, so the child is started through a shell that sets it to its own pid ($$) and execs the program.
 */
const SET_LISTEN_PID = 'LISTEN_PID=$$; export LISTEN_PID; exec "$0" "$@"';

/**
 * A shell command that is one simple command (no ; & | ( ) ` or newline, no leading keyword or assignment):
 * run with `exec`, so the program keeps the shell's pid — the one LISTEN_PID names (dash forks the last
 * command of -c otherwise). A compound command must `exec` its server itself.
 */
function simpleCommand(command: string): boolean {
  const text = command.trim();
  if (text === '' || /[;&|()`\n]/.test(text)) return false;
  const first = text.split(/\s+/)[0];
  return !/^\w+=/.test(first) && !['if', 'for', 'while', 'until', 'case', '{', '!', 'exec'].includes(first);
}

function listenArgv(spec: ProcessSpec): [string, string[]] {
  if (spec.shell && simpleCommand(spec.command)) return ['/bin/sh', ['-c', `LISTEN_PID=$$; export LISTEN_PID; exec ${spec.command.trim()}`]];
  const [file, args] = spec.shell ? ['/bin/sh', ['-c', spec.command]] : [spec.command, spec.args];
  return ['/bin/sh', ['-c', SET_LISTEN_PID, file, ...args]];
}

/** Words a shell runs itself (builtins and keywords): a command starting with one keeps its shell. */
const SHELL_BUILTINS = new Set([
  'cd', 'exec', 'export', 'exit', 'set', 'unset', 'trap', 'eval', '.', 'source', 'readonly', 'shift', 'return', 'break',
  'continue', 'wait', 'read', 'umask', 'ulimit', 'alias', 'unalias', 'type', 'command', 'hash', 'getopts', 'local', 'times',
  'jobs', 'fg', 'bg', 'if', 'then', 'for', 'while', 'until', 'case', 'time', 'function', 'select',
]);

/**
 * A shell command made of plain words only (letters, digits and _ . / : @ % + , = -, no quoting, expansion,
 * glob, redirection or operator) whose first word is a program in PATH: what the shell would run is exactly
 * these words, so the program is started directly — one process, not a shell waiting on it (dash forks the
 * command of `-c` and stays), which halves the processes and the exec work of every start and restart.
 */
export function plainArgv(command: string, envPath: string | undefined, cwd: string): string[] | null {
  const text = command.trim();
  if (text === '' || !/^[\w./:@%+,=\s-]+$/.test(text)) return null;
  const words = text.split(/\s+/);
  const first = words[0];
  if (first.includes('=') || SHELL_BUILTINS.has(first)) return null;
  return resolveExecutable(first, envPath, cwd) === null ? null : words;
}

const SHELL_WORDS = new Set([
  'cd', 'exec', 'export', 'if', 'for', 'while', 'until', 'case', '.', 'source', 'true', 'false', 'echo', 'printf',
  'test', '[', 'exit', 'set', 'trap', 'wait', 'ulimit', 'umask', 'read', 'eval', 'sleep', 'kill', 'command', 'nohup', 'env', 'time',
]);

function isExecutableFile(file: string): boolean {
  // a stat that does not throw first: most PATH entries do not hold the program, and an ENOENT thrown
  // per entry was most of a bulk start's time in this function
  if (!statSync(file, { throwIfNoEntry: false })?.isFile()) return false;
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * What resolveExecutable found lately, for a second: a start resolves its program twice (the check, the
 * spawn) and `up` of a thousand processes asks for the same few programs a thousand times.
 */
const resolved = new Map<string, { at: number; found: string }>();
const RESOLVED_FOR_MS = 1000;

/** Finds argv[0] the way execvp would, in the PATH the client gave. */
export function resolveExecutable(file: string, envPath: string | undefined, cwd: string): string | null {
  const key = `${file}\0${envPath ?? ''}\0${cwd}`;
  const now = Date.now();
  const known = resolved.get(key);
  if (known && now - known.at < RESOLVED_FOR_MS) return known.found;
  const found = lookUpExecutable(file, envPath, cwd);
  // only what was found: a program just installed or made executable is found at once
  if (found !== null) {
    if (resolved.size >= 1000) resolved.clear();
    resolved.set(key, { at: now, found });
  }
  return found;
}

function lookUpExecutable(file: string, envPath: string | undefined, cwd: string): string | null {
  if (file.includes('/')) {
    const abs = path.resolve(cwd, file);
    return isExecutableFile(abs) ? abs : null;
  }
  for (const dir of (envPath ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    if (!dir) continue;
    const candidate = path.join(dir, file);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

/** Linux's usual limit on a new process's arguments and environment together (ARG_MAX), and on one string. */
const MAX_EXEC_BYTES = 2 * 1024 * 1024;
const MAX_EXEC_STRING = 128 * 1024 - 1;

/**
 * Refuses a spec whose argument and environment block the system would refuse (E2BIG), before anything
 * is created: the environment may come from files the daemon reads (--env-file), unseen by the request's checks.
 */
function checkExecSize(spec: ProcessSpec): void {
  const strings = [spec.command, ...spec.args, ...Object.entries(spec.env).map(([k, v]) => `${k}=${v}`)];
  let total = 0;
  for (const s of strings) {
    const n = Buffer.byteLength(s);
    total += n + 1 + 8;
    if (n > MAX_EXEC_STRING || total > MAX_EXEC_BYTES) throw execTooBig();
  }
}

export function execTooBig(): SentinelError {
  return new SentinelError('INVALID_ARGUMENT', 'the environment and arguments are too large for the system to start a process (E2BIG): pass fewer or shorter environment variables (--env, --env-file, .env; or start from --clean-env) or arguments');
}

/** Rejects, before anything starts, a cwd that does not exist, a program that cannot be found and an oversized environment. */
export function checkSpawnable(spec: ProcessSpec): void {
  checkExecSize(spec);
  let isDir = false;
  try {
    isDir = statSync(spec.cwd).isDirectory();
  } catch {
    /* reported below */
  }
  if (!isDir) {
    throw new SentinelError('CWD_NOT_FOUND', `working directory ${spec.cwd} does not exist or is not a directory; create it or set the working directory (--cwd, or cwd: in a config file) to an existing one`);
  }
  let program: string | undefined;
  if (!spec.shell) program = spec.command;
  else {
    const first = spec.command.trim().split(/\s+/)[0] ?? '';
    // Only a plain first word can be checked; shell syntax is left to the shell.
    if (/^[\w./+-]+$/.test(first) && !SHELL_WORDS.has(first)) program = first;
  }
  if (program === undefined || program === '') {
    if (spec.command.trim() === '') throw new SentinelError('INVALID_ARGUMENT', 'the command is empty; give a command, e.g. sentinel run "python server.py"');
    return;
  }
  if (!resolveExecutable(program, spec.env.PATH, spec.cwd)) throw missingProgram(program, spec);
}

const INTERPRETERS: Record<string, string> = { '.js': 'node', '.mjs': 'node', '.cjs': 'node', '.ts': 'npx tsx', '.py': 'python3', '.rb': 'ruby', '.sh': 'sh', '.pl': 'perl', '.php': 'php' };

/** Says why a program cannot be run: not there, there but not executable, or a script needing its interpreter. */
function missingProgram(program: string, spec: ProcessSpec): SentinelError {
  const local = path.resolve(spec.cwd, program);
  let isFile = false;
  try {
    isFile = statSync(local).isFile();
  } catch {
    /* not there */
  }
  const interpreter = INTERPRETERS[path.extname(program).toLowerCase()];
  const rest = spec.shell ? spec.command.trim().slice(program.length) : ` ${spec.args.join(' ')}`.trimEnd();
  const withInterpreter = interpreter ? `; or run it with its interpreter: "${interpreter} ${program}${rest}"` : '';
  if (isFile) {
    if (!program.includes('/')) {
      return new SentinelError('EXECUTABLE_NOT_FOUND', `"${program}" is a file in ${spec.cwd} but not a command in PATH; run it as "./${program}"${withInterpreter}`);
    }
    return new SentinelError('EXECUTABLE_NOT_FOUND', `${local} exists but is not executable; make it executable (chmod +x ${program})${withInterpreter}`);
  }
  if (program.includes('/')) {
    return new SentinelError('EXECUTABLE_NOT_FOUND', `executable ${local} does not exist; check the path (relative paths start from ${spec.cwd})`);
  }
  const dirs = [...new Set((spec.env.PATH ?? '').split(':').filter(Boolean))];
  return new SentinelError(
    'EXECUTABLE_NOT_FOUND',
    `executable "${program}" was not found in PATH (${dirs.length > 0 ? dirs.join(':') : 'unset'}) or is not executable; check the spelling or give its full path${withInterpreter}`,
  );
}

/** What the real spawner runs for a spec: the program found in PATH (null: not found), its argv and the child's fds. */
function planOf(spec: ProcessSpec, fds: OutputFds): { file: string; args: string[]; program: string | null; stdio: number[] } {
  const direct = spec.shell && fds.listen === undefined ? plainArgv(spec.command, spec.env.PATH, spec.cwd) : null;
  const [file, args] = fds.listen !== undefined
    ? listenArgv(spec)
    : direct ? [direct[0], direct.slice(1)] : [spec.shell ? '/bin/sh' : spec.command, spec.shell ? ['-c', spec.command] : spec.args];
  const program = resolveExecutable(file, spec.env.PATH, spec.cwd);
  const stdio = fds.listen !== undefined ? [-1, fds.stdout, fds.stderr, fds.listen] : [-1, fds.stdout, fds.stderr];
  return { file, args, program, stdio };
}

export const realSpawner: Spawner = {
  spawn(spec, fds) {
    const plan = planOf(spec, fds);
    const fast = plan.program === null ? null : fastSpawn(plan.program, [plan.file, ...plan.args], spec.env, spec.cwd, plan.stdio);
    return fast ?? nodeSpawn(spec, fds, plan.file, plan.args);
  },
  spawnMany(requests) {
    const plans = requests.map((r) => planOf(r.spec, r.fds));
    // a program not found goes to Node's spawn below, which reports it as spawn does
    const found = plans.flatMap((p, i) => (p.program === null ? [] : [i]));
    const started = fastSpawnMany(found.map((i) => ({
      file: plans[i].program!, argv: [plans[i].file, ...plans[i].args], env: requests[i].spec.env, cwd: requests[i].spec.cwd, fds: plans[i].stdio,
    })));
    const fast = new Map(found.map((i, k) => [i, started[k]]));
    return requests.map((r, i): Spawned => {
      try {
        return fast.get(i) ?? nodeSpawn(r.spec, r.fds, plans[i].file, plans[i].args);
      } catch (error) {
        return { error };
      }
    });
  },
};

/** Node's child_process: for what posix_spawn cannot start, and to report why a start failed the usual way. */
function nodeSpawn(spec: ProcessSpec, fds: OutputFds, file: string, args: string[]): ChildHandle {
  const child = spawnChild(file, args, {
    cwd: spec.cwd,
    env: spec.env,
    detached: true, // setsid(): the child leads its own session and process group
    stdio: fds.listen !== undefined ? ['ignore', fds.stdout, fds.stderr, fds.listen] : ['ignore', fds.stdout, fds.stderr],
  });
  let exitCb: ((code: number | null, signal: string | null) => void) | undefined;
  let ended: [number | null, string | null] | undefined;
  const finish = (code: number | null, signal: string | null) => {
    if (ended) return;
    ended = [code, signal];
    exitCb?.(code, signal);
  };
  child.once('exit', (code, signal) => finish(code, signal));
  child.once('error', (err: NodeJS.ErrnoException) => {
    // spawn failures (ENOENT, EACCES) arrive here without an exit event
    if (child.pid === undefined) finish(127, null);
    void err;
  });
  const pid = child.pid ?? -1;
  return {
    pid,
    startTime: pid > 0 ? readStartTime(pid) : null,
    onExit(cb) {
      exitCb = cb;
      if (ended) cb(ended[0], ended[1]);
    },
  };
}
