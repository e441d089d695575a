// sentinel shell / sentinel scope -- CMD: a scope for the processes started inside it. The command (or an
// interactive shell) runs in the foreground with SENTINEL_SCOPE set to this CLI's pid; every `sentinel run`
// inside is tied to that pid, so when the command ends (or this CLI is killed), the daemon stops and deletes
// those processes. Nothing is sent to the daemon here: the scope is just a pid that lives as long as the command.
import { spawn } from 'node:child_process';
import os from 'node:os';
import type { Command } from 'commander';
import { SentinelError } from '../../core/errors.js';
import { failAndExit } from '../output.js';

function runScoped(command: string, args: string[], announce: boolean): void {
  if (process.env.SENTINEL_SCOPE) {
    failAndExit(new SentinelError('INVALID_ARGUMENT', `already inside a scope (SENTINEL_SCOPE=${process.env.SENTINEL_SCOPE}); exit it first, or unset SENTINEL_SCOPE to start a separate one`), false);
  }
  if (announce) process.stderr.write(`Sentinel scope ${process.pid}: processes started with "sentinel run" here are stopped and deleted when this shell exits.\n`);
  const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, SENTINEL_SCOPE: String(process.pid) } });
  // the terminal's signals reach the command itself (same foreground group); this CLI only waits for it
  for (const sig of ['SIGINT', 'SIGQUIT', 'SIGTSTP'] as const) process.on(sig, () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  process.on('SIGHUP', () => child.kill('SIGHUP'));
  child.on('error', (err: NodeJS.ErrnoException) => {
    const why = err.code === 'ENOENT' ? `${command}: command not found; check the name or give its full path` : `${command}: ${err.message}`;
    failAndExit(new SentinelError('EXECUTABLE_NOT_FOUND', why), false);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (signalNumber(signal) ?? 1) : 1)));
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
  return os.constants.signals[signal];
}

export function register(program: Command): void {
  program
    .command('shell')
    .description('Open a shell whose "sentinel run" processes are stopped and deleted when it exits')
    .option('--shell <path>', 'the shell to run (default: $SHELL, else /bin/sh)')
    .action((opts: { shell?: string }) => runScoped(opts.shell ?? process.env.SHELL ?? '/bin/sh', [], true));

  program
    .command('scope')
    .description('Run a command as a scope: "sentinel run" processes started inside it go when it ends (e.g. sentinel scope -- npm test)')
    .argument('<command...>', 'the command and its arguments, after --')
    .action((words: string[]) => runScoped(words[0], words.slice(1), false));
}
